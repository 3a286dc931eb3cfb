import "server-only";

import { createHash } from "node:crypto";
import type { SqlRunner } from "@/lib/sync/sql";

/**
 * Count and checksum of a company's live synced entries, defined exactly like the sandbox's
 * `/__sandbox/companies/{id}/summary`: sha256 hex of the sorted `${id}:${updatedAt ISO}` lines of
 * non-deleted entries joined by "\n". Equal values mean our copy matches Pleo's (tests, benchmarks).
 */
export async function localEntrySummary(
  sql: SqlRunner,
  companyId: string,
): Promise<{ count: number; checksum: string; countIncludingDeleted: number }> {
  const rows = await sql.$queryRawUnsafe<{ id: string; updatedAt: Date; deleted: boolean }[]>(
    `SELECT "id"::text AS id, "pleoUpdatedAt" AS "updatedAt", ("deletedAt" IS NOT NULL) AS deleted
     FROM "AccountingEntry" WHERE "companyId" = $1::uuid`,
    companyId,
  );
  const lines = rows
    .filter((r) => !r.deleted)
    .map((r) => `${r.id}:${new Date(r.updatedAt).toISOString()}`)
    .sort();
  return {
    count: lines.length,
    checksum: createHash("sha256").update(lines.join("\n")).digest("hex"),
    countIncludingDeleted: rows.length,
  };
}
