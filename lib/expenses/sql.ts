/**
 * SQL for dashboard reads, built with Prisma's tagged templates (every value is a bound parameter).
 * Shared by the data module and the benchmark's raw-SQL floor so both run the same SQL. Every name
 * lookup is joined within the entry's company (`x."companyId" = e."companyId"`), never by id alone.
 */
import { Prisma } from "@/lib/generated/prisma/client";
import { historyStartSql } from "@/lib/history-window";
import { NON_SPEND_STATUSES, RECEIPT_FAMILIES, SPEND_FAMILIES, WAITING_FOR_REVIEW_PREFIX } from "./definitions";
import { FILTER_KEYS, type ExpenseFilters, type FilterKey, type SortKey } from "./filters";
import { addMonths, isoDate, type DateRange, type MonthRange } from "./period";
import type { DashboardScope } from "./scope";

const { sql, join, empty, raw } = Prisma;
export type Sql = Prisma.Sql;

/** What the SQL needs of a view's scope. */
export type SqlScope = Pick<DashboardScope, "companyId" | "timeZone">;

/** `text` with LIKE's wildcards (%, _ and \) escaped, so it matches literally. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The conditions of lib/expenses/definitions.ts in SQL, built from the same constants. The review
 * prefix is ours, not user input, so it is inlined: the statement text stays the same for every call.
 */
const waitingForReview = sql`e."reviewStatus" LIKE ${raw(`'${likeLiteral(WAITING_FOR_REVIEW_PREFIX)}%'`)}`;
const missingReceipt = sql`e."receiptCount" = 0 AND e."family" IN (${join([...RECEIPT_FAMILIES])})`;
const isSpend = (alias: "e" | "r") =>
  sql`${raw(alias)}."family" IN (${join([...SPEND_FAMILIES])}) AND ${raw(alias)}."status" NOT IN (${join([...NON_SPEND_STATUSES])})`;

/** Names as lib/expenses/definitions.ts's employeeName() and categoryLabel() spell them. */
const employeeName = sql`p."firstName" || ' ' || p."lastName"`;
const categoryLabel = sql`CASE WHEN a."code" IS NOT NULL THEN a."code" || ' ' || a."name" ELSE a."name" END`;

/** Pleo stores timestamps in UTC; our columns are `timestamp(3)` without zone, so pass UTC wall time. */
const ts = (d: Date) => d.toISOString().replace("T", " ").replace("Z", "");

function rangeCondition(range: DateRange | null): Sql {
  if (!range) return empty;
  return sql` AND e."performedAt" >= ${ts(range.start)}::timestamp AND e."performedAt" < ${ts(range.end)}::timestamp`;
}

/**
 * THE base condition of every dashboard read (KPIs, chart, breakdowns, table, CSV export, entry detail):
 * the company's rows from the start of its history window on (lib/history-window.ts; null = everything).
 * Narrowing the window in the settings hides older entries from every read at once and deletes nothing
 * (README "Settings"). `r` is the monthly rollup: its months start on the window's month boundaries.
 * Keep every read going through here.
 */
export function companyRows(companyId: string, alias: "e" | "r" = "e"): Sql {
  const at = alias === "e" ? raw(`e."performedAt"`) : raw(`r."month"`);
  const windowStart = sql`(SELECT ${raw(historyStartSql(`c."historyMonths"`))} FROM "PleoConnection" c WHERE c."companyId" = ${companyId}::uuid)`;
  return sql`${raw(alias)}."companyId" = ${companyId}::uuid AND ${at} >= COALESCE(${windowStart}, '-infinity'::timestamp)`;
}

/** One entry, if it is among the company's visible rows (the detail page's check). */
export function visibleEntryQuery(companyId: string, entryId: string): Sql {
  return sql`SELECT e."id"::text AS id FROM "AccountingEntry" e WHERE ${companyRows(companyId)} AND e."id" = ${entryId}::uuid`;
}

/**
 * Text search: the entry's own text ("searchText": note, supplier name where sent, supplier identifiers
 * and document number, both amounts; trigram-indexed) or a name it refers to (employee, named team,
 * category, tag), each looked up in the company's small tables first so every branch is an index scan.
 */
