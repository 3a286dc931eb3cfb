import "server-only";

import { db } from "@/lib/db";
import { expectHeld, extendLease, type HeldLease } from "@/lib/sync/lease";
import { NOW_UTC, type SqlRunner } from "@/lib/sync/sql";

/**
 * A company's SyncState row outside the lease columns (lease.ts): where the backfill stands, when each
 * kind of pass last completed, and how the last run ended. One function per transition, each one
 * statement naming the columns it writes. The writes a run makes while it scans extend the lease and
 * apply only while the run still holds it; otherwise they throw LeaseLostError, so the transaction they
 * share with a page's rows rolls back. Timestamps are stored as UTC wall time, as Prisma stores them.
 */

export type RunState = {
  backfillCursor: string | null;
  backfillCompletedAt: Date | null;
  lastReconcileAt: Date | null;
  consecutiveFailures: number;
};

/** What a run needs to know before it starts (the row exists: taking the lease creates it). */
export async function readRunState(companyId: string): Promise<RunState> {
  return db.syncState.findUniqueOrThrow({
    where: { companyId },
    select: { backfillCursor: true, backfillCompletedAt: true, lastReconcileAt: true, consecutiveFailures: true },
  });
}

/** A new backfill from the newest entry: progress back to zero, the cursor forgotten. */
export async function restartBackfill(sql: SqlRunner, lease: HeldLease): Promise<void> {
  const updated = await sql.$executeRawUnsafe(
    `UPDATE "SyncState" SET ${extendLease(lease)},
       "backfillCursor" = NULL, "backfillSynced" = 0, "backfillCompletedAt" = NULL, "backfillStartedAt" = ${NOW_UTC}
     WHERE "companyId" = $1::uuid AND "leaseOwner" = $2`,
    lease.companyId,
    lease.owner,
  );
  expectHeld(updated, lease);
}

/**
 * A backfill page committed (in the page's transaction): the cursor to resume after it, its entries
 * added to the progress, Pleo's total. The last page completes the backfill, which counts as a full
 * scan (the next reconcile is a day away).
 */
export async function commitBackfillPage(
  tx: SqlRunner,
  lease: HeldLease,
  page: { cursor: string | null; entries: number; total: number | null; last: boolean },
): Promise<void> {
  const updated = await tx.$executeRawUnsafe(
    `UPDATE "SyncState" SET ${extendLease(lease)},
       "backfillCursor" = $3,
       "backfillSynced" = "backfillSynced" + $4::int,
       "backfillTotal" = $5::int,
       "backfillStartedAt" = COALESCE("backfillStartedAt", ${NOW_UTC}),
       "backfillCompletedAt" = CASE WHEN $6::boolean THEN ${NOW_UTC} ELSE NULL END,
       "lastReconcileAt" = CASE WHEN $6::boolean THEN ${NOW_UTC} ELSE "lastReconcileAt" END
     WHERE "companyId" = $1::uuid AND "leaseOwner" = $2`,
    lease.companyId,
    lease.owner,
    page.cursor,
    page.entries,
    page.total,
    page.last,
  );
  expectHeld(updated, lease);
}

/** An incremental pass over the window that began at `startedAt` is done. */
export async function completeIncremental(sql: SqlRunner, lease: HeldLease, startedAt: Date): Promise<void> {
  const updated = await sql.$executeRawUnsafe(
    `UPDATE "SyncState" SET ${extendLease(lease)}, "lastIncrementalAt" = $3::timestamp(3)
     WHERE "companyId" = $1::uuid AND "leaseOwner" = $2`,
    lease.companyId,
    lease.owner,
    startedAt.toISOString(),
  );
  expectHeld(updated, lease);
}

/** A reconcile that began at `startedAt` is done (in the transaction that marks missing entries deleted). */
export async function completeReconcile(tx: SqlRunner, lease: HeldLease, startedAt: Date): Promise<void> {
  const updated = await tx.$executeRawUnsafe(
    `UPDATE "SyncState" SET ${extendLease(lease)}, "lastReconcileAt" = $3::timestamp(3), "lastIncrementalAt" = $3::timestamp(3)
     WHERE "companyId" = $1::uuid AND "leaseOwner" = $2`,
    lease.companyId,
    lease.owner,
    startedAt.toISOString(),
  );
  expectHeld(updated, lease);
}

/** A run succeeded at `at`: the error and the failure count cleared, the next run scheduled. */
export async function recordSuccess(
  sql: SqlRunner,
  companyId: string,
  run: { at: Date; nextRunAt: Date },
): Promise<void> {
  await sql.$executeRawUnsafe(
    `UPDATE "SyncState" SET "lastSuccessAt" = $2::timestamp(3), "lastError" = NULL, "consecutiveFailures" = 0,
       "nextRunAt" = $3::timestamp(3), "updatedAt" = ${NOW_UTC}
     WHERE "companyId" = $1::uuid`,
    companyId,
    run.at.toISOString(),
    run.nextRunAt.toISOString(),
  );
}

/** A run failed at `at` (the `failures`-th in a row): the error kept for the pages, the next attempt scheduled. */
export async function recordFailure(
  sql: SqlRunner,
  companyId: string,
  run: { at: Date; error: string; failures: number; nextRunAt: Date },
): Promise<void> {
  await sql.$executeRawUnsafe(
    `UPDATE "SyncState" SET "lastError" = $2, "lastErrorAt" = $3::timestamp(3), "consecutiveFailures" = $4::int,
       "nextRunAt" = $5::timestamp(3), "updatedAt" = ${NOW_UTC}
     WHERE "companyId" = $1::uuid`,
    companyId,
    run.error,
    run.at.toISOString(),
    run.failures,
    run.nextRunAt.toISOString(),
  );
}
