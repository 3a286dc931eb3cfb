import "server-only";

/**
 * lib/expenses owns the expense dashboard's read model: what counts as spend and how entries are
 * labelled (definitions.ts), URL filters and periods in the company's time zone (filters.ts,
 * period.ts), the SQL over the synced tables (sql.ts), the widget cache (cache.ts), money (money.ts),
 * the CSV export (csv.ts) and the reads below. It imports lib/db and the shared lib/*.ts modules only,
 * never lib/auth, lib/connections, lib/pleo, lib/sync or lib/settings (eslint.config.mjs enforces
 * this): the app
 * decides which company a request shows and checks that the session may see it (lib/connections)
 * before calling in here with that company's id.
 *
 * Reads for the expense dashboard (next-learn's data-module pattern): each fetchX runs the SQL of
 * lib/expenses/sql.ts on the synced tables and returns plain typed values; failures are logged and
 * rethrown as a generic error the route's error boundary can show without leaking SQL. Widget reads
 * go through the cache (cache.ts); the table's page and the entry detail are always read fresh.
 */
import { db } from "@/lib/db";
import { historyStart } from "@/lib/history-window";
import { isUuid } from "@/lib/ids";
import { logger } from "@/lib/log";
import { cachedRead } from "./cache";
import {
  UNCATEGORISED_LABEL,
  UNKNOWN_ACCOUNT_ID,
  UNKNOWN_ACCOUNT_LABEL,
  categoryLabel,
  employeeName,
  familyLabel,
  supplierLabel,
  taxCodeLabel,
  teamLabel,
  type SupplierIds,
} from "./definitions";
import { FILTER_KEYS, PAGE_SIZE, periodOf, type ExpenseFilters } from "./filters";
import { FALLBACK_TIME_ZONE, isTimeZone, last12Months, type DateRange } from "./period";
import type { DashboardScope } from "./scope";
import {
  breakdownsQuery,
  kpiFiguresQuery,
  monthlySpendQuery,
  searchMatchesQuery,
  tablePageQuery,
  visibleEntryQuery,
  type BreakdownDimension,
  type KpiRow,
  type ReadFilters,
  type SearchMatches,
  type Sql,
} from "./sql";

export type { DashboardScope } from "./scope";

/** A read that fails is logged with what failed and the database's error, and rethrown as a plain sentence. */
async function guarded<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    logger().error({ module: "expenses", what, err }, "dashboard read failed");
    throw new Error(`Could not load ${what}.`);
  }
}

const run = <T>(what: string, query: Sql): Promise<T[]> => guarded(what, () => db.$queryRaw<T[]>(query));

/** The filters a widget depends on (not sorting, paging or the view settings), for its cache key. */
const filterDeps = (f: ExpenseFilters) => FILTER_KEYS.map((k) => f[k] ?? null);
const rangeDeps = (r: DateRange | null) => (r ? [r.start.getTime(), r.end.getTime()] : null);

/**
 * The filters with what a search text matches among the company's names (employees, teams,
 * categories, tags), looked up once per text and data version, so the entry queries carry the ids.
 */
export async function readFilters(scope: DashboardScope, filters: ExpenseFilters): Promise<ReadFilters> {
  const q = filters.q;
  if (!q) return filters;
  const matches = await cachedRead("search-matches", scope, q.toLowerCase(), async () => {
    const rows = await run<{ kind: keyof SearchMatches; id: string }>("search", searchMatchesQuery(scope, q));
    const m: SearchMatches = { employees: [], teams: [], accounts: [], tags: [] };
    for (const r of rows) m[r.kind].push(r.id);
    return m;
  });
  return { ...filters, matches };
}

export type CompanyContext = {
  /** Wallet currency; null until the first entries are synced. */
  currency: string | null;
  /** The zone the dashboard's calendar is in (UTC when the company's country is unknown). */
  timeZone: string;
  /** False when Pleo gave no country the portal recognises, so `timeZone` is the UTC fallback. */
  timeZoneKnown: boolean;
  dataVersion: number;
  /** The connection's history window in months (null: everything): scope.historyStart, sql.ts's companyRows. */
  historyMonths: number | null;
};

/**
 * What a request needs to know of the company before any widget reads: its wallet currency (what
 * Pleo's totalBillValue is in; stored by the sync, or the most recent entry's before that), its time
 * zone and its data version. One small read per request.
 */
