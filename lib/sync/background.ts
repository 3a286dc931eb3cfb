import "server-only";

import { retryDueUninstalls } from "@/lib/connections/disconnections";
import { registerConnectedHook } from "@/lib/connections/events";
import { refreshInstallation } from "@/lib/connections/installation";
import { db } from "@/lib/db";
import { logger } from "@/lib/log";
import { pruneEvents } from "@/lib/pleo/activity";
import { processSlot } from "@/lib/process-singleton";
import { keepAliveIdleConnections } from "@/lib/pleo/tokens";
import { startSyncScheduler, type Scheduler } from "@/lib/sync/scheduler";
import { requestSync } from "@/lib/sync/trigger";

/**
 * The portal's background work, started once per server process (instrumentation.ts): the sync
 * schedule, the first sync and an installation check right after a company connects, the token
 * keep-alive and activity-log pruning (hourly), and the uninstalls at Pleo still owed by disconnects
 * (every minute). Every instance runs it; database leases and claims decide who does each piece of work.
 */

const KEEP_ALIVE_EVERY_MS = 60 * 60 * 1000;
const UNINSTALL_RETRY_EVERY_MS = 60 * 1000;
/** Activity-log events older than this are pruned. */
const KEEP_EVENTS_MS = 90 * 24 * 3600 * 1000;

type BackgroundJobs = { stop(): Promise<void> };

const slot = processSlot<BackgroundJobs>("background-jobs");

/** Connect → first sync. Returns at once: the run continues in the background of this process. */
export async function startSyncAfterConnect(companyId: string): Promise<void> {
  const r = await requestSync(companyId, "connect");
  if (!r.started) logger().info({ module: "sync", companyId, reason: r.reason }, "sync: first sync not started");
}

export function startBackgroundJobs(): BackgroundJobs {
  const existing = slot.get();
  if (existing) return existing;
  const log = logger().child({ module: "background" });
  const unhook = registerConnectedHook(startSyncAfterConnect);
  // Not awaited: the OAuth callback waits for hooks, and this one may meet a slow Pleo.
  const unhookInstallation = registerConnectedHook((companyId) => {
    refreshInstallation(companyId).catch((err) => log.error({ err, companyId }, "installation check failed"));
  });
  const scheduler: Scheduler = startSyncScheduler();
  const keepAlive = setInterval(() => {
    keepAliveIdleConnections().catch((err) => log.error({ err }, "token keep-alive pass failed"));
    pruneEvents(db, new Date(Date.now() - KEEP_EVENTS_MS)).catch((err) =>
      log.error({ err }, "activity pruning failed"),
    );
  }, KEEP_ALIVE_EVERY_MS);
  keepAlive.unref?.();
  let retrying = false;
  const uninstalls = setInterval(() => {
    if (retrying) return;
    retrying = true;
    retryDueUninstalls()
      .catch((err) => log.error({ err }, "uninstall retry pass failed"))
      .finally(() => (retrying = false));
  }, UNINSTALL_RETRY_EVERY_MS);
  uninstalls.unref?.();
  log.info("background jobs started (sync scheduler, connect hooks, token keep-alive, uninstall retries)");
  const jobs = {
    async stop() {
      unhook();
      unhookInstallation();
      clearInterval(keepAlive);
      clearInterval(uninstalls);
      await scheduler.stop();
      slot.set(undefined);
    },
  };
  slot.set(jobs);
  return jobs;
}
