import "server-only";

import type { AccountingEntry } from "@/lib/pleo/types";
import { isUuid } from "@/lib/ids";
import { heldByOtherCompanies, withoutAnomalies, type Anomaly } from "@/lib/sync/anomalies";
import { quoteIdent, recordset, toRecordsetJson, NOW_UTC, type Column, type SqlRunner } from "@/lib/sync/sql";

/**
 * What one page changed in our copy; `anomalies`: rows skipped because another company holds their id
 * (lib/sync/anomalies.ts).
 */
export type WriteCounts = { created: number; updated: number; deleted: number; anomalies: number };

export const emptyCounts = (): WriteCounts => ({ created: 0, updated: 0, deleted: 0, anomalies: 0 });

export function addCounts(into: WriteCounts, more: WriteCounts): WriteCounts {
  into.created += more.created;
  into.updated += more.updated;
  into.deleted += more.deleted;
  into.anomalies += more.anomalies;
  return into;
}

const ENTRY_COLUMNS: Column[] = [
  { name: "id", type: "uuid" },
  { name: "companyId", type: "uuid" },
  { name: "employeeId", type: "uuid" },
  { name: "teamId", type: "uuid" },
  { name: "accountId", type: "uuid" },
  { name: "accountCode", type: "text" },
  { name: "taxCodeId", type: "text" },
  { name: "family", type: "text" },
  { name: "subFamily", type: "text" },
  { name: "status", type: "text" },
  { name: "exportStatus", type: "text" },
  { name: "reviewStatus", type: "text" },
  { name: "performedAt", type: "timestamp" },
  { name: "settledAt", type: "timestamp" },
  { name: "bookkeepingDate", type: "timestamp" },
  { name: "pleoCreatedAt", type: "timestamp" },
  { name: "pleoUpdatedAt", type: "timestamp" },
  { name: "deletedAt", type: "timestamp" },
  { name: "transactionCurrency", type: "text" },
  { name: "transactionMinors", type: "bigint" },
  { name: "billCurrency", type: "text" },
  { name: "billMinors", type: "bigint" },
  { name: "note", type: "text" },
  { name: "supplierName", type: "text" },
  { name: "supplier", type: "jsonb" },
  { name: "receiptCount", type: "integer" },
  { name: "tags", type: "jsonb" },
  { name: "attendeeCount", type: "integer" },
  { name: "splitCount", type: "integer" },
  { name: "accountIds", type: "text[]" },
  { name: "tagIds", type: "text[]" },
];

const SPLIT_COLUMNS: Column[] = [
  { name: "id", type: "uuid" },
  { name: "entryId", type: "uuid" },
  { name: "accountId", type: "uuid" },
  { name: "accountCode", type: "text" },
  { name: "taxCodeId", type: "text" },
  { name: "billCurrency", type: "text" },
  { name: "billMinors", type: "bigint" },
  { name: "transactionCurrency", type: "text" },
  { name: "transactionMinors", type: "bigint" },
  { name: "tags", type: "jsonb" },
];

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The wallet amount of an entry: Pleo marks totalBillValue optional; without it the purchase amount is the best we have. */
const billOf = (e: AccountingEntry) => e.totalBillValue ?? e.transactionValue;

/**
 * How many split items the dashboard's breakdowns use instead of the entry's own account and tags: all
 * of them when each has a wallet amount in the entry's bill currency and they add up to the entry;
 * otherwise none (a partial split would make the bars disagree with the totals).
 */
export function usableSplitCount(e: AccountingEntry): number {
  if (e.splitItems.length === 0) return 0;
  const bill = billOf(e);
  let sum = 0n;
  for (const s of e.splitItems) {
    if (!s.totalBillValue || s.totalBillValue.currency !== bill.currency) return 0;
    sum += s.totalBillValue.minors;
  }
  return sum === bill.minors ? e.splitItems.length : 0;
}

