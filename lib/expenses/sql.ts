/**
 * SQL fragments for dashboard reads, built with Prisma's tagged templates (every value is a bound
 * parameter). Shared by the data module and the benchmark's raw-SQL floor so both run the same SQL.
 */
import { Prisma } from "@/lib/generated/prisma/client";
import { historyStartSql } from "@/lib/history-window";
import { NON_SPEND_STATUSES, RECEIPT_FAMILIES, SPEND_FAMILIES, WAITING_FOR_REVIEW_PREFIX } from "./definitions";
import { FILTER_KEYS, type ExpenseFilters, type FilterKey, type SortKey } from "./filters";
import type { DateRange } from "./period";

const { sql, join, empty, raw } = Prisma;
export type Sql = Prisma.Sql;

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

/** Every filter except the period: company (and its history window), not deleted, family, status, … text search. */
function filterConditions(companyId: string, f: ExpenseFilters): Sql {
  const parts: Sql[] = [companyRows(companyId), sql`e."deletedAt" IS NULL`];
  if (f.family) parts.push(sql`e."family" = ${f.family}`);
  if (f.status) parts.push(sql`e."status" = ${f.status}`);
  if (f.review === "WAITING") parts.push(waitingForReview);
  else if (f.review) parts.push(sql`e."reviewStatus" = ${f.review}`);
  if (f.employee) parts.push(sql`e."employeeId" = ${f.employee}::uuid`);
  if (f.team) parts.push(sql`e."teamId" = ${f.team}::uuid`);
  if (f.category === "none") parts.push(sql`e."accountId" IS NULL`);
  else if (f.category) parts.push(sql`e."accountId" = ${f.category}::uuid`);
  if (f.currency) parts.push(sql`e."transactionCurrency" = ${f.currency}`);
  if (f.receipt === "missing") parts.push(missingReceipt);
  // "searchText" = lower(note || '\n' || supplierName), a generated column (migration entry_search_text).
  if (f.q) parts.push(sql`e."searchText" LIKE ${`%${likeLiteral(f.q.toLowerCase())}%`}`);
  return join(parts, " AND ");
}

/** Entries that count as spend (see definitions.ts). */
const spendCondition: Sql = sql` AND ${isSpend("e")}`;