export async function fetchCompanyContext(companyId: string): Promise<CompanyContext> {
  // One statement (the ORM would send two for the connection's window): this runs on every dashboard request.
  const [company] = await db.$queryRaw<
    { currency: string | null; timeZone: string | null; dataVersion: bigint; historyMonths: number | null }[]
  >`SELECT c."currency", c."timeZone", c."dataVersion",
      (SELECT k."historyMonths" FROM "PleoConnection" k WHERE k."companyId" = c."id" LIMIT 1) AS "historyMonths"
    FROM "PleoCompany" c WHERE c."id" = ${companyId}::uuid`;
  let currency = company?.currency ?? null;
  if (!currency) {
    const latest = await db.accountingEntry.findFirst({
      where: { companyId, deletedAt: null },
      orderBy: { performedAt: "desc" },
      select: { billCurrency: true },
    });
    currency = latest?.billCurrency ?? null;
  }
  const known = !!company?.timeZone && isTimeZone(company.timeZone);
  return {
    currency,
    timeZone: known ? company!.timeZone! : FALLBACK_TIME_ZONE,
    timeZoneKnown: known,
    dataVersion: Number(company?.dataVersion ?? 0),
    historyMonths: company?.historyMonths ?? null,
  };
}

/** The scope of a view of `companyId` for these filters, or null before any entry is synced. */
export async function dashboardScope(
  companyId: string,
  filters: ExpenseFilters,
  now: Date,
): Promise<(DashboardScope & { context: CompanyContext }) | null> {
  const context = await fetchCompanyContext(companyId);
  if (!context.currency) return null;
  return {
    companyId,
    currency: context.currency,
    timeZone: context.timeZone,
    dataVersion: context.dataVersion,
    historyStart: historyStart(context.historyMonths, now, context.timeZone)?.getTime() ?? null,
    period: periodOf(filters, now, context.timeZone),
    now,
    context,
  };
}

export type KpiFigures = { total: bigint; count: number; average: bigint; waiting: number; missingReceipt: number };
export type Kpis = {
  currency: string;
  current: KpiFigures;
  previous: KpiFigures | null;
  /** Live entries in the period that match the filters, spend or not, in any currency: the table's count. */
  entries: number;
  /** Entries billed in another currency than the wallet's are not summed into the totals above. */
  otherCurrencies: { currency: string; count: number }[];
};

const emptyFigures = (): KpiFigures => ({ total: 0n, count: 0, average: 0n, waiting: 0, missingReceipt: 0 });

/** Average in minor units, rounded half away from zero (bigint division truncates). */
export function averageMinors(total: bigint, count: number): bigint {
  if (count === 0) return 0n;
  const n = BigInt(count);
  const twice = (total * 2n) / n;
  return twice >= 0n ? (twice + 1n) / 2n : (twice - 1n) / 2n;
}

/** KPIs count each entry once, with its whole amount (split items never split a KPI). */
export function fetchKpis(scope: DashboardScope, filters: ExpenseFilters): Promise<Kpis> {
  const { current, previous } = scope.period;
  const deps = [filterDeps(filters), rangeDeps(current), rangeDeps(previous)];
  return cachedRead("kpis", scope, deps, async () => {
    const rows = await run<KpiRow>(
      "the key figures",
      kpiFiguresQuery(scope, await readFilters(scope, filters), current, previous),
    );
    const cur = emptyFigures();
    const prev = previous ? emptyFigures() : null;
    const others = new Map<string, number>();
    let entries = 0;
    for (const r of rows) {
      if (r.isCurrent) entries += r.entries;
      if (r.currency !== scope.currency) {
        if (r.isCurrent && r.count > 0) others.set(r.currency, (others.get(r.currency) ?? 0) + r.count);
        continue;
      }
      const target = r.isCurrent ? cur : prev;
      if (!target) continue;
      target.total += BigInt(r.total);
      target.count += r.count;
      target.waiting += r.waiting;
      target.missingReceipt += r.missingReceipt;
    }
    for (const f of prev ? [cur, prev] : [cur]) f.average = averageMinors(f.total, f.count);
    return {
      currency: scope.currency,
      current: cur,
      previous: prev,
      entries,
      otherCurrencies: [...others].map(([currency, count]) => ({ currency, count })),
    };
  });
}