const distinctUuids = (ids: (string | null)[]) => [
  ...new Set(ids.filter((id): id is string => id !== null && isUuid(id)).map((id) => id.toLowerCase())),
];
function entryRow(companyId: string, e: AccountingEntry): Record<string, unknown> {
  return {
    id: e.id,
    companyId,
    employeeId: e.employeeId,
    teamId: e.teamId,
    accountId: e.accountId,
    accountCode: e.accountCode,
    taxCodeId: e.taxCodeId,
    family: e.family,
    subFamily: e.subFamily,
    status: e.status,
    exportStatus: e.exportStatus,
    reviewStatus: e.reviewStatus,
    performedAt: iso(e.performedAt),
    settledAt: iso(e.settledAt),
    bookkeepingDate: iso(e.bookkeepingDate),
    pleoCreatedAt: iso(e.createdAt),
    pleoUpdatedAt: iso(e.updatedAt),
    deletedAt: iso(e.deletedAt),
    transactionCurrency: e.transactionValue.currency,
    transactionMinors: e.transactionValue.minors,
    billCurrency: billOf(e).currency,
    billMinors: billOf(e).minors,
    note: e.note,
    supplierName: e.supplierName,
    supplier: e.supplier,
    receiptCount: e.receiptIds.length,
    tags: e.tags,
    attendeeCount: e.attendeeCount,
    splitCount: usableSplitCount(e),
    accountIds: distinctUuids([e.accountId, ...e.splitItems.map((s) => s.accountId)]),
    tagIds: distinctUuids([...e.tags, ...e.splitItems.flatMap((s) => s.tags)].map((t) => t.tagId)),
  };
}

function splitRows(e: AccountingEntry): Record<string, unknown>[] {
  return e.splitItems.map((s) => ({
    id: s.id,
    entryId: e.id,
    accountId: s.accountId,
    accountCode: s.accountCode,
    taxCodeId: s.taxCodeId,
    billCurrency: s.totalBillValue?.currency ?? null,
    billMinors: s.totalBillValue?.minors ?? null,
    transactionCurrency: s.transactionValue?.currency ?? null,
    transactionMinors: s.transactionValue?.minors ?? null,
    tags: s.tags,
  }));
}

const names = (cols: Column[]) => cols.map((c) => quoteIdent(c.name)).join(", ");
const updatable = ENTRY_COLUMNS.filter((c) => c.name !== "id");

/**
 * One statement upserts the whole page. Unchanged rows are not rewritten (the DO UPDATE has a WHERE),
 * so they are not RETURNed; the lateral look-up (same snapshot, before the write) tells new and newly
 * deleted rows apart.
 * Entries that arrive already deleted and were unknown to us count as deleted, not created.
 */
const UPSERT_ENTRIES = `
WITH incoming AS (SELECT * FROM ${recordset(ENTRY_COLUMNS)}),
written AS (
  INSERT INTO "AccountingEntry" (${names(ENTRY_COLUMNS)}, "syncedAt")
  SELECT ${names(ENTRY_COLUMNS)}, ${NOW_UTC} FROM incoming
  ON CONFLICT ("id") DO UPDATE SET
    ${updatable.map((c) => `${quoteIdent(c.name)} = EXCLUDED.${quoteIdent(c.name)}`).join(",\n    ")},
    "syncedAt" = EXCLUDED."syncedAt"
  -- Tenant guard (lib/sync/anomalies.ts): another company's row is never moved, even if it appeared since the check.
  WHERE "AccountingEntry"."companyId" = EXCLUDED."companyId"
    AND (${updatable.map((c) => `"AccountingEntry".${quoteIdent(c.name)}`).join(", ")})
    IS DISTINCT FROM (${updatable.map((c) => `EXCLUDED.${quoteIdent(c.name)}`).join(", ")})
  RETURNING "id", "deletedAt"
)
SELECT w."id"::text AS id,
       (p."id" IS NULL) AS inserted,
       (w."deletedAt" IS NOT NULL AND (p."id" IS NULL OR p."deletedAt" IS NULL)) AS "newlyDeleted"
FROM written w
-- Same snapshot as the INSERT, so this sees each row as it was before the write (one index probe each).
LEFT JOIN LATERAL (SELECT e."id", e."deletedAt" FROM "AccountingEntry" e WHERE e."id" = w."id") p ON true`;

const DELETE_SPLITS = `DELETE FROM "SplitItem" WHERE "entryId" IN (SELECT (value #>> '{}')::uuid FROM jsonb_array_elements($1::jsonb))`;

