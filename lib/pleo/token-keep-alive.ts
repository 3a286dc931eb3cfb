import "server-only";

import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { Logger } from "@/lib/log";
import { isShuttingDown } from "@/lib/ops/shutdown";
import { NeedsReauthError } from "@/lib/pleo/errors";
import type { RefreshResult } from "@/lib/pleo/token-refresh";
import { listIdleConnections } from "@/lib/pleo/token-store";

/**
 * Keep-alive: refresh connections whose refresh token is older than `olderThanDays`, so a grant that
 * no request uses never reaches the end of its (≥ 60-day) refresh token. Each refresh goes through the
 * token manager's usual path (single flight, lock, lease), in "keepalive" mode.
 */

export type KeepAliveReport = {
  checked: number;
  refreshed: string[];
  skipped: string[];
  needsReauth: string[];
  failed: Array<{ companyId: string; error: string }>;
};

export async function keepAliveIdleConnections(
  deps: {
    prisma: PrismaClient;
    log: Logger;
    now: () => number;
    /** Refresh one company if its refresh token was issued before `idleBefore`. */
    refreshIfIdle: (companyId: string, idleBefore: Date) => Promise<RefreshResult>;
  },
  opts: { olderThanDays?: number } = {},
): Promise<KeepAliveReport> {
  const days = opts.olderThanDays ?? 7;
  const idleBefore = new Date(deps.now() - days * 24 * 3600 * 1000);
  const due = await listIdleConnections(deps.prisma, idleBefore, new Date(deps.now()));
  const report: KeepAliveReport = { checked: due.length, refreshed: [], skipped: [], needsReauth: [], failed: [] };
  // One at a time: keep-alive is background work and must not burst the token endpoint.
  for (const companyId of due) {
    // A shutting-down instance finishes the refresh it is doing and leaves the rest to the next pass.
    if (isShuttingDown()) break;
    try {
      const r = await deps.refreshIfIdle(companyId, idleBefore);
      (r.refreshed ? report.refreshed : report.skipped).push(companyId);
    } catch (err) {
      if (err instanceof NeedsReauthError) report.needsReauth.push(companyId);
      else report.failed.push({ companyId, error: (err as Error).message });
    }
  }
  deps.log.info(
    {
      event: "pleo.token.keepalive",
      olderThanDays: days,
      checked: report.checked,
      refreshed: report.refreshed.length,
      needsReauth: report.needsReauth.length,
      failed: report.failed.length,
    },
    "token keep-alive done",
  );
  return report;
}