/** `month` is "YYYY-MM" and `start` the instant it begins, both in the company's time zone. */
export type MonthlyPoint = { month: string; start: Date; total: bigint; count: number };

/** Spend per calendar month (company time zone) for the 12 months up to now; every filter but the period applies. */
export function fetchMonthlySpend(scope: DashboardScope, filters: ExpenseFilters): Promise<MonthlyPoint[]> {
  const months = last12Months(scope.now, scope.timeZone);
  const deps = [filterDeps(filters), months[0].key, months[11].key];
  return cachedRead("monthly", scope, deps, async () => {
    const rows = await run<{ month: Date; total: bigint; count: number }>(
      "monthly spend",
      monthlySpendQuery(scope, await readFilters(scope, filters), months, scope.currency),
    );
    // Months come back as their local start in wall time (timestamp without zone), read as UTC here.
    const byMonth = new Map(rows.map((r) => [new Date(r.month).toISOString().slice(0, 7), r]));
    return months.map(({ key, start }) => {
      const row = byMonth.get(key);
      return { month: key, start, total: row ? BigInt(row.total) : 0n, count: row?.count ?? 0 };
    });
  });
}

export type BreakdownItem = { key: string | null; label: string; total: bigint; count: number; isOther?: boolean };

const UNKNOWN_CATEGORY_LABEL = "Unknown category";

/** Labels for breakdown keys whose name is not synced (or that have none). */
function fallbackLabel(dim: BreakdownDimension, key: string | null, teams: Map<string, string>): string {
  if (dim === "family") return key ? familyLabel(key) : "Unknown";
  if (dim === "category")
    return key === UNKNOWN_ACCOUNT_ID ? UNKNOWN_ACCOUNT_LABEL : key ? UNKNOWN_CATEGORY_LABEL : UNCATEGORISED_LABEL;
  if (dim === "team") return key ? (teams.get(key) ?? teamLabel({ id: key, name: null }, [])) : "No team";
  if (dim === "tag") return key ? "Unknown tag" : "No tag";
  return key ? "Unknown employee" : "No employee";
}

/** The `top` largest first and the rest summed as "Other", so the bars always add up to the total. */
function topWithOther(items: BreakdownItem[], top: number): BreakdownItem[] {
  if (items.length <= top) return items;
  const rest = items.slice(top);
  return [
    ...items.slice(0, top),
    {
      key: null,
      label: `Other (${rest.length})`,
      total: rest.reduce((s, i) => s + i.total, 0n),
      count: rest.reduce((s, i) => s + i.count, 0),
      isOther: true,
    },
  ];
}

type BreakdownRow = {
  dim: BreakdownDimension;
  key: string | null;
  total: bigint;
  byCategory: number;
  byTag: number;
  byEntry: number;
};

/** Names of the company's accounts, employees and tags by id, and team labels: the breakdowns' labels. */
function fetchNames(scope: DashboardScope) {
  const { companyId } = scope;
  return cachedRead("names", scope, null, async () => {
    const [accounts, employees, tags, teams] = await Promise.all([
      db.ledgerAccount.findMany({ where: { companyId }, select: { id: true, code: true, name: true } }),
      db.employee.findMany({ where: { companyId }, select: { id: true, firstName: true, lastName: true } }),
      db.tag.findMany({ where: { companyId }, select: { id: true, name: true } }),
      fetchTeamLabels(scope),
    ]);
    return {
      category: new Map(accounts.map((a) => [a.id, categoryLabel(a)])),
      employee: new Map(employees.map((e) => [e.id, employeeName(e)])),
      tag: new Map(tags.map((t) => [t.id, t.name])),
      team: teams,
    };
  });
}

/** The tag group the tag breakdown shows: `filters.tagGroup` when it is one of the company's, else the first. */
async function selectedTagGroup(scope: DashboardScope, filters: ExpenseFilters) {
  const groups = (await fetchFilterOptions(scope)).tagGroups.map(({ id, name }) => ({ id, name }));
  return { groups, group: groups.find((g) => g.id === filters.tagGroup) ?? groups[0] ?? null };
}