const INSERT_SPLITS = `INSERT INTO "SplitItem" (${names(SPLIT_COLUMNS)}) SELECT ${names(SPLIT_COLUMNS)} FROM ${recordset(SPLIT_COLUMNS)}
ON CONFLICT ("id") DO UPDATE SET ${SPLIT_COLUMNS.filter((c) => c.name !== "id")
  .map((c) => `${quoteIdent(c.name)} = EXCLUDED.${quoteIdent(c.name)}`)
  .join(", ")}
WHERE (SELECT e."companyId" FROM "AccountingEntry" e WHERE e."id" = "SplitItem"."entryId")
  = (SELECT e."companyId" FROM "AccountingEntry" e WHERE e."id" = EXCLUDED."entryId")`;

const MEMBER_COLUMNS: Column[] = [
  { name: "companyId", type: "uuid" },
  { name: "teamId", type: "uuid" },
  { name: "employeeId", type: "uuid" },
  { name: "lastSeenAt", type: "timestamp" },
];

/**
 * Teams as entries name them: a Team row for every team id (named later, if ever, by a teams list:
 * Pleo documents none) and the employees seen on its entries, which is how an unnamed team is described.
 */
const UPSERT_TEAMS = `INSERT INTO "Team" ("id", "companyId")
SELECT DISTINCT "teamId", "companyId" FROM ${recordset(MEMBER_COLUMNS)}
ON CONFLICT ("id") DO NOTHING`;

const UPSERT_MEMBERS = `INSERT INTO "TeamMember" ("companyId", "teamId", "employeeId", "lastSeenAt")
SELECT "companyId", "teamId", "employeeId", max("lastSeenAt") FROM ${recordset(MEMBER_COLUMNS)}
WHERE "employeeId" IS NOT NULL GROUP BY 1, 2, 3
ON CONFLICT ("teamId", "employeeId") DO UPDATE SET "lastSeenAt" = GREATEST("TeamMember"."lastSeenAt", EXCLUDED."lastSeenAt")
WHERE EXCLUDED."lastSeenAt" > "TeamMember"."lastSeenAt"`;

async function writeTeams(sql: SqlRunner, companyId: string, entries: AccountingEntry[]): Promise<Anomaly[]> {
  const seen = entries
    .filter((e) => e.teamId && isUuid(e.teamId) && !e.deletedAt)
    .map((e) => ({
      id: e.teamId!,
      companyId,
      teamId: e.teamId,
      employeeId: e.employeeId && isUuid(e.employeeId) ? e.employeeId : null,
      lastSeenAt: iso(e.performedAt),
    }));
  if (seen.length === 0) return [];
  // A team id another company holds: its Team row is not ours to describe (no members recorded under it).
  const foreign = await heldByOtherCompanies(sql, "Team", companyId, [...new Set(seen.map((r) => r.id))]);
  // (The recordset reads the columns it names; the extra `id` key is ignored.)
  const rows = withoutAnomalies(seen, foreign);
  if (rows.length === 0) return foreign;
  const json = toRecordsetJson(rows);
  await sql.$executeRawUnsafe(UPSERT_TEAMS, json);
  await sql.$executeRawUnsafe(UPSERT_MEMBERS, json);
  return foreign;
}

/**
 * Idempotent write of one page of entries (and, for entries that changed, their split items) — a few
 * statements per page whatever its size (tenant checks, entries, split items, teams). Entries, split
 * items and teams whose id another company holds are skipped, counted and returned (tenant guard,
 * lib/sync/anomalies.ts): the caller logs them once the page's transaction has committed. Run it inside
 * the page's transaction.
 */
