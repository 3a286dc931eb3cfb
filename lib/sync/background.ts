import "server-only";

import { retryDueUninstalls } from "@/lib/connections/disconnections";
import { registerConnectedHook } from "@/lib/connections/events";
import { refreshInstallation } from "@/lib/connections/installation";
import { registerSessionScopeHooks } from "@/lib/connections/session-scope";
import { db } from "@/lib/db";
import { logger } from "@/lib/log";
import { onShutdown } from "@/lib/ops/shutdown";
import { pruneEvents } from "@/lib/pleo/activity";
import { processSlot } from "@/lib/process-singleton";
import { keepAliveIdleConnections } from "@/lib/pleo/tokens";
import { jittered } from "@/lib/util/async";
import { startSyncScheduler, type Scheduler } from "@/lib/sync/scheduler";
import { requestSync } from "@/lib/sync/trigger";

/**
 * The portal's background work, started once per server process (instrumentation.ts): the sync
 * schedule, the first sync and an installation check right after a company connects, the token
 * keep-alive and activity-log pruning (a few minutes after start, then hourly), and the uninstalls at
 * Pleo still owed by disconnects (every minute). Every instance runs it; database leases and claims
 * decide who does each piece of work. At shutdown (lib/ops/shutdown.ts) it stops taking work and waits
 * for what is under way: running syncs finish their page and release their lease.
 */

const KEEP_ALIVE_EVERY_MS = 60 * 60 * 1000;
// The first pass a few minutes after start (spread over instances), not an hour later: instances
// restarted more often than hourly would otherwise never run it.
const KEEP_ALIVE_FIRST_MS = 5 * 60 * 1000;
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

/** `opts`: shorter timings for tests that run several instances for seconds, not hours. */
export function startBackgroundJobs(
  opts: { schedulerTickMs?: number; keepAliveFirstMs?: number; uninstallRetryMs?: number } = {},
): BackgroundJobs {
  const existing = slot.get();
  if (existing) return existing;
  const log = logger().child({ module: "background" });
  // Also here (instrumentation.ts registers it too): a worker that only runs this still refreshes tokens.
  registerSessionScopeHooks();
  const unhook = registerConnectedHook(startSyncAfterConnect);
  // Not awaited: the OAuth callback waits for hooks, and this one may meet a slow Pleo.
  const unhookInstallation = registerConnectedHook((companyId) => {
    refreshInstallation(companyId).catch((err) => log.error({ err, companyId }, "installation check failed"));
  });
  const scheduler: Scheduler = startSyncScheduler({ tickMs: opts.schedulerTickMs });
  let hourlyPass: Promise<unknown> = Promise.resolve();
  const runHourly = () => {
    hourlyPass = Promise.all([
      keepAliveIdleConnections().catch((err) => log.error({ err }, "token keep-alive pass failed")),
      pruneEvents(db, new Date(Date.now() - KEEP_EVENTS_MS)).catch((err) =>
        log.error({ err }, "activity pruning failed"),
      ),
    ]);
  };
  const firstHourly = setTimeout(runHourly, opts.keepAliveFirstMs ?? jittered(KEEP_ALIVE_FIRST_MS));
  firstHourly.unref?.();
  const hourly = setInterval(runHourly, KEEP_ALIVE_EVERY_MS);
  hourly.unref?.();
  let uninstallPass: Promise<unknown> | null = null;
  const uninstalls = setInterval(() => {
    if (uninstallPass) return;
    uninstallPass = retryDueUninstalls()
      .catch((err) => log.error({ err }, "uninstall retry pass failed"))
      .finally(() => (uninstallPass = null));
  }, opts.uninstallRetryMs ?? UNINSTALL_RETRY_EVERY_MS);
  uninstalls.unref?.();
  log.info("background jobs started (sync scheduler, connect hooks, token keep-alive, uninstall retries)");
  let leaveShutdown = () => {};
  const jobs = {
    async stop() {
      leaveShutdown();
      unhook();
      unhookInstallation();
      clearTimeout(firstHourly);
      clearInterval(hourly);
      clearInterval(uninstalls);
      // Passes under way end after the piece of work they are doing (a keep-alive pass stops between
      // connections, token-keep-alive.ts).
      await Promise.all([scheduler.stop(), hourlyPass, uninstallPass]);
      slot.set(undefined);
    },
  };
  leaveShutdown = onShutdown("work", "background jobs", () => jobs.stop());
  slot.set(jobs);
  return jobs;
}