/** Every breakdown of the period, from one statement (sql.ts, breakdownsQuery), labelled. */
async function breakdowns(
  scope: DashboardScope,
  filters: ExpenseFilters,
): Promise<Map<BreakdownDimension, BreakdownItem[]>> {
  const range = scope.period.current;
  const { group } = await selectedTagGroup(scope, filters);
  const deps = [filterDeps(filters), rangeDeps(range), group?.id ?? null];
  return cachedRead("breakdowns", scope, deps, async () => {
    const [rows, names] = await Promise.all([
      run<BreakdownRow>(
        "spend by category, tag, team, employee and type",
        breakdownsQuery(scope, await readFilters(scope, filters), range, scope.currency, group?.id ?? null),
      ),
      fetchNames(scope),
    ]);
    const by = new Map<BreakdownDimension, BreakdownItem[]>();
    for (const r of rows) {
      const dim = r.dim;
      const known = dim === "family" ? null : r.key ? names[dim].get(r.key) : null;
      const label =
        known ??
        (dim === "tag" && r.key === null && group ? `No ${group.name} tag` : fallbackLabel(dim, r.key, names.team));
      const count = dim === "category" ? r.byCategory : dim === "tag" ? r.byTag : r.byEntry;
      by.set(dim, [...(by.get(dim) ?? []), { key: r.key, label, total: BigInt(r.total), count }]);
    }
    // Biggest first; equal totals in a stable order.
    for (const items of by.values()) {
      items.sort((a, b) => (b.total > a.total ? 1 : b.total < a.total ? -1 : (a.key ?? "").localeCompare(b.key ?? "")));
    }
    return by;
  });
}

/**
 * Spend over the period grouped by `dim` (not "tag": fetchTagBreakdown). Category gives each split
 * item's amount to its own account where the entry's split items add up (sql.ts, breakdownsQuery).
 */
export async function fetchBreakdown(
  scope: DashboardScope,
  filters: ExpenseFilters,
  dim: Exclude<BreakdownDimension, "tag">,
  top = 10,
): Promise<BreakdownItem[]> {
  return topWithOther((await breakdowns(scope, filters)).get(dim) ?? [], top);
}

export type TagBreakdown = {
  /** The company's tag groups, for choosing one. */
  groups: { id: string; name: string }[];
  /** The group shown: `filters.tagGroup` when it is one of the company's, else the first. */
  group: { id: string; name: string } | null;
  items: BreakdownItem[];
};

/** Spend over the period by the tags of one tag group; split items' amounts go to their own tags. */
export async function fetchTagBreakdown(
  scope: DashboardScope,
  filters: ExpenseFilters,
  top = 10,
): Promise<TagBreakdown> {
  const { groups, group } = await selectedTagGroup(scope, filters);
  if (!group) return { groups, group: null, items: [] };
  return { groups, group, items: topWithOther((await breakdowns(scope, filters)).get("tag") ?? [], top) };
}

export type EntryRow = {
  id: string;
  performedAt: Date;
  family: string;
  status: string;
  reviewStatus: string;
  exportStatus: string;
  /** Only where Pleo sent a name (it documents none): the sandbox's default mode. */
  supplierName: string | null;
  supplier: SupplierIds | null;
  note: string | null;
  billMinors: bigint;
  billCurrency: string;
  transactionMinors: bigint;
  transactionCurrency: string;
  receiptCount: number;
  employeeId: string | null;
  teamId: string | null;
  accountId: string | null;
  splitCount: number;
  employeeName: string | null;
  accountName: string | null;
  accountCode: string | null;
};

export type EntriesPage = { rows: EntryRow[]; total: number; page: number; pageCount: number; pageSize: number };

/**
 * How many entries a view matches: counted by the KPI query's pass over the same entries (cached like
 * a widget: a new page or sort order does not change it).
 */
async function fetchEntryCount(scope: DashboardScope, filters: ExpenseFilters): Promise<number> {
  return (await fetchKpis(scope, filters)).entries;
}

/** One page of the expenses table plus the number of matching entries. */
export async function fetchEntriesPage(
  scope: DashboardScope,
  filters: ExpenseFilters,
  pageSize = PAGE_SIZE,
): Promise<EntriesPage> {
  const range = scope.period.current;
  const offset = (filters.page - 1) * pageSize;
  const [rows, total] = await Promise.all([
    readFilters(scope, filters).then((f) =>
      run<EntryRow>("expenses", tablePageQuery(scope, f, range, pageSize, offset)),
    ),
    fetchEntryCount(scope, filters),
  ]);
  return { rows, total, page: filters.page, pageSize, pageCount: Math.max(1, Math.ceil(total / pageSize)) };
}

