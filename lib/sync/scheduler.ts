import "server-only";

import { db } from "@/lib/db";
import { logger } from "@/lib/log";
import { isShuttingDown } from "@/lib/ops/shutdown";
import { SYNC_DEFAULTS } from "@/lib/sync/config";
import { NOW_UTC } from "@/lib/sync/sql";
import { requestSync, runningSyncCount, stopAllSyncs } from "@/lib/sync/trigger";

/**
 * The schedule: every tick, each portal process looks for connected companies whose next run is due
 * and whose lease is free, and starts runs for them (a few at a time). Every process may tick; the
 * lease decides which one does a company's run, so N instances need no coordination beyond the
 * database. A company with no SyncState yet (never synced) is due at once.
 */

/**
 * Companies due for a run at `now` (connected, on a schedule rather than "manual only", next run due,
 * nobody holding the lease). Each run sets the next one a connection's interval after it (run.ts), so
 * this is where the sync frequency setting takes effect.
 */
export async function dueCompanies(limit: number, now: Date = new Date()): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<{ companyId: string }[]>(
    `SELECT c."companyId"::text AS "companyId"
     FROM "PleoConnection" c LEFT JOIN "SyncState" s ON s."companyId" = c."companyId"
     WHERE c."status" = 'CONNECTED' AND c."syncEnabled"
       AND (s."companyId" IS NULL OR s."nextRunAt" IS NULL OR s."nextRunAt" <= $1::timestamp(3))
       AND (s."leaseOwner" IS NULL OR s."leaseExpiresAt" IS NULL OR s."leaseExpiresAt" <= ${NOW_UTC})
     ORDER BY s."nextRunAt" ASC NULLS FIRST
     LIMIT $2::int`,
    now.toISOString(),
    limit,
  );
  return rows.map((r) => r.companyId);
}

/** One scheduling pass; returns the companies it started. Once `signal` is aborted it starts no more. */
export async function scheduleDueSyncs(
  maxConcurrent: number = SYNC_DEFAULTS.maxConcurrentRuns,
  now: Date = new Date(),
  signal?: AbortSignal,
): Promise<string[]> {
  const free = maxConcurrent - runningSyncCount();
  if (free <= 0) return [];
  const started: string[] = [];
  for (const companyId of await dueCompanies(free * 2, now)) {
    if (signal?.aborted) break;
    if (started.length >= free) break;
    // A company this process is already running is refused at once (before any query) and not counted.
    const r = await requestSync(companyId, "schedule", { dueAt: now });
    if (r.started) started.push(companyId);
  }
  return started;
}

export type Scheduler = { stop(): Promise<void> };

export function startSyncScheduler(opts: { tickMs?: number; maxConcurrent?: number } = {}): Scheduler {
  const tickMs = opts.tickMs ?? SYNC_DEFAULTS.schedulerTickMs;
  // The pass under way, if any: a tick during it starts no other. Stop tells it to start nothing more and
  // waits for it, so no run starts after stop returns; stop clears the timers, so no tick comes after it.
  let pass: Promise<void> | null = null;
  const stopping = new AbortController();
  const tick = () => {
    if (pass || isShuttingDown()) return;
    pass = (async () => {
      try {
        await scheduleDueSyncs(opts.maxConcurrent, undefined, stopping.signal);
      } catch (err) {
        logger().error({ module: "sync", err }, "sync: scheduling pass failed");
      } finally {
        pass = null;
      }
    })();
  };
  const timer = setInterval(tick, tickMs);
  timer.unref?.();
  // First pass soon after start, not a full tick later (resumes backfills interrupted by a restart).
  const first = setTimeout(tick, Math.min(2_000, tickMs));
  first.unref?.();
  return {
    async stop() {
      stopping.abort();
      clearInterval(timer);
      clearTimeout(first);
      await pass;
      await stopAllSyncs("shutdown");
    },
  };
}
