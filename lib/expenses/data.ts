import "server-only";

/**
 * lib/expenses owns the expense dashboard's read model: what counts as spend and how entries are
 * labelled (definitions.ts), URL filters and periods (filters.ts, period.ts), the SQL over the synced
 * tables (sql.ts), money (money.ts), the CSV export (csv.ts) and the reads below. It imports lib/db
 * and the shared lib/*.ts modules only, never lib/auth, lib/connections, lib/pleo, lib/sync or lib/settings
 * (eslint.config.mjs enforces this): the app decides which company a request shows and checks that the
 * session may see it (lib/connections) before calling in here with that company's id.
 *
 * Reads for the expense dashboard (next-learn's data-module pattern): each fetchX runs the SQL of
 * lib/expenses/sql.ts on the synced tables and returns plain typed values; failures are logged and
 * rethrown as a generic error the route's error boundary can show without leaking SQL.
 */
import { db } from "@/lib/db";
import { isUuid } from "@/lib/ids";
import { logger } from "@/lib/log";
import {
  UNCATEGORISED_LABEL,
  UNKNOWN_ACCOUNT_ID,
  UNKNOWN_ACCOUNT_LABEL,
  categoryLabel,
  employeeName,
  familyLabel,
} from "./definitions";
import { PAGE_SIZE, type ExpenseFilters } from "./filters";
import { last12Months, type DateRange, type ResolvedPeriod } from "./period";
import {
  breakdownQuery,
  kpiQuery,
  monthlySpendQuery,
  tableCountQuery,
  tablePageQuery,
  visibleEntryQuery,
  type BreakdownDimension,
  type Sql,
} from "./sql";

/** Who and when a dashboard view is for; `now` is explicit so tests can pin the calendar. */
export type DashboardScope = { companyId: string; currency: string; period: ResolvedPeriod; now: Date };

async function run<T>(what: string, query: Sql): Promise<T[]> {
  try {
    return await db.$queryRaw<T[]>(query);
  } catch (err) {
    logger().error({ module: "expenses", what, err }, "dashboard read failed");
    throw new Error(`Could not load ${what}.`);
  }
}

/**
 * The company's wallet currency: what Pleo's totalBillValue is expressed in. Stored by the sync on
 * PleoCompany; before it is known, the most recent entry tells.
 */
export async function fetchCompanyCurrency(companyId: string): Promise<string | null> {
  const company = await db.pleoCompany.findUnique({ where: { id: companyId }, select: { currency: true } });
  if (company?.currency) return company.currency;
  const latest = await db.accountingEntry.findFirst({
    where: { companyId, deletedAt: null },
    orderBy: { performedAt: "desc" },
    select: { billCurrency: true },
  });
  return latest?.billCurrency ?? null;
}

