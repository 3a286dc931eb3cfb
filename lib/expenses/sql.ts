/**
 * SQL for dashboard reads, built with Prisma's tagged templates (every value is a bound parameter).
 * Shared by the data module and the benchmark's raw-SQL floor so both run the same SQL. Every name
 * lookup is joined within the entry's company (`x."companyId" = e."companyId"`), never by id alone.
 */
import { Prisma } from "@/lib/generated/prisma/client";
import { NON_SPEND_STATUSES, RECEIPT_FAMILIES, SPEND_FAMILIES, WAITING_FOR_REVIEW_PREFIX } from "./definitions";
import { FILTER_KEYS, type ExpenseFilters, type FilterKey, type SortKey } from "./filters";
import { addMonths, calendarDateIn, isoDate, startOfDayIn, type DateRange, type MonthRange } from "./period";
import type { DashboardScope } from "./scope";

const { sql, join, empty, raw } = Prisma;
export type Sql = Prisma.Sql;

/** What the SQL needs of a view's scope. */
export type SqlScope = Pick<DashboardScope, "companyId" | "timeZone" | "historyStart">;

/** `text` with LIKE's wildcards (%, _ and \) escaped, so it matches literally. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The conditions of lib/expenses/definitions.ts in SQL, built from the same constants. The review
 * prefix is ours, not user input, so it is inlined: the statement text stays the same for every call.
 */
const waitingForReview = (alias: "e" | "r") =>
  sql`${raw(alias)}."reviewStatus" LIKE ${raw(`'${likeLiteral(WAITING_FOR_REVIEW_PREFIX)}%'`)}`;
const receiptFamily = (alias: "e" | "r") => sql`${raw(alias)}."family" IN (${join([...RECEIPT_FAMILIES])})`;
const missingReceipt = sql`e."receiptCount" = 0 AND ${receiptFamily("e")}`;
const isSpend = (alias: "e" | "r") =>
  sql`${raw(alias)}."family" IN (${join([...SPEND_FAMILIES])}) AND ${raw(alias)}."status" NOT IN (${join([...NON_SPEND_STATUSES])})`;

/** An employee's name as lib/expenses/definitions.ts's employeeName() spells it. */
const employeeName = sql`p."firstName" || ' ' || p."lastName"`;

/** Pleo stores timestamps in UTC; our columns are `timestamp(3)` without zone, so pass UTC wall time. */
const ts = (d: Date) => d.toISOString().replace("T", " ").replace("Z", "");

function rangeCondition(range: DateRange | null): Sql {
  if (!range) return empty;
  return sql` AND e."performedAt" >= ${ts(range.start)}::timestamp AND e."performedAt" < ${ts(range.end)}::timestamp`;
}

/** The names a search text matches in the company's small tables, by kind (searchMatchesQuery). */
export type SearchMatches = { employees: string[]; teams: string[]; accounts: string[]; tags: string[] };

/** Filters as the reads use them: a search comes with the names it matches, looked up first. */
export type ReadFilters = ExpenseFilters & { matches?: SearchMatches };

const searchPattern = (q: string) => `%${likeLiteral(q.toLowerCase())}%`;

/** Which employees, teams, categories and tags of the company a search text names (small tables). */
export function searchMatchesQuery(scope: SqlScope, q: string): Sql {
  const p = searchPattern(q);
  const c = sql`${scope.companyId}::uuid`;
  return sql`SELECT 'employees' AS kind, x."id"::text AS id FROM "Employee" x WHERE x."companyId" = ${c} AND lower(x."firstName" || ' ' || x."lastName") LIKE ${p}
    UNION ALL SELECT 'teams', x."id"::text FROM "Team" x WHERE x."companyId" = ${c} AND lower(x."name") LIKE ${p}
    UNION ALL SELECT 'accounts', x."id"::text FROM "LedgerAccount" x WHERE x."companyId" = ${c} AND lower(coalesce(x."code" || ' ', '') || x."name") LIKE ${p}
    UNION ALL SELECT 'tags', x."id"::text FROM "Tag" x WHERE x."companyId" = ${c} AND lower(x."name") LIKE ${p}`;
}