function searchCondition(scope: SqlScope, q: string): Sql {
  const pattern = `%${likeLiteral(q.toLowerCase())}%`;
  const c = sql`${scope.companyId}::uuid`;
  return sql`(e."searchText" LIKE ${pattern}
    OR (e."companyId" = ${c} AND e."employeeId" = ANY(ARRAY(SELECT x."id" FROM "Employee" x WHERE x."companyId" = ${c} AND lower(x."firstName" || ' ' || x."lastName") LIKE ${pattern})))
    OR (e."companyId" = ${c} AND e."teamId" = ANY(ARRAY(SELECT x."id" FROM "Team" x WHERE x."companyId" = ${c} AND lower(x."name") LIKE ${pattern})))
    OR e."accountIds" && ARRAY(SELECT x."id"::text FROM "LedgerAccount" x WHERE x."companyId" = ${c} AND lower(coalesce(x."code" || ' ', '') || x."name") LIKE ${pattern})
    OR e."tagIds" && ARRAY(SELECT x."id"::text FROM "Tag" x WHERE x."companyId" = ${c} AND lower(x."name") LIKE ${pattern}))`;
}

/** Every filter except the period: the base condition (companyRows), not deleted, family, status, … text search. */
function filterConditions(scope: SqlScope, f: ExpenseFilters): Sql {
  const parts: Sql[] = [companyRows(scope.companyId), sql`e."deletedAt" IS NULL`];
  if (f.family) parts.push(sql`e."family" = ${f.family}`);
  if (f.status) parts.push(sql`e."status" = ${f.status}`);
  if (f.review === "WAITING") parts.push(waitingForReview);
  else if (f.review) parts.push(sql`e."reviewStatus" = ${f.review}`);
  if (f.employee) parts.push(sql`e."employeeId" = ${f.employee}::uuid`);
  if (f.team) parts.push(sql`e."teamId" = ${f.team}::uuid`);
  // Categories and tags match the entry's own or any of its split items' ("accountIds", "tagIds").
  if (f.category === "none") parts.push(sql`coalesce(cardinality(e."accountIds"), 0) = 0`);
  else if (f.category) parts.push(sql`e."accountIds" @> ARRAY[${f.category.toLowerCase()}::text]`);
  if (f.tag) parts.push(sql`e."tagIds" @> ARRAY[${f.tag.toLowerCase()}::text]`);
  if (f.currency) parts.push(sql`e."transactionCurrency" = ${f.currency}`);
  if (f.receipt === "missing") parts.push(missingReceipt);
  if (f.q) parts.push(searchCondition(scope, f.q));
  return join(parts, " AND ");
}

/** Entries that count as spend (see definitions.ts). */
const spendCondition: Sql = sql` AND ${isSpend("e")}`;

/** KPI aggregates for the current and previous range in one pass, per bill currency. */
export function kpiQuery(
  scope: SqlScope,
  f: ExpenseFilters,
  current: DateRange | null,
  previous: DateRange | null,
): Sql {
  const span: DateRange | null = current && previous ? { start: previous.start, end: current.end } : current;
  const isCurrent = current ? sql`(e."performedAt" >= ${ts(current.start)}::timestamp)` : sql`true`;
  return sql`SELECT ${isCurrent} AS "isCurrent", e."billCurrency" AS currency,
      COALESCE(SUM(e."billMinors"), 0)::bigint AS total,
      count(*)::int AS count,
      (count(*) FILTER (WHERE ${waitingForReview}))::int AS waiting,
      (count(*) FILTER (WHERE ${missingReceipt}))::int AS "missingReceipt"
    FROM "AccountingEntry" e
    WHERE ${filterConditions(scope, f)}${spendCondition}${rangeCondition(span)}
    GROUP BY 1, 2`;
}

/** The calendar month (its local start, as wall time) an entry falls in, in the scope's zone. */
const localMonth = (scope: SqlScope) =>
  sql`date_trunc('month', (e."performedAt" AT TIME ZONE 'UTC') AT TIME ZONE ${scope.timeZone})`;

