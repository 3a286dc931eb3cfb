import "server-only";

import { db } from "@/lib/db";
import { logger } from "@/lib/log";
import { isShuttingDown } from "@/lib/ops/shutdown";
import { processSlot } from "@/lib/process-singleton";
import { SYNC_DEFAULTS, type SyncTrigger } from "@/lib/sync/config";
import { acquireLease, newLeaseOwner } from "@/lib/sync/lease";
import { runSync, type RunSyncOptions, type RunSyncResult } from "@/lib/sync/run";

/**
 * Start a sync in the background of this process. Returns as soon as the run owns the company's lease
 * (or it is clear it will not start); the run itself continues after the caller has its answer.
 */

type Running = { promise: Promise<RunSyncResult | undefined>; controller: AbortController };

const runs = processSlot<Map<string, Running>>("sync-runs");
const running = (): Map<string, Running> => runs.getOrCreate(() => new Map());

export type RequestSyncResult = { started: boolean; reason?: string };

export async function requestSync(
  companyId: string,
  trigger: SyncTrigger,
  // Tests and scripts inject a source or logger; the portal uses the defaults. `requestedBy`: the
  // portal user behind a manual or settings run, for the activity log.
  overrides: Pick<RunSyncOptions, "source" | "logger" | "leaseTtlMs" | "onPage" | "requestedBy"> & {
    /** Scheduled runs: the scheduler's "now" (a run starts only if still due then). */
    dueAt?: Date;
  } = {},
): Promise<RequestSyncResult> {
  // A draining instance starts nothing new: another instance (its scheduler, or the user's next click
  // landing elsewhere) takes the company.
  if (isShuttingDown()) return { started: false, reason: "This server is restarting: try again in a moment" };
  if (running().has(companyId)) return { started: false, reason: "A sync is already running" };
  const connection = await db.pleoConnection.findUnique({
    where: { companyId },
    select: { status: true, syncEnabled: true },
  });
  if (!connection) return { started: false, reason: "This company is not connected" };
  if (connection.status === "DISCONNECTED") return { started: false, reason: "This company is disconnected" };
  if (connection.status !== "CONNECTED")
    return { started: false, reason: "The Pleo connection needs to be reconnected" };
  if (trigger === "schedule" && !connection.syncEnabled) return { started: false, reason: "Sync is turned off" };

  const owner = newLeaseOwner();
  const ttl = overrides.leaseTtlMs ?? SYNC_DEFAULTS.leaseTtlMs;
  // Re-check after the await above: two requests in this process may have raced to here.
  if (running().has(companyId)) return { started: false, reason: "A sync is already running" };
  const controller = new AbortController();
  const slot: Running = { promise: Promise.resolve(undefined), controller };
  running().set(companyId, slot);
  try {
    const dueAt = trigger === "schedule" ? (overrides.dueAt ?? new Date()) : undefined;
    if (!(await acquireLease(db, companyId, owner, ttl, { dueAt }))) {
      running().delete(companyId);
      return {
        started: false,
        reason: trigger === "schedule" ? "Not due, or a sync is already running" : "A sync is already running",
      };
    }
  } catch (err) {
    running().delete(companyId);
    throw err;
  }
  const { source, logger: runLogger, leaseTtlMs, onPage, requestedBy } = overrides;
  const runOptions = { source, logger: runLogger, leaseTtlMs, onPage, requestedBy };
  slot.promise = runSync({ companyId, trigger, owner, leaseHeld: true, signal: controller.signal, ...runOptions })
    .catch((err) => {
      logger().error({ module: "sync", companyId, err }, "sync: run crashed");
      return undefined;
    })
    .finally(() => running().delete(companyId));
  return { started: true };
}

/** The run this process is doing for a company, if any (tests and shutdown wait on it). */
export function runningSync(companyId: string): Promise<RunSyncResult | undefined> | undefined {
  return running().get(companyId)?.promise;
}

/** How many runs this process is doing now. */
export function runningSyncCount(): number {
  return running().size;
}

/** Ask this process's run for a company (if any) to stop after its current page, and wait for it. */
export async function stopSync(companyId: string): Promise<void> {
  const r = running().get(companyId);
  if (!r) return;
  r.controller.abort();
  await r.promise;
}

/** Ask every run in this process to stop after its current page, and wait for them; `reason` is recorded on each run. */
export async function stopAllSyncs(reason: "stopped" | "shutdown" = "stopped"): Promise<void> {
  const all = [...running().values()];
  for (const r of all) r.controller.abort(reason);
  await Promise.all(all.map((r) => r.promise));
}