/**
 * THE base condition of every dashboard read (KPIs, chart, breakdowns, table, CSV export, entry detail):
 * the company's rows from the start of its history window on (`scope.historyStart`, lib/history-window.ts:
 * the current month and the N − 1 before it in the company's zone; null = everything). Narrowing the
 * window in the settings hides older entries from every read at once and deletes nothing (README
 * "Settings"). The start is worked out once per request (data.ts, dashboardScope) and bound as a value,
 * so the planner sees the real range (a subquery here made it walk the whole company by date, even for a
 * search the trigram index answers) and the widget cache's key holds exactly what the SQL applied. `r` is
 * the monthly rollup: its months are local months, compared with the window's first local day.
 * Keep every read going through here.
 */
export function companyRows(scope: SqlScope, alias: "e" | "r" = "e"): Sql {
  if (alias === "r") {
    const window =
      scope.historyStart === null
        ? empty
        : sql` AND r."month" >= ${`${isoDate(calendarDateIn(new Date(scope.historyStart), scope.timeZone))} 00:00:00`}::timestamp`;
    return sql`r."companyId" = ${scope.companyId}::uuid${window}`;
  }
  const window =
    scope.historyStart === null ? empty : sql` AND e."performedAt" >= ${ts(new Date(scope.historyStart))}::timestamp`;
  return sql`e."companyId" = ${scope.companyId}::uuid AND e."deletedAt" IS NULL${window}`;
}

/** One entry, if it is among the company's visible rows (the detail page's check). */
export function visibleEntryQuery(scope: SqlScope, entryId: string): Sql {
  return sql`SELECT e."id"::text AS id FROM "AccountingEntry" e WHERE ${companyRows(scope)} AND e."id" = ${entryId}::uuid`;
}

/**
 * Text search: the entry's own text ("searchText": note, supplier name where sent, supplier identifiers
 * and document number, both amounts; trigram-indexed) or a name it refers to (employee, named team,
 * category, tag). With the matching names looked up first (`matches`), only the kinds that matched add
 * a branch, each with the ids as values, so the planner sees real selectivities and every branch is an
 * index scan; without them (a caller that did not look up) the names are found by subqueries.
 */
function searchCondition(scope: SqlScope, q: string, m: SearchMatches | undefined): Sql {
  const pattern = searchPattern(q);
  const c = sql`${scope.companyId}::uuid`;
  if (!m) {
    return sql`(e."searchText" LIKE ${pattern}
    OR (e."companyId" = ${c} AND e."employeeId" = ANY(ARRAY(SELECT x."id" FROM "Employee" x WHERE x."companyId" = ${c} AND lower(x."firstName" || ' ' || x."lastName") LIKE ${pattern})))
    OR (e."companyId" = ${c} AND e."teamId" = ANY(ARRAY(SELECT x."id" FROM "Team" x WHERE x."companyId" = ${c} AND lower(x."name") LIKE ${pattern})))
    OR e."accountIds" && ARRAY(SELECT x."id"::text FROM "LedgerAccount" x WHERE x."companyId" = ${c} AND lower(coalesce(x."code" || ' ', '') || x."name") LIKE ${pattern})
    OR e."tagIds" && ARRAY(SELECT x."id"::text FROM "Tag" x WHERE x."companyId" = ${c} AND lower(x."name") LIKE ${pattern}))`;
  }
  const arms: Sql[] = [sql`e."searchText" LIKE ${pattern}`];
  const uuids = (ids: string[]) => join(ids.map((id) => sql`${id}::uuid`));
  if (m.employees.length) arms.push(sql`(e."companyId" = ${c} AND e."employeeId" IN (${uuids(m.employees)}))`);
  if (m.teams.length) arms.push(sql`(e."companyId" = ${c} AND e."teamId" IN (${uuids(m.teams)}))`);
  if (m.accounts.length) arms.push(sql`e."accountIds" && ARRAY[${join(m.accounts)}]::text[]`);
  if (m.tags.length) arms.push(sql`e."tagIds" && ARRAY[${join(m.tags)}]::text[]`);
  return sql`(${join(arms, " OR ")})`;
}