export type FilterOptions = {
  employees: { id: string; name: string }[];
  teams: { id: string; name: string }[];
  categories: { id: string; name: string }[];
  tagGroups: { id: string; name: string; tags: { id: string; name: string }[] }[];
};

/**
 * Names for the teams of a company, by id. Pleo documents no teams API, so most teams have no name:
 * they read as "Team 1a2b3c4d · Mette Jensen, Lars Nielsen +3", the employees seen on their entries
 * (most recent first). A name from a teams list (the sandbox's extension) is used where there is one.
 */
export function fetchTeamLabels(scope: DashboardScope): Promise<Map<string, string>> {
  return cachedRead("team-labels", scope, null, () => teamLabels(scope.companyId));
}

async function teamLabels(companyId: string): Promise<Map<string, string>> {
  const [teams, members] = await Promise.all([
    db.team.findMany({ where: { companyId }, select: { id: true, name: true } }),
    db.$queryRaw<{ teamId: string; firstName: string; lastName: string }[]>`
      SELECT m."teamId"::text AS "teamId", p."firstName", p."lastName"
      FROM "TeamMember" m JOIN "Employee" p ON p."id" = m."employeeId" AND p."companyId" = m."companyId"
      WHERE m."companyId" = ${companyId}::uuid
      ORDER BY m."lastSeenAt" DESC, p."firstName", p."lastName"`,
  ]);
  const byTeam = new Map<string, string[]>();
  for (const m of members) byTeam.set(m.teamId, [...(byTeam.get(m.teamId) ?? []), employeeName(m)]);
  return new Map(teams.map((t) => [t.id, teamLabel(t, byTeam.get(t.id) ?? [])]));
}

/** Choices for the filter selects (names from the synced directory and chart of accounts). */
export function fetchFilterOptions(scope: DashboardScope): Promise<FilterOptions> {
  const { companyId } = scope;
  return cachedRead("filter-options", scope, null, async () => {
    const [employees, teams, accounts, groups] = await guarded("the filter choices", () =>
      Promise.all([
        db.employee.findMany({
          where: { companyId },
          select: { id: true, firstName: true, lastName: true },
          orderBy: [{ firstName: "asc" }, { lastName: "asc" }],
        }),
        fetchTeamLabels(scope),
        db.ledgerAccount.findMany({
          where: { companyId },
          select: { id: true, name: true, code: true, archived: true },
          orderBy: [{ code: "asc" }, { name: "asc" }],
        }),
        db.tagGroup.findMany({
          where: { companyId },
          select: {
            id: true,
            name: true,
            archived: true,
            tags: { where: { companyId }, select: { id: true, name: true, archived: true }, orderBy: { name: "asc" } },
          },
          orderBy: { name: "asc" },
        }),
      ]),
    );
    const archived = (x: { name: string; archived: boolean }) => `${x.name}${x.archived ? " (archived)" : ""}`;
    return {
      employees: employees.map((e) => ({ id: e.id, name: employeeName(e) })),
      teams: [...teams].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name)),
      categories: accounts.map((a) => ({ id: a.id, name: `${categoryLabel(a)}${a.archived ? " (archived)" : ""}` })),
      tagGroups: groups
        .filter((g) => g.tags.length > 0)
        .sort((a, b) => Number(a.archived) - Number(b.archived))
        .map((g) => ({
          id: g.id,
          name: archived(g),
          tags: g.tags.map((t) => ({ id: t.id, name: archived(t) })),
        })),
    };
  });
}

export type EntryDetail = NonNullable<Awaited<ReturnType<typeof fetchEntryDetail>>>;

type TagRef = { tagGroupId: string; tagId: string };

const tagRefs = (json: unknown): TagRef[] =>
  Array.isArray(json)
    ? json.filter((t): t is TagRef => typeof t?.tagId === "string" && typeof t?.tagGroupId === "string")
    : [];

