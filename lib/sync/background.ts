import "server-only";

import { registerConnectedHook } from "@/lib/connections/events";
import { logger } from "@/lib/log";
import { processSlot } from "@/lib/process-singleton";
import { keepAliveIdleConnections } from "@/lib/pleo/tokens";
import { startSyncScheduler, type Scheduler } from "@/lib/sync/scheduler";
import { requestSync } from "@/lib/sync/trigger";

/**
 * The portal's background work, started once per server process (instrumentation.ts): the sync
 * schedule, the first sync right after a company connects, and the token keep-alive. Every instance
 * runs it; database leases decide who does each company's work.
 */

const KEEP_ALIVE_EVERY_MS = 60 * 60 * 1000;

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
  const scheduler: Scheduler = startSyncScheduler();
  const keepAlive = setInterval(() => {
    keepAliveIdleConnections().catch((err) => log.error({ err }, "token keep-alive pass failed"));
  }, KEEP_ALIVE_EVERY_MS);
  keepAlive.unref?.();
  log.info("background jobs started (sync scheduler, connect hook, token keep-alive)");
  const jobs = {
    async stop() {
      unhook();
      clearInterval(keepAlive);
      await scheduler.stop();
      slot.set(undefined);
    },
  };
  slot.set(jobs);
  return jobs;
}