/** Every filter except the period: the base condition (companyRows), then family, status, … text search. */
function filterConditions(scope: SqlScope, f: ReadFilters): Sql {
  const parts: Sql[] = [companyRows(scope)];
  if (f.family) parts.push(sql`e."family" = ${f.family}`);
  if (f.status) parts.push(sql`e."status" = ${f.status}`);
  if (f.review === "WAITING") parts.push(waitingForReview("e"));
  else if (f.review) parts.push(sql`e."reviewStatus" = ${f.review}`);
  if (f.employee) parts.push(sql`e."employeeId" = ${f.employee}::uuid`);
  if (f.team) parts.push(sql`e."teamId" = ${f.team}::uuid`);
  // Categories and tags match the entry's own or any of its split items' ("accountIds", "tagIds").
  if (f.category === "none") parts.push(sql`coalesce(cardinality(e."accountIds"), 0) = 0`);
  else if (f.category) parts.push(sql`e."accountIds" @> ARRAY[${f.category.toLowerCase()}::text]`);
  if (f.tag) parts.push(sql`e."tagIds" @> ARRAY[${f.tag.toLowerCase()}::text]`);
  if (f.currency) parts.push(sql`e."transactionCurrency" = ${f.currency}`);
  if (f.receipt === "missing") parts.push(missingReceipt);
  if (f.q) parts.push(searchCondition(scope, f.q, f.matches));
  return join(parts, " AND ");
}

/** Entries that count as spend (see definitions.ts). */
const spendCondition: Sql = sql` AND ${isSpend("e")}`;

/**
 * KPI aggregates for the current and previous range in one pass, per bill currency; `entries` counts
 * every live entry that matches (spend or not): the table's row count for the current range.
 */
export function kpiQuery(scope: SqlScope, f: ReadFilters, current: DateRange | null, previous: DateRange | null): Sql {
  const span: DateRange | null = current && previous ? { start: previous.start, end: current.end } : current;
  const isCurrent = current ? sql`(e."performedAt" >= ${ts(current.start)}::timestamp)` : sql`true`;
  const spend = isSpend("e");
  return sql`SELECT ${isCurrent} AS "isCurrent", e."billCurrency" AS currency,
      COALESCE(SUM(e."billMinors") FILTER (WHERE ${spend}), 0)::bigint AS total,
      (count(*) FILTER (WHERE ${spend}))::int AS count,
      (count(*) FILTER (WHERE ${spend} AND ${waitingForReview("e")}))::int AS waiting,
      (count(*) FILTER (WHERE ${spend} AND ${missingReceipt}))::int AS "missingReceipt",
      count(*)::int AS entries
    FROM "AccountingEntry" e
    WHERE ${filterConditions(scope, f)}${rangeCondition(span)}
    GROUP BY 1, 2`;
}

/** The calendar month (its local start, as wall time) an entry falls in, in the scope's zone. */
const localMonth = (scope: SqlScope) =>
  sql`date_trunc('month', (e."performedAt" AT TIME ZONE 'UTC') AT TIME ZONE ${scope.timeZone})`;

/** Spend per calendar month in the company's zone over `months` (consecutive, oldest first). */
export function monthlyQuery(scope: SqlScope, f: ReadFilters, months: MonthRange[], currency: string): Sql {
  const range = { start: months[0].start, end: months[months.length - 1].end };
  return sql`SELECT ${localMonth(scope)} AS month, COALESCE(SUM(e."billMinors"), 0)::bigint AS total, count(*)::int AS count
    FROM "AccountingEntry" e
    WHERE ${filterConditions(scope, f)}${spendCondition}${rangeCondition(range)} AND e."billCurrency" = ${currency}
    GROUP BY 1 ORDER BY 1`;
}

/**
 * Filters the monthly rollup ("SpendMonthly": per local month, family, status, review status, bill
 * currency and account) can answer; any other filter (a new one too) needs the entries themselves.
 */
const ROLLUP_FILTERS: readonly FilterKey[] = ["family", "status", "review", "category"];

export function rollupCanAnswer(f: ReadFilters): boolean {
  return FILTER_KEYS.every((k) => ROLLUP_FILTERS.includes(k) || !f[k]);
}

/** A calendar month's start as the wall time SpendMonthly keys it by. */
const wallMonth = (m: MonthRange) => `${isoDate(m.first)} 00:00:00`;

/**
 * `at` as the wall time of the local month it starts, or null when it is not a month's first instant
 * in `timeZone` (a rolling or custom range: only the entries can answer it).
 */