/** Spend per calendar month in the company's zone over `months` (consecutive, oldest first). */
export function monthlyQuery(scope: SqlScope, f: ExpenseFilters, months: MonthRange[], currency: string): Sql {
  const range = { start: months[0].start, end: months[months.length - 1].end };
  return sql`SELECT ${localMonth(scope)} AS month, COALESCE(SUM(e."billMinors"), 0)::bigint AS total, count(*)::int AS count
    FROM "AccountingEntry" e
    WHERE ${filterConditions(scope, f)}${spendCondition}${rangeCondition(range)} AND e."billCurrency" = ${currency}
    GROUP BY 1 ORDER BY 1`;
}

/**
 * Filters the monthly rollup ("SpendMonthly": per local month, family, status, bill currency) can
 * answer; any other filter (a new one too) needs the entries themselves.
 */
const ROLLUP_FILTERS: readonly FilterKey[] = ["family", "status"];

export function rollupCanAnswer(f: ExpenseFilters): boolean {
  return FILTER_KEYS.every((k) => ROLLUP_FILTERS.includes(k) || !f[k]);
}

/** A calendar month's start as the wall time SpendMonthly keys it by. */
const wallMonth = (m: MonthRange) => `${isoDate(m.first)} 00:00:00`;

/**
 * Same result as monthlyQuery, from the trigger-maintained rollup (a few hundred rows, not every entry).
 * Its months are cut in the company's stored zone, the one `scope.timeZone` was read from.
 */
function monthlyRollupQuery(scope: SqlScope, f: ExpenseFilters, months: MonthRange[], currency: string): Sql {
  const extra: Sql[] = [];
  if (f.family) extra.push(sql` AND r."family" = ${f.family}`);
  if (f.status) extra.push(sql` AND r."status" = ${f.status}`);
  const end = `${isoDate(addMonths(months[months.length - 1].first, 1))} 00:00:00`;
  return sql`SELECT r."month" AS month, COALESCE(SUM(r."total"), 0)::bigint AS total, COALESCE(SUM(r."count"), 0)::int AS count
    FROM "SpendMonthly" r
    WHERE ${companyRows(scope.companyId, "r")} AND r."month" >= ${wallMonth(months[0])}::timestamp AND r."month" < ${end}::timestamp
      AND r."billCurrency" = ${currency}
      AND ${isSpend("r")}${extra.length > 0 ? join(extra, "") : empty}
    GROUP BY 1 HAVING SUM(r."count") <> 0 ORDER BY 1`;
}

/** The 12-month chart's query: the rollup when it can answer, the entries otherwise. */
export function monthlySpendQuery(scope: SqlScope, f: ExpenseFilters, months: MonthRange[], currency: string): Sql {
  return rollupCanAnswer(f) ? monthlyRollupQuery(scope, f, months, currency) : monthlyQuery(scope, f, months, currency);
}

export type BreakdownDimension = "category" | "tag" | "team" | "employee" | "family";

/** A breakdown's grouping: per entry, or per split item where the entry's split items are used. */
type Grouping = { entryKey: Sql; splitKey: Sql | null; label: Sql; join: Sql };

/** The tag of a group in a JSON tag list (`[{tagGroupId, tagId}]`), as text; the first if several. */
const tagOfGroup = (tags: Sql, group: string) =>
  sql`(jsonb_path_query_first(${tags}, '$[*] ? (@.tagGroupId == $g).tagId', jsonb_build_object('g', ${group}::text)) #>> '{}')`;