/** Everything about one entry, with names for its ids; null when it is not this company's (or outside its history window). */
export async function fetchEntryDetail(companyId: string, entryId: string) {
  const context = await fetchCompanyContext(companyId);
  const start = historyStart(context.historyMonths, new Date(), context.timeZone)?.getTime() ?? null;
  const visible = visibleEntryQuery({ companyId, timeZone: context.timeZone, historyStart: start }, entryId);
  if ((await run<{ id: string }>("the expense", visible)).length === 0) return null;
  const entry = await db.accountingEntry.findFirst({
    where: { id: entryId, companyId },
    include: { splitItems: { orderBy: { id: "asc" } } },
  });
  if (!entry) return null;
  const entryTags = tagRefs(entry.tags);
  const splitTags = entry.splitItems.flatMap((s) => tagRefs(s.tags));
  const uuids = (ids: (string | null)[]) => ids.filter((x): x is string => !!x && isUuid(x));
  const accountIds = uuids([entry.accountId, ...entry.splitItems.map((s) => s.accountId)]);
  const taxCodeIds = uuids([entry.taxCodeId, ...entry.splitItems.map((s) => s.taxCodeId)]);
  const tagIds = uuids([...entryTags, ...splitTags].map((t) => t.tagId));
  const groupIds = uuids([...entryTags, ...splitTags].map((t) => t.tagGroupId));
  const [employee, team, accounts, tags, groups, taxCodes] = await Promise.all([
    entry.employeeId ? db.employee.findFirst({ where: { id: entry.employeeId, companyId } }) : null,
    entry.teamId ? teamLabels(companyId).then((m) => m.get(entry.teamId!) ?? null) : null,
    db.ledgerAccount.findMany({ where: { id: { in: accountIds }, companyId } }),
    db.tag.findMany({ where: { id: { in: tagIds }, companyId } }),
    db.tagGroup.findMany({ where: { id: { in: groupIds }, companyId } }),
    db.taxCode.findMany({ where: { id: { in: taxCodeIds }, companyId } }),
  ]);
  const accountName = (id: string | null, code: string | null) => {
    if (!id) return code ? `Account ${code}` : UNCATEGORISED_LABEL;
    if (id === UNKNOWN_ACCOUNT_ID) return UNKNOWN_ACCOUNT_LABEL;
    const a = accounts.find((x) => x.id === id);
    return a ? categoryLabel(a) : `${UNKNOWN_CATEGORY_LABEL}${code ? ` (${code})` : ""}`;
  };
  const taxCodeName = (id: string | null) => {
    if (!id) return null;
    const t = taxCodes.find((x) => x.id === id);
    return t ? taxCodeLabel({ ...t, rate: t.rate.toString() }) : "Tax code not synced";
  };
  const tagName = (t: TagRef) => ({
    group: groups.find((g) => g.id === t.tagGroupId)?.name ?? "Tag group",
    name: tags.find((x) => x.id === t.tagId)?.name ?? "Unknown tag",
  });
  const supplier = (entry.supplier ?? null) as SupplierIds | null;
  return {
    ...entry,
    supplier,
    supplierLabel: supplierLabel(entry.supplierName, supplier),
    employeeName: employee ? employeeName(employee) : null,
    employeeEmail: employee?.email ?? null,
    teamName: team ?? (entry.teamId ? teamLabel({ id: entry.teamId, name: null }, []) : null),
    categoryName: accountName(entry.accountId, entry.accountCode),
    taxCodeName: taxCodeName(entry.taxCodeId),
    tagNames: entryTags.map(tagName),
    splits: entry.splitItems.map((s) => ({
      ...s,
      categoryName: accountName(s.accountId, s.accountCode),
      taxCodeName: taxCodeName(s.taxCodeId),
      tagNames: tagRefs(s.tags).map(tagName),
    })),
  };
}

/** Which company an entry belongs to (the detail page checks the caller owns it before reading more). */
export async function fetchEntryCompanyId(entryId: string): Promise<string | null> {
  if (!isUuid(entryId)) return null;
  const row = await db.accountingEntry.findUnique({
    where: { id: entryId.toLowerCase() },
    select: { companyId: true },
  });
  return row?.companyId ?? null;
}

/** Tag names of a company by tag id, "Group: Tag" (the CSV export). */
export async function fetchTagNames(companyId: string): Promise<Map<string, string>> {
  const tags = await db.tag.findMany({
    // The group is joined by id: scope it to the company too (tenant boundary, README → Security).
    where: { companyId, tagGroup: { companyId } },
    select: { id: true, name: true, tagGroup: { select: { name: true } } },
  });
  return new Map(tags.map((t) => [t.id, `${t.tagGroup.name}: ${t.name}`]));
}