function wallMonthStart(at: Date, timeZone: string): string | null {
  const day = calendarDateIn(at, timeZone);
  if (day.day !== 1 || startOfDayIn(day, timeZone).getTime() !== at.getTime()) return null;
  return `${isoDate(day)} 00:00:00`;
}

/** The range as rollup months [start, end), or null when it does not start and end on month starts. */
function rollupMonths(range: DateRange, timeZone: string): { start: string; end: string } | null {
  const start = wallMonthStart(range.start, timeZone);
  const end = wallMonthStart(range.end, timeZone);
  return start && end ? { start, end } : null;
}

/**
 * The rollup's rows a view's filters select: the base condition (companyRows), then family, status,
 * review and category as the entries' conditions (filterConditions) apply them. Without a category,
 * each entry's primary row only, so an entry with several accounts counts once; with one, that
 * account's rows ("" for "none"), each its entry whole, as `accountIds @>` matches it.
 */
function rollupConditions(scope: SqlScope, f: ReadFilters): Sql {
  const parts: Sql[] = [companyRows(scope, "r")];
  if (f.family) parts.push(sql`r."family" = ${f.family}`);
  if (f.status) parts.push(sql`r."status" = ${f.status}`);
  if (f.review === "WAITING") parts.push(waitingForReview("r"));
  else if (f.review) parts.push(sql`r."reviewStatus" = ${f.review}`);
  if (f.category === "none") parts.push(sql`r."accountId" = ''`);
  else if (f.category) parts.push(sql`r."accountId" = ${f.category.toLowerCase()}`);
  else parts.push(sql`r."isPrimary"`);
  return join(parts, " AND ");
}

/**
 * Same result as monthlyQuery, from the trigger-maintained rollup (a few hundred rows, not every entry).
 * Its months are cut in the company's stored zone, the one `scope.timeZone` was read from.
 */
function monthlyRollupQuery(scope: SqlScope, f: ReadFilters, months: MonthRange[], currency: string): Sql {
  const end = `${isoDate(addMonths(months[months.length - 1].first, 1))} 00:00:00`;
  return sql`SELECT r."month" AS month, COALESCE(SUM(r."total"), 0)::bigint AS total, COALESCE(SUM(r."count"), 0)::int AS count
    FROM "SpendMonthly" r
    WHERE ${rollupConditions(scope, f)} AND r."month" >= ${wallMonth(months[0])}::timestamp AND r."month" < ${end}::timestamp
      AND r."billCurrency" = ${currency}
      AND ${isSpend("r")}
    GROUP BY 1 HAVING SUM(r."count") <> 0 ORDER BY 1`;
}

/** The 12-month chart's query: the rollup when it can answer, the entries otherwise. */
export function monthlySpendQuery(scope: SqlScope, f: ReadFilters, months: MonthRange[], currency: string): Sql {
  return rollupCanAnswer(f) ? monthlyRollupQuery(scope, f, months, currency) : monthlyQuery(scope, f, months, currency);
}

/**
 * Same rows as kpiQuery, from the rollup, when the filters fit its keys and both ranges are whole
 * months in the company's zone (every calendar period, and "all"); null otherwise.
 */
function kpiRollupQuery(
  scope: SqlScope,
  f: ReadFilters,
  current: DateRange | null,
  previous: DateRange | null,
): Sql | null {
  if (!rollupCanAnswer(f)) return null;
  const span: DateRange | null = current && previous ? { start: previous.start, end: current.end } : current;
  const months = span && rollupMonths(span, scope.timeZone);
  const currentStart = current && wallMonthStart(current.start, scope.timeZone);
  if (span && (!months || !currentStart)) return null;
  const isCurrent = currentStart ? sql`(r."month" >= ${currentStart}::timestamp)` : sql`true`;
  const range = months
    ? sql` AND r."month" >= ${months.start}::timestamp AND r."month" < ${months.end}::timestamp`
    : empty;
  const spend = isSpend("r");
  return sql`SELECT ${isCurrent} AS "isCurrent", r."billCurrency" AS currency,
      COALESCE(SUM(r."total") FILTER (WHERE ${spend}), 0)::bigint AS total,
      COALESCE(SUM(r."count") FILTER (WHERE ${spend}), 0)::int AS count,
      COALESCE(SUM(r."count") FILTER (WHERE ${spend} AND ${waitingForReview("r")}), 0)::int AS waiting,
      COALESCE(SUM(r."noReceipt") FILTER (WHERE ${spend} AND ${receiptFamily("r")}), 0)::int AS "missingReceipt",
      COALESCE(SUM(r."count"), 0)::int AS entries
    FROM "SpendMonthly" r
    WHERE ${rollupConditions(scope, f)}${range}
    GROUP BY 1, 2 HAVING SUM(r."count") <> 0`;
}