function grouping(scope: SqlScope, dim: BreakdownDimension, tagGroup: string | null): Grouping {
  const company = sql`${scope.companyId}::uuid`;
  switch (dim) {
    case "category":
      return {
        entryKey: sql`e."accountId"::text`,
        splitKey: sql`s."accountId"::text`,
        label: categoryLabel,
        join: sql`LEFT JOIN "LedgerAccount" a ON a."id"::text = g.key AND a."companyId" = ${company}`,
      };
    case "tag":
      return {
        entryKey: tagOfGroup(sql`e."tags"`, tagGroup ?? ""),
        splitKey: tagOfGroup(sql`s."tags"`, tagGroup ?? ""),
        label: sql`t."name"`,
        join: sql`LEFT JOIN "Tag" t ON t."id"::text = g.key AND t."companyId" = ${company}`,
      };
    case "team":
      // Team names are resolved by the data module: most teams have no documented name (teamLabels).
      return { entryKey: sql`e."teamId"::text`, splitKey: null, label: sql`NULL::text`, join: empty };
    case "employee":
      return {
        entryKey: sql`e."employeeId"::text`,
        splitKey: null,
        label: employeeName,
        join: sql`LEFT JOIN "Employee" p ON p."id"::text = g.key AND p."companyId" = ${company}`,
      };
    case "family":
      return { entryKey: sql`e."family"`, splitKey: null, label: sql`NULL::text`, join: empty };
  }
}

/**
 * Spend grouped by one dimension over the period, biggest first; names joined after aggregating.
 * Category and tag breakdowns give each split item's amount to its own account / tag when the entry's
 * split items are usable ("splitCount" > 0), so the bars still add up to the total spend; `count` is
 * the number of entries with some spend under the key. `tagGroup`: which group's tags (tag only).
 */
export function breakdownQuery(
  scope: SqlScope,
  f: ExpenseFilters,
  range: DateRange | null,
  currency: string,
  dim: BreakdownDimension,
  tagGroup: string | null = null,
): Sql {
  const g = grouping(scope, dim, tagGroup);
  const where = sql`${filterConditions(scope, f)}${spendCondition}${rangeCondition(range)} AND e."billCurrency" = ${currency}`;
  const rows = g.splitKey
    ? sql`SELECT ${g.entryKey} AS key, e."billMinors" AS amount FROM "AccountingEntry" e WHERE ${where} AND e."splitCount" = 0
      UNION ALL
      SELECT ${g.splitKey}, SUM(s."billMinors") FROM "AccountingEntry" e JOIN "SplitItem" s ON s."entryId" = e."id"
      WHERE ${where} AND e."splitCount" > 0
      GROUP BY e."id", 1`
    : sql`SELECT ${g.entryKey} AS key, e."billMinors" AS amount FROM "AccountingEntry" e WHERE ${where}`;
  return sql`SELECT g.key, ${g.label} AS label, g.total, g.count FROM (
      SELECT x.key, COALESCE(SUM(x.amount), 0)::bigint AS total, count(*)::int AS count FROM (${rows}) x GROUP BY 1
    ) g ${g.join}
    ORDER BY g.total DESC, g.key`;
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
  f: ExpenseFilters,
  range: DateRange | null,
  limit: number,
  offset: number,
): Sql {
  const dir = f.dir === "asc" ? sql`ASC` : sql`DESC`;
  const nulls = f.sort === "supplier" ? sql` NULLS LAST` : empty;
  const order = sql`${ORDER_COLUMNS[f.sort]} ${dir}${nulls}, e."id" ${dir}`;
  return sql`SELECT ${TABLE_COLUMNS}
    FROM (
      SELECT e.* FROM "AccountingEntry" e
      WHERE ${filterConditions(scope, f)}${rangeCondition(range)}
      ORDER BY ${order}
      LIMIT ${limit} OFFSET ${offset}
    ) e ${TABLE_JOINS}
    ORDER BY ${order}`;
}

export function tableCountQuery(scope: SqlScope, f: ExpenseFilters, range: DateRange | null): Sql {
  return sql`SELECT count(*)::int AS count FROM "AccountingEntry" e WHERE ${filterConditions(scope, f)}${rangeCondition(range)}`;
}

/**
 * One batch of the CSV export, newest first, resuming strictly after the last row of the previous
 * batch (keyset pagination on (performedAt, id): constant cost per batch at any depth).
 */
export function exportBatchQuery(
  scope: SqlScope,
  f: ExpenseFilters,
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