export type KpiFigures = { total: bigint; count: number; average: bigint; waiting: number; missingReceipt: number };
export type Kpis = {
  currency: string;
  current: KpiFigures;
  previous: KpiFigures | null;
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

type KpiRow = {
  isCurrent: boolean;
  currency: string;
  total: bigint;
  count: number;
  waiting: number;
  missingReceipt: number;
};

export async function fetchKpis(scope: DashboardScope, filters: ExpenseFilters): Promise<Kpis> {
  const { current, previous } = scope.period;
  const rows = await run<KpiRow>("the key figures", kpiQuery(scope.companyId, filters, current, previous));
  const cur = emptyFigures();
  const prev = previous ? emptyFigures() : null;
  const others = new Map<string, number>();
  for (const r of rows) {
    if (r.currency !== scope.currency) {
      if (r.isCurrent) others.set(r.currency, (others.get(r.currency) ?? 0) + r.count);
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
    otherCurrencies: [...others].map(([currency, count]) => ({ currency, count })),
  };
}

export type MonthlyPoint = { month: string; start: Date; total: bigint; count: number };

/** Spend per month for the 12 months up to now (all filters except the period apply). */
export async function fetchMonthlySpend(scope: DashboardScope, filters: ExpenseFilters): Promise<MonthlyPoint[]> {
  const months = last12Months(scope.now);
  const range: DateRange = { start: months[0].start, end: months[11].end };
  const rows = await run<{ month: Date; total: bigint; count: number }>(
    "monthly spend",
    monthlySpendQuery(scope.companyId, filters, range, scope.currency),
  );
  const byMonth = new Map(rows.map((r) => [new Date(r.month).toISOString().slice(0, 7), r]));
  return months.map(({ start }) => {
    const key = start.toISOString().slice(0, 7);
    const row = byMonth.get(key);
    return { month: key, start, total: row ? BigInt(row.total) : 0n, count: row?.count ?? 0 };
  });
}

export type BreakdownItem = { key: string | null; label: string; total: bigint; count: number; isOther?: boolean };

const UNKNOWN_CATEGORY_LABEL = "Unknown category";

/** Labels for breakdown keys whose name is not synced (or that have none). */
function fallbackLabel(dim: BreakdownDimension, key: string | null): string {
  if (dim === "family") return key ? familyLabel(key) : "Unknown";
  if (dim === "category")
    return key === UNKNOWN_ACCOUNT_ID ? UNKNOWN_ACCOUNT_LABEL : key ? UNKNOWN_CATEGORY_LABEL : UNCATEGORISED_LABEL;
  if (dim === "team") return key ? "Unknown team" : "No team";
  return key ? "Unknown employee" : "No employee";
}

/**
 * Spend over the period grouped by `dim`, the `top` largest first and the rest summed as "Other"
 * (so the bars always add up to the total).
 */
export async function fetchBreakdown(
  scope: DashboardScope,
  filters: ExpenseFilters,
  dim: BreakdownDimension,
  top = 10,
): Promise<BreakdownItem[]> {
  const rows = await run<{ key: string | null; label: string | null; total: bigint; count: number }>(
    `spend by ${dim}`,
    breakdownQuery(scope.companyId, filters, scope.period.current, scope.currency, dim),
  );
  const items: BreakdownItem[] = rows.map((r) => ({
    key: r.key,
    label: r.label ?? fallbackLabel(dim, r.key),
    total: BigInt(r.total),
    count: r.count,
  }));
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

export type EntryRow = {
  id: string;
  performedAt: Date;
  family: string;
  status: string;
  reviewStatus: string;
  exportStatus: string;
  supplierName: string | null;
  note: string | null;
  billMinors: bigint;
  billCurrency: string;
  transactionMinors: bigint;
  transactionCurrency: string;
  receiptCount: number;
  employeeId: string | null;
  teamId: string | null;
  accountId: string | null;
  employeeName: string | null;
  teamName: string | null;
  accountName: string | null;
  accountCode: string | null;
};

export type EntriesPage = { rows: EntryRow[]; total: number; page: number; pageCount: number; pageSize: number };

/** One page of the expenses table plus the number of matching entries. */
export async function fetchEntriesPage(
  scope: DashboardScope,
  filters: ExpenseFilters,
  pageSize = PAGE_SIZE,
): Promise<EntriesPage> {
  const range = scope.period.current;
  const offset = (filters.page - 1) * pageSize;
  const [rows, counts] = await Promise.all([
    run<EntryRow>("expenses", tablePageQuery(scope.companyId, filters, range, pageSize, offset)),
    run<{ count: number }>("the number of expenses", tableCountQuery(scope.companyId, filters, range)),
  ]);
  const total = counts[0]?.count ?? 0;
  return { rows, total, page: filters.page, pageSize, pageCount: Math.max(1, Math.ceil(total / pageSize)) };
}

export type FilterOptions = {
  employees: { id: string; name: string }[];
  teams: { id: string; name: string }[];
  categories: { id: string; name: string }[];
};

/** Choices for the filter selects (names from the synced directory and chart of accounts). */
export async function fetchFilterOptions(companyId: string): Promise<FilterOptions> {
  const [employees, teams, accounts] = await Promise.all([
    db.employee.findMany({
      where: { companyId },
      select: { id: true, firstName: true, lastName: true },
      orderBy: [{ firstName: "asc" }, { lastName: "asc" }],
    }),
    db.team.findMany({ where: { companyId }, select: { id: true, name: true }, orderBy: { name: "asc" } }),
    db.ledgerAccount.findMany({
      where: { companyId },
      select: { id: true, name: true, code: true, archived: true },
      orderBy: [{ code: "asc" }, { name: "asc" }],
    }),
  ]);
  return {
    employees: employees.map((e) => ({ id: e.id, name: employeeName(e) })),
    teams,
    categories: accounts.map((a) => ({ id: a.id, name: `${categoryLabel(a)}${a.archived ? " (archived)" : ""}` })),
  };
}

export type EntryDetail = NonNullable<Awaited<ReturnType<typeof fetchEntryDetail>>>;

/** Everything about one entry, with names for its ids; null when it is not this company's (or outside its history window). */
export async function fetchEntryDetail(companyId: string, entryId: string) {
  if ((await run<{ id: string }>("the expense", visibleEntryQuery(companyId, entryId))).length === 0) return null;
  const entry = await db.accountingEntry.findFirst({
    where: { id: entryId, companyId },
    include: { splitItems: { orderBy: { id: "asc" } } },
  });
  if (!entry) return null;
  const tagRefs = (json: unknown) =>
    Array.isArray(json)
      ? json.filter(
          (t): t is { tagGroupId: string; tagId: string } =>
            typeof t?.tagId === "string" && typeof t?.tagGroupId === "string",
        )
      : [];
  const entryTags = tagRefs(entry.tags);
  const splitTags = entry.splitItems.flatMap((s) => tagRefs(s.tags));
  const accountIds = [entry.accountId, ...entry.splitItems.map((s) => s.accountId)].filter((x): x is string => !!x);
  const tagIds = [...entryTags, ...splitTags].map((t) => t.tagId);
  const groupIds = [...entryTags, ...splitTags].map((t) => t.tagGroupId);
  const [employee, team, accounts, tags, groups] = await Promise.all([
    entry.employeeId ? db.employee.findUnique({ where: { id: entry.employeeId } }) : null,
    entry.teamId ? db.team.findUnique({ where: { id: entry.teamId } }) : null,
    db.ledgerAccount.findMany({ where: { id: { in: accountIds }, companyId } }),
    db.tag.findMany({ where: { id: { in: tagIds }, companyId } }),
    db.tagGroup.findMany({ where: { id: { in: groupIds }, companyId } }),
  ]);
  const accountName = (id: string | null, code: string | null) => {
    if (!id) return code ? `Account ${code}` : UNCATEGORISED_LABEL;
    if (id === UNKNOWN_ACCOUNT_ID) return UNKNOWN_ACCOUNT_LABEL;
    const a = accounts.find((x) => x.id === id);
    return a ? categoryLabel(a) : `${UNKNOWN_CATEGORY_LABEL}${code ? ` (${code})` : ""}`;
  };
  const tagName = (t: { tagGroupId: string; tagId: string }) => ({
    group: groups.find((g) => g.id === t.tagGroupId)?.name ?? "Tag group",
    name: tags.find((x) => x.id === t.tagId)?.name ?? "Unknown tag",
  });
  return {
    ...entry,
    employeeName: employee ? employeeName(employee) : null,
    employeeEmail: employee?.email ?? null,
    teamName: team?.name ?? null,
    categoryName: accountName(entry.accountId, entry.accountCode),
    tagNames: entryTags.map(tagName),
    splits: entry.splitItems.map((s) => ({
      ...s,
      categoryName: accountName(s.accountId, s.accountCode),
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