export async function writeEntryPage(
  sql: SqlRunner,
  companyId: string,
  entries: AccountingEntry[],
): Promise<{ counts: WriteCounts; anomalies: Anomaly[] }> {
  const counts = emptyCounts();
  const anomalies: Anomaly[] = [];
  const report = () => ({ counts: { ...counts, anomalies: anomalies.length }, anomalies });
  if (entries.length === 0) return report();
  // A page can repeat an id if the data moved under the cursor; ON CONFLICT cannot touch a row twice.
  const deduped = [...new Map(entries.map((e) => [e.id, e])).values()];
  const foreignEntries = await heldByOtherCompanies(
    sql,
    "AccountingEntry",
    companyId,
    deduped.map((e) => e.id),
  );
  anomalies.push(...foreignEntries);
  const ours = withoutAnomalies(deduped, foreignEntries);
  // A split item id another company's entry holds: the whole entry is skipped (its splits must add up).
  const foreignSplits = await heldByOtherCompanies(
    sql,
    "SplitItem",
    companyId,
    ours.flatMap((e) => e.splitItems.map((s) => s.id)),
  );
  anomalies.push(...foreignSplits);
  const badSplit = new Set(foreignSplits.map((a) => a.id.toLowerCase()));
  const unique = ours.filter((e) => !e.splitItems.some((s) => badSplit.has(s.id.toLowerCase())));
  if (unique.length === 0) return report();
  const written = await sql.$queryRawUnsafe<{ id: string; inserted: boolean; newlyDeleted: boolean }[]>(
    UPSERT_ENTRIES,
    toRecordsetJson(unique.map((e) => entryRow(companyId, e))),
  );
  if (written.length === 0) return report();
  for (const w of written) {
    if (w.newlyDeleted) counts.deleted++;
    else if (w.inserted) counts.created++;
    else counts.updated++;
  }
  // Split items follow their entry: replace them for entries that were written. Entries new to us
  // have none yet, so a backfill page skips the delete.
  const changed = new Set(written.map((w) => w.id));
  const changedEntries = unique.filter((e) => changed.has(e.id));
  const existed = written.filter((w) => !w.inserted).map((w) => w.id);
  if (existed.length > 0) await sql.$executeRawUnsafe(DELETE_SPLITS, JSON.stringify(existed));
  const splits = changedEntries.flatMap(splitRows);
  if (splits.length > 0) await sql.$executeRawUnsafe(INSERT_SPLITS, toRecordsetJson(splits));
  anomalies.push(...(await writeTeams(sql, companyId, changedEntries)));
  return report();
}

/**
 * Full reconcile: our live entries that a complete scan (includeDeleted) did not return no longer exist
 * in Pleo, so they are marked deleted. The scan covered entries performed from `from` on (the synced
 * copy's coverage; null = all), so only those can be missing. Returns how many were marked.
 */
export async function markMissingAsDeleted(
  sql: SqlRunner,
  companyId: string,
  seen: Set<string>,
  from: Date | null = null,
): Promise<number> {
  const live = await sql.$queryRawUnsafe<{ id: string }[]>(
    `SELECT "id"::text AS id FROM "AccountingEntry" WHERE "companyId" = $1::uuid AND "deletedAt" IS NULL
       AND "performedAt" >= COALESCE($2::timestamp(3), '-infinity'::timestamp)`,
    companyId,
    from ? from.toISOString() : null,
  );
  const missing = live.map((r) => r.id).filter((id) => !seen.has(id));
  if (missing.length === 0) return 0;
  return sql.$executeRawUnsafe(
    `UPDATE "AccountingEntry" SET "deletedAt" = ${NOW_UTC}, "syncedAt" = ${NOW_UTC}
     WHERE "companyId" = $1::uuid AND "deletedAt" IS NULL
       AND "id" IN (SELECT (value #>> '{}')::uuid FROM jsonb_array_elements($2::jsonb))`,
    companyId,
    JSON.stringify(missing),
  );
}

/** The wallet currency: the most common totalBillValue currency on a page (Pleo's company has none). */
export function walletCurrencyOf(entries: AccountingEntry[]): string | null {
  const counts = new Map<string, number>();
  for (const e of entries) {
    if (e.totalBillValue) counts.set(e.totalBillValue.currency, (counts.get(e.totalBillValue.currency) ?? 0) + 1);
  }
  let best: string | null = null;
  for (const [c, n] of counts) if (best === null || n > counts.get(best)!) best = c;
  return best;
}

/** Delete a company's entries performed before `before` (the customer asked to drop what its history window hides). */
export async function deleteEntriesBefore(sql: SqlRunner, companyId: string, before: Date): Promise<number> {
  return sql.$executeRawUnsafe(
    `DELETE FROM "AccountingEntry" WHERE "companyId" = $1::uuid AND "performedAt" < $2::timestamp(3)`,
    companyId,
    before.toISOString(),
  );
}
