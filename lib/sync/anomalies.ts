import "server-only";

import type { Logger } from "@/lib/log";
import { quoteIdent, type SqlRunner } from "@/lib/sync/sql";

/**
 * The tenant guard of the sync's writes (README → Security): Pleo's ids are global, so a row Pleo sends
 * for company A whose id a row of company B already has can only be an upstream anomaly (or a forged
 * upstream). Upserts keyed by id would move B's row to A; instead B's row is left as it is, the
 * incoming row is skipped, and the skip is logged (ids only, never the payload) and counted in the run.
 * The upserts also carry the same condition in SQL, so a row claimed between check and write is still
 * never moved.
 */

export type Anomaly = { table: string; id: string; heldBy: string };

/** Tables whose rows carry their company. SplitItem has none: its entry's company is used. */
export type OwnedTable = "AccountingEntry" | "Employee" | "Team" | "LedgerAccount" | "TagGroup" | "Tag" | "TaxCode";

const idList = `SELECT (value #>> '{}')::uuid FROM jsonb_array_elements($2::jsonb)`;

/** Of `ids`, those `table` already holds for another company than `companyId`. */
export async function heldByOtherCompanies(
  sql: SqlRunner,
  table: OwnedTable | "SplitItem",
  companyId: string,
  ids: string[],
): Promise<Anomaly[]> {
  if (ids.length === 0) return [];
  const statement =
    table === "SplitItem"
      ? `SELECT s."id"::text AS id, e."companyId"::text AS "heldBy" FROM "SplitItem" s
           JOIN "AccountingEntry" e ON e."id" = s."entryId"
         WHERE s."id" IN (${idList}) AND e."companyId" <> $1::uuid`
      : `SELECT "id"::text AS id, "companyId"::text AS "heldBy" FROM ${quoteIdent(table)}
         WHERE "id" IN (${idList}) AND "companyId" <> $1::uuid`;
  const rows = await sql.$queryRawUnsafe<{ id: string; heldBy: string }[]>(statement, companyId, JSON.stringify(ids));
  return rows.map((r) => ({ table, id: r.id, heldBy: r.heldBy }));
}

/** `rows` without those whose id is in `anomalies` (ids compared as lowercase uuids). */
export function withoutAnomalies<T extends { id: string }>(rows: T[], anomalies: Anomaly[]): T[] {
  if (anomalies.length === 0) return rows;
  const skip = new Set(anomalies.map((a) => a.id.toLowerCase()));
  return rows.filter((r) => !skip.has(r.id.toLowerCase()));
}

/** One warning per skipped row: which table, which id, which company holds it, which company's sync sent it. */
export function logAnomalies(log: Logger, companyId: string, anomalies: Anomaly[]): void {
  for (const a of anomalies) {
    log.warn(
      {
        event: "pleo.anomaly",
        kind: "id_held_by_other_company",
        table: a.table,
        id: a.id,
        companyId,
        heldBy: a.heldBy,
      },
      "sync: Pleo sent a row whose id another company's row has; kept that row, skipped this one",
    );
  }
}