/** KPI aggregates for the current and previous range in one pass, per bill currency. */
export function kpiQuery(
  companyId: string,
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
    WHERE ${filterConditions(companyId, f)}${spendCondition}${rangeCondition(span)}
    GROUP BY 1, 2`;
}

/** Spend per calendar month (UTC) over `range`. */
export function monthlyQuery(companyId: string, f: ExpenseFilters, range: DateRange, currency: string): Sql {
  return sql`SELECT date_trunc('month', e."performedAt") AS month, COALESCE(SUM(e."billMinors"), 0)::bigint AS total, count(*)::int AS count
    FROM "AccountingEntry" e
    WHERE ${filterConditions(companyId, f)}${spendCondition}${rangeCondition(range)} AND e."billCurrency" = ${currency}
    GROUP BY 1 ORDER BY 1`;
}

/**
 * Filters the monthly rollup ("SpendMonthly": per month, family, status, bill currency) can answer;
 * any other filter (a new one too) needs the entries themselves.
 */
const ROLLUP_FILTERS: readonly FilterKey[] = ["family", "status"];

export function rollupCanAnswer(f: ExpenseFilters): boolean {
  return FILTER_KEYS.every((k) => ROLLUP_FILTERS.includes(k) || !f[k]);
}

/** Same result as monthlyQuery, from the trigger-maintained rollup (a few hundred rows, not every entry). */
function monthlyRollupQuery(companyId: string, f: ExpenseFilters, range: DateRange, currency: string): Sql {
  const extra: Sql[] = [];
  if (f.family) extra.push(sql` AND r."family" = ${f.family}`);
  if (f.status) extra.push(sql` AND r."status" = ${f.status}`);
  return sql`SELECT r."month" AS month, COALESCE(SUM(r."total"), 0)::bigint AS total, COALESCE(SUM(r."count"), 0)::int AS count
    FROM "SpendMonthly" r
    WHERE ${companyRows(companyId, "r")} AND r."month" >= ${ts(range.start)}::timestamp AND r."month" < ${ts(range.end)}::timestamp
      AND r."billCurrency" = ${currency}
      AND ${isSpend("r")}${extra.length > 0 ? join(extra, "") : empty}
    GROUP BY 1 HAVING SUM(r."count") <> 0 ORDER BY 1`;
}

/** The 12-month chart's query: the rollup when it can answer, the entries otherwise. */
export function monthlySpendQuery(companyId: string, f: ExpenseFilters, range: DateRange, currency: string): Sql {
  return rollupCanAnswer(f)
    ? monthlyRollupQuery(companyId, f, range, currency)
    : monthlyQuery(companyId, f, range, currency);
}

export type BreakdownDimension = "category" | "team" | "employee" | "family";

const DIMENSIONS: Record<BreakdownDimension, { key: Sql; label: Sql; join: Sql }> = {
  category: {
    key: sql`e."accountId"`,
    label: categoryLabel,
    join: sql`LEFT JOIN "LedgerAccount" a ON a."id" = g.key`,
  },
  team: { key: sql`e."teamId"`, label: sql`t."name"`, join: sql`LEFT JOIN "Team" t ON t."id" = g.key` },
  employee: {
    key: sql`e."employeeId"`,
    label: employeeName,
    join: sql`LEFT JOIN "Employee" p ON p."id" = g.key`,
  },
  family: { key: sql`e."family"`, label: sql`NULL::text`, join: empty },
};

/** Spend grouped by one dimension over the period, biggest first; names joined after aggregating. */
export function breakdownQuery(
  companyId: string,
  f: ExpenseFilters,
  range: DateRange | null,
  currency: string,
  dim: BreakdownDimension,
): Sql {
  const d = DIMENSIONS[dim];
  return sql`SELECT g.key::text AS key, ${d.label} AS label, g.total, g.count FROM (
      SELECT ${d.key} AS key, COALESCE(SUM(e."billMinors"), 0)::bigint AS total, count(*)::int AS count
      FROM "AccountingEntry" e
      WHERE ${filterConditions(companyId, f)}${spendCondition}${rangeCondition(range)} AND e."billCurrency" = ${currency}
      GROUP BY 1
    ) g ${d.join}
    ORDER BY g.total DESC, g.key`;
}

const ORDER_COLUMNS: Record<SortKey, Sql> = {
  date: sql`e."performedAt"`,
  amount: sql`e."billMinors"`,
  supplier: sql`e."supplierName"`,
  family: sql`e."family"`,
  status: sql`e."status"`,
};

const TABLE_COLUMNS = sql`e."id", e."performedAt", e."family", e."status", e."reviewStatus", e."supplierName", e."note",
  e."billMinors", e."billCurrency", e."transactionMinors", e."transactionCurrency", e."receiptCount",
  e."employeeId", e."teamId", e."accountId", e."exportStatus",
  ${employeeName} AS "employeeName", t."name" AS "teamName", a."name" AS "accountName", a."code" AS "accountCode"`;
const TABLE_JOINS = sql`LEFT JOIN "Employee" p ON p."id" = e."employeeId"
  LEFT JOIN "Team" t ON t."id" = e."teamId"
  LEFT JOIN "LedgerAccount" a ON a."id" = e."accountId"`;

/**
 * One page of the table: every live entry matching the filters (not only spend), sorted, id as
 * tie-break. Sorting and paging happen on the entries alone; names are joined to the page's rows only.
 */
export function tablePageQuery(
  companyId: string,
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
      WHERE ${filterConditions(companyId, f)}${rangeCondition(range)}
      ORDER BY ${order}
      LIMIT ${limit} OFFSET ${offset}
    ) e ${TABLE_JOINS}
    ORDER BY ${order}`;
}

export function tableCountQuery(companyId: string, f: ExpenseFilters, range: DateRange | null): Sql {
  return sql`SELECT count(*)::int AS count FROM "AccountingEntry" e WHERE ${filterConditions(companyId, f)}${rangeCondition(range)}`;
}

/**
 * One batch of the CSV export, newest first, resuming strictly after the last row of the previous
 * batch (keyset pagination on (performedAt, id): constant cost per batch at any depth).
 */
export function exportBatchQuery(
  companyId: string,
  f: ExpenseFilters,
  range: DateRange | null,
  after: { performedAt: Date; id: string } | null,
  limit: number,
): Sql {
  const resume = after
    ? sql` AND (e."performedAt", e."id") < (${ts(after.performedAt)}::timestamp, ${after.id}::uuid)`
    : empty;
  return sql`SELECT ${TABLE_COLUMNS}, e."subFamily", e."settledAt", e."tags"
    FROM "AccountingEntry" e ${TABLE_JOINS}
    WHERE ${filterConditions(companyId, f)}${rangeCondition(range)}${resume}
    ORDER BY e."performedAt" DESC, e."id" DESC
    LIMIT ${limit}`;
}
