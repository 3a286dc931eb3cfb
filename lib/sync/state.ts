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
  /** The synced copy is complete from here on (null: from the first entry); see schema.prisma. */
  coveredFrom: Date | null;
  /** Set while a backfill only fills in entries older than the previous coverage. */
  backfillUntil: Date | null;
};

/** What a run needs to know before it starts (the row exists: taking the lease creates it). */
export async function readRunState(companyId: string): Promise<RunState> {
  return db.syncState.findUniqueOrThrow({
    where: { companyId },
    select: {
      backfillCursor: true,
      backfillCompletedAt: true,
      lastReconcileAt: true,
      consecutiveFailures: true,
      coveredFrom: true,
      backfillUntil: true,
    },
  });
}

const tsParam = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * A new backfill from the newest entry back to `from` (the history window's start; null = everything):
 * progress back to zero, the cursor forgotten.
 */
export async function restartBackfill(sql: SqlRunner, lease: HeldLease, from: Date | null = null): Promise<void> {
  const updated = await sql.$executeRawUnsafe(
    `UPDATE "SyncState" SET ${extendLease(lease)},
       "backfillCursor" = NULL, "backfillSynced" = 0, "backfillTotal" = NULL, "backfillCompletedAt" = NULL,
       "backfillStartedAt" = ${NOW_UTC}, "coveredFrom" = $3::timestamp(3), "backfillUntil" = NULL
     WHERE "companyId" = $1::uuid AND "leaseOwner" = $2`,
    lease.companyId,
    lease.owner,
    tsParam(from),
  );
  expectHeld(updated, lease);
}

/**
 * The history window was widened: backfill only what is newly in range, [from, until) by performedAt,
 * where `until` is the previous coverage. Resumable like any backfill (the range is stored with the cursor).
 */
export async function startBackfillExtension(
  sql: SqlRunner,
  lease: HeldLease,
  range: { from: Date | null; until: Date },
): Promise<void> {
  const updated = await sql.$executeRawUnsafe(
    `UPDATE "SyncState" SET ${extendLease(lease)},
       "backfillCursor" = NULL, "backfillSynced" = 0, "backfillTotal" = NULL, "backfillCompletedAt" = NULL,
       "backfillStartedAt" = ${NOW_UTC}, "coveredFrom" = $3::timestamp(3), "backfillUntil" = $4::timestamp(3)
     WHERE "companyId" = $1::uuid AND "leaseOwner" = $2`,
    lease.companyId,
    lease.owner,
    tsParam(range.from),
    range.until.toISOString(),
  );
  expectHeld(updated, lease);
}

/**
 * A backfill page committed (in the page's transaction): the cursor to resume after it, its entries
 * added to the progress, Pleo's total. The last page completes the backfill; a full one counts as a full
 * scan (the next reconcile is a day away), one that only filled in older entries does not.
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
       "lastReconcileAt" = CASE WHEN $6::boolean AND "backfillUntil" IS NULL THEN ${NOW_UTC} ELSE "lastReconcileAt" END,
       "backfillUntil" = CASE WHEN $6::boolean THEN NULL ELSE "backfillUntil" END
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

/**
 * The schedule changed (settings): the next run is due one new interval after the last success. Left
 * alone while a first backfill has not completed or runs are failing (their own retry times stand).
 */
export async function rescheduleForInterval(sql: SqlRunner, companyId: string, intervalMs: number): Promise<void> {
  await sql.$executeRawUnsafe(
    `UPDATE "SyncState" SET "nextRunAt" = "lastSuccessAt" + make_interval(secs => $2::double precision),
       "updatedAt" = ${NOW_UTC}
     WHERE "companyId" = $1::uuid AND "backfillCompletedAt" IS NOT NULL AND "lastSuccessAt" IS NOT NULL
       AND "consecutiveFailures" = 0`,
    companyId,
    intervalMs / 1000,
  );
}

/**
 * A disconnect that keeps the data (in the disconnect's transaction): no run is scheduled, and a run
 * still going somewhere loses its lease, so its next page rolls back and it stops.
 */
export async function freezeForDisconnect(sql: SqlRunner, companyId: string): Promise<void> {
  await sql.$executeRawUnsafe(
    `UPDATE "SyncState" SET "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "nextRunAt" = NULL, "updatedAt" = ${NOW_UTC}
     WHERE "companyId" = $1::uuid`,
    companyId,
  );
}

/** Entries before `from` were deleted on request (under the lease): the copy is complete from there on only. */
export async function narrowCoverage(sql: SqlRunner, lease: HeldLease, from: Date): Promise<void> {
  const updated = await sql.$executeRawUnsafe(
    `UPDATE "SyncState" SET ${extendLease(lease)},
       "coveredFrom" = GREATEST(COALESCE("coveredFrom", '-infinity'::timestamp), $3::timestamp(3))
     WHERE "companyId" = $1::uuid AND "leaseOwner" = $2`,
    lease.companyId,
    lease.owner,
    from.toISOString(),
  );
  expectHeld(updated, lease);
}
