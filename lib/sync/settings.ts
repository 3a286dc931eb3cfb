import "server-only";

import { db } from "@/lib/db";
import { SYNC_DEFAULTS } from "@/lib/sync/config";

/**
 * A connection's sync settings, with the defaults for a company that has none: the incremental window,
 * the schedule's interval (whether the schedule runs at all is the scheduler's `syncEnabled` filter) and
 * the history window in months (null = everything; lib/history-window.ts).
 */
export type SyncSettings = {
  windowDays: number;
  intervalMs: number;
  historyMonths: number | null;
  /** The company's zone, which the history window's months are cut in (null: UTC). */
  timeZone: string | null;
};

/** Reads only the setting columns of the company's PleoConnection (never its token columns). */
export async function readSyncSettings(companyId: string): Promise<SyncSettings> {
  const connection = await db.pleoConnection.findUnique({
    where: { companyId },
    select: {
      syncWindowDays: true,
      syncIntervalMinutes: true,
      historyMonths: true,
      company: { select: { timeZone: true } },
    },
  });
  return {
    windowDays: connection?.syncWindowDays ?? SYNC_DEFAULTS.windowDays,
    intervalMs: (connection?.syncIntervalMinutes ?? SYNC_DEFAULTS.intervalMinutes) * 60_000,
    historyMonths: connection?.historyMonths ?? null,
    timeZone: connection?.company.timeZone ?? null,
  };
}
