import "server-only";

import { registerConnectedHook } from "@/lib/connections/events";
import { logger } from "@/lib/log";
import { keepAliveIdleConnections } from "@/lib/pleo/tokens";
import { startSyncScheduler, type Scheduler } from "@/lib/sync/scheduler";
import { requestSync } from "@/lib/sync/trigger";

/**
 * The portal's background work, started once per server process (instrumentation.ts): the sync
 * schedule, the first sync right after a company connects, and the token keep-alive. Every instance
 * runs it; database leases decide who does each company's work.
 */

const KEEP_ALIVE_EVERY_MS = 60 * 60 * 1000;

const globalForJobs = globalThis as unknown as { __portalBackgroundJobs?: { stop(): Promise<void> } };

/** Connect → first sync. Returns at once: the run continues in the background of this process. */
export async function startSyncAfterConnect(companyId: string): Promise<void> {
  const r = await requestSync(companyId, "connect");
  if (!r.started) logger().info({ module: "sync", companyId, reason: r.reason }, "sync: first sync not started");
}

export function startBackgroundJobs(): { stop(): Promise<void> } {
  if (globalForJobs.__portalBackgroundJobs) return globalForJobs.__portalBackgroundJobs;
  const log = logger().child({ module: "background" });
  const unhook = registerConnectedHook(startSyncAfterConnect);
  const scheduler: Scheduler = startSyncScheduler();
  const keepAlive = setInterval(() => {
    keepAliveIdleConnections().catch((err) =>
      log.error({ err: err instanceof Error ? err.message : String(err) }, "token keep-alive pass failed"),
    );
  }, KEEP_ALIVE_EVERY_MS);
  keepAlive.unref?.();
  log.info("background jobs started (sync scheduler, connect hook, token keep-alive)");
  const jobs = {
    async stop() {
      unhook();
      clearInterval(keepAlive);
      await scheduler.stop();
      globalForJobs.__portalBackgroundJobs = undefined;
    },
  };
  globalForJobs.__portalBackgroundJobs = jobs;
  return jobs;
}
