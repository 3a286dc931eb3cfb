import "server-only";

import { db } from "@/lib/db";
import { SYNC_DEFAULTS } from "@/lib/sync/config";

/** A connection's sync settings, with the defaults for a company that has none. */
export type SyncSettings = { windowDays: number; intervalMs: number };

/** Reads only the two setting columns of the company's PleoConnection (never its token columns). */
export async function readSyncSettings(companyId: string): Promise<SyncSettings> {
  const connection = await db.pleoConnection.findUnique({
    where: { companyId },
    select: { syncWindowDays: true, syncIntervalMinutes: true },
  });
  return {
    windowDays: connection?.syncWindowDays ?? SYNC_DEFAULTS.windowDays,
    intervalMs: (connection?.syncIntervalMinutes ?? SYNC_DEFAULTS.intervalMinutes) * 60_000,
  };
}