/** The KPI query: the rollup when it can answer, the entries otherwise (same rows either way). */
export function kpiFiguresQuery(
  scope: SqlScope,
  f: ReadFilters,
  current: DateRange | null,
  previous: DateRange | null,
): Sql {
  return kpiRollupQuery(scope, f, current, previous) ?? kpiQuery(scope, f, current, previous);
}

export type BreakdownDimension = "category" | "tag" | "team" | "employee" | "family";

/**
 * The tag of a group in a JSON tag list (`[{tagGroupId, tagId}]`), as text; the first if several. The
 * path's variables are one bound jsonb value, not built per row (a third of the statement's time).
 */
const tagOfGroup = (tags: Sql, group: string | null) =>
  group
    ? sql`(jsonb_path_query_first(${tags}, '$[*] ? (@.tagGroupId == $g).tagId', ${JSON.stringify({ g: group })}::jsonb) #>> '{}')`
    : sql`NULL::text`;

/**
 * Spend over the period by category, tag (of `tagGroup`), team, employee and type, in one pass over the
 * matching entries (GROUPING SETS): one row per (dimension, key) with the total and the number of
 * entries with some spend under the key (`byCategory`, `byTag` and `byEntry` count each entry once per
 * key of that kind; the caller takes the dimension's). Category and tag give each split item's amount
 * to its own account / tag when the entry's split items are usable ("splitCount" > 0), so every
 * dimension's bars add up to the total spend; team, employee and type count each entry whole. The
 * counts are summed weights (1 on an entry's first part per key), not DISTINCT, so the grouping hashes.
 */
export function breakdownsQuery(
  scope: SqlScope,
  f: ReadFilters,
  range: DateRange | null,
  currency: string,
  tagGroup: string | null,
): Sql {
  const where = sql`${filterConditions(scope, f)}${spendCondition}${rangeCondition(range)} AND e."billCurrency" = ${currency}`;
  const grouping = (col: string) => raw(`GROUPING(${col}) = 0`);
  return sql`WITH parts AS (
      SELECT e."accountId" AS cat, ${tagOfGroup(sql`e."tags"`, tagGroup)} AS tag, e."teamId" AS team,
        e."employeeId" AS emp, e."family" AS fam, e."billMinors" AS amount, 1 AS wcat, 1 AS wtag, 1 AS whead
      FROM "AccountingEntry" e WHERE ${where} AND e."splitCount" = 0
      UNION ALL
      SELECT cat, tag, team, emp, fam, amount,
        (row_number() OVER (PARTITION BY id, cat ORDER BY sid) = 1)::int,
        (row_number() OVER (PARTITION BY id, tag ORDER BY sid) = 1)::int,
        (row_number() OVER (PARTITION BY id ORDER BY sid) = 1)::int
      FROM (
        SELECT e."id", s."id" AS sid, s."accountId" AS cat, ${tagOfGroup(sql`s."tags"`, tagGroup)} AS tag,
          e."teamId" AS team, e."employeeId" AS emp, e."family" AS fam, s."billMinors" AS amount
        FROM "AccountingEntry" e JOIN "SplitItem" s ON s."entryId" = e."id"
        WHERE ${where} AND e."splitCount" > 0
      ) split
    )
    SELECT CASE WHEN ${grouping("cat")} THEN 'category' WHEN ${grouping("tag")} THEN 'tag'
        WHEN ${grouping("team")} THEN 'team' WHEN ${grouping("emp")} THEN 'employee' ELSE 'family' END AS dim,
      CASE WHEN ${grouping("cat")} THEN cat::text WHEN ${grouping("tag")} THEN tag
        WHEN ${grouping("team")} THEN team::text WHEN ${grouping("emp")} THEN emp::text ELSE fam END AS key,
      COALESCE(SUM(amount), 0)::bigint AS total,
      SUM(wcat)::int AS "byCategory", SUM(wtag)::int AS "byTag", SUM(whead)::int AS "byEntry"
    FROM parts
    GROUP BY GROUPING SETS ((cat), (tag), (team), (emp), (fam))`;
}

