import "server-only";

import { db } from "@/lib/db";
import type { SyncKind, SyncRunStatus, SyncTrigger } from "@/lib/sync/config";
import type { SyncErrorCode } from "@/lib/sync/describe-error";
import type { SqlRunner } from "@/lib/sync/sql";
import type { WriteCounts } from "@/lib/sync/write-entries";

/**
 * The SyncRun rows: one per run, what the settings page lists and progress reads. Every write of the
 * table is here, one statement each: a run starts, adds each committed page (in that page's
 * transaction, so the counters match what was written), and finishes; runs left "running" by a process
 * that died are marked abandoned; old rows are pruned.
 */

/** The row for a run that starts now; returns its id (a cuid Prisma generates, as for every SyncRun). */
export async function startRun(
  companyId: string,
  run: { kind: SyncKind; trigger: SyncTrigger; startedAt: Date },
): Promise<string> {
  const row = await db.syncRun.create({
    data: { companyId, kind: run.kind, trigger: run.trigger, status: "running", startedAt: run.startedAt },
    select: { id: true },
  });
  return row.id;
}

/** Add committed pages and what they changed to the run's counters. */
export async function addToRun(tx: SqlRunner, runId: string, pages: number, counts: WriteCounts): Promise<void> {
  await tx.$executeRawUnsafe(
    `UPDATE "SyncRun" SET "pages" = "pages" + $2::int, "created" = "created" + $3::int,
       "updated" = "updated" + $4::int, "deleted" = "deleted" + $5::int, "anomalies" = "anomalies" + $6::int
     WHERE "id" = $1`,
    runId,
    pages,
    counts.created,
    counts.updated,
    counts.deleted,
    counts.anomalies,
  );
}

/** The run ended: its outcome and its final counters. */
export async function finishRun(
  sql: SqlRunner,
  runId: string,
  end: { status: SyncRunStatus; error: string | null; pages: number } & WriteCounts,
): Promise<void> {
  await sql.$executeRawUnsafe(
    `UPDATE "SyncRun" SET "status" = $2, "error" = $3, "finishedAt" = $4::timestamp(3),
       "pages" = $5::int, "created" = $6::int, "updated" = $7::int, "deleted" = $8::int, "anomalies" = $9::int
     WHERE "id" = $1`,
    runId,
    end.status,
    end.error,
    new Date().toISOString(),
    end.pages,
    end.created,
    end.updated,
    end.deleted,
    end.anomalies,
  );
}

/** Called while holding the lease: a run still marked running was cut short by a process that died. */
export async function abandonStaleRuns(sql: SqlRunner, companyId: string, at: Date): Promise<void> {
  await sql.$executeRawUnsafe(
    `UPDATE "SyncRun" SET "status" = 'abandoned', "finishedAt" = $2::timestamp(3), "error" = $3
     WHERE "companyId" = $1::uuid AND "status" = 'running'`,
    companyId,
    at.toISOString(),
    "interrupted" satisfies SyncErrorCode,
  );
}

/** Keep the newest `keep` runs per company (a run every 15 minutes adds ~35,000 rows a year otherwise). */
export async function pruneRuns(sql: SqlRunner, companyId: string, keep: number): Promise<void> {
  await sql.$executeRawUnsafe(
    `DELETE FROM "SyncRun" WHERE "companyId" = $1::uuid AND "id" NOT IN (
       SELECT "id" FROM "SyncRun" WHERE "companyId" = $1::uuid ORDER BY "startedAt" DESC LIMIT $2::int)`,
    companyId,
    keep,
  );
}