/** How the table and CSV name an entry's supplier: the name where Pleo sends one, else its identifiers. */
const supplierSortKey = sql`COALESCE(e."supplierName", e."supplier" ->> 'documentNumber', e."supplier" ->> 'externalSupplierId')`;

const ORDER_COLUMNS: Record<SortKey, Sql> = {
  date: sql`e."performedAt"`,
  amount: sql`e."billMinors"`,
  supplier: supplierSortKey,
  family: sql`e."family"`,
  status: sql`e."status"`,
};

const TABLE_COLUMNS = sql`e."id", e."performedAt", e."family", e."status", e."reviewStatus", e."supplierName", e."supplier", e."note",
  e."billMinors", e."billCurrency", e."transactionMinors", e."transactionCurrency", e."receiptCount",
  e."employeeId", e."teamId", e."accountId", e."exportStatus", e."splitCount",
  ${employeeName} AS "employeeName", a."name" AS "accountName", COALESCE(a."code", e."accountCode") AS "accountCode"`;
const TABLE_JOINS = sql`LEFT JOIN "Employee" p ON p."id" = e."employeeId" AND p."companyId" = e."companyId"
  LEFT JOIN "LedgerAccount" a ON a."id" = e."accountId" AND a."companyId" = e."companyId"`;

/**
 * One page of the table: every live entry matching the filters (not only spend), sorted, id as
 * tie-break. Sorting and paging happen on the entries alone; names are joined to the page's rows only.
 */
export function tablePageQuery(
  scope: SqlScope,
  f: ReadFilters,
  range: DateRange | null,
  limit: number,
  offset: number,
): Sql {
  const dir = f.dir === "asc" ? sql`ASC` : sql`DESC`;
  const nulls = f.sort === "supplier" ? sql` NULLS LAST` : empty;
  // With a search, the matches come from the trigram index and are few: sort them. Ordered by the bare
  // column, the planner would walk the amount index through the whole company testing the text instead.
  const column = f.q && f.sort === "amount" ? sql`(e."billMinors" + 0)` : ORDER_COLUMNS[f.sort];
  const order = sql`${column} ${dir}${nulls}, e."id" ${dir}`;
  return sql`SELECT ${TABLE_COLUMNS}
    FROM (
      SELECT e.* FROM "AccountingEntry" e
      WHERE ${filterConditions(scope, f)}${rangeCondition(range)}
      ORDER BY ${order}
      LIMIT ${limit} OFFSET ${offset}
    ) e ${TABLE_JOINS}
    ORDER BY ${order}`;
}

export function tableCountQuery(scope: SqlScope, f: ReadFilters, range: DateRange | null): Sql {
  return sql`SELECT count(*)::int AS count FROM "AccountingEntry" e WHERE ${filterConditions(scope, f)}${rangeCondition(range)}`;
}

/**
 * One batch of the CSV export, newest first, resuming strictly after the last row of the previous
 * batch (keyset pagination on (performedAt, id): constant cost per batch at any depth).
 */
export function exportBatchQuery(
  scope: SqlScope,
  f: ReadFilters,
  range: DateRange | null,
  after: { performedAt: Date; id: string } | null,
  limit: number,
): Sql {
  const resume = after
    ? sql` AND (e."performedAt", e."id") < (${ts(after.performedAt)}::timestamp, ${after.id}::uuid)`
    : empty;
  return sql`SELECT ${TABLE_COLUMNS}, e."subFamily", e."settledAt", e."tags", e."taxCodeId"
    FROM "AccountingEntry" e ${TABLE_JOINS}
    WHERE ${filterConditions(scope, f)}${rangeCondition(range)}${resume}
    ORDER BY e."performedAt" DESC, e."id" DESC
    LIMIT ${limit}`;
}

/** A row of kpiQuery and kpiFiguresQuery: one period (current or previous) in one currency. */
export type KpiRow = {
  isCurrent: boolean;
  currency: string;
  total: bigint;
  count: number;
  waiting: number;
  missingReceipt: number;
  entries: number;
};
