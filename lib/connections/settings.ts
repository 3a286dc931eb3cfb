import "server-only";

import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";

/**
 * A connection's settings as the customer saves them (README "Settings"): the schedule (syncEnabled,
 * syncIntervalMinutes), the incremental window (syncWindowDays) and the history window (historyMonths),
 * plus when they were first saved (the installation is activated from then on). lib/sync reads the same
 * columns to run (lib/sync/settings.ts); this is where they are written.
 */

export type ConnectionSettings = {
  syncEnabled: boolean;
  syncIntervalMinutes: number;
  syncWindowDays: number;
  historyMonths: number | null;
  settingsSavedAt: Date | null;
};

const SELECT = {
  syncEnabled: true,
  syncIntervalMinutes: true,
  syncWindowDays: true,
  historyMonths: true,
  settingsSavedAt: true,
} as const;

/** The company's time zone (the calendar its history window is cut in; null: UTC). */
export async function readCompanyTimeZone(companyId: string): Promise<string | null> {
  return (await db.pleoCompany.findUnique({ where: { id: companyId }, select: { timeZone: true } }))?.timeZone ?? null;
}

export async function readConnectionSettings(
  companyId: string,
  tx: Pick<Prisma.TransactionClient, "pleoConnection"> = db,
): Promise<ConnectionSettings | null> {
  return tx.pleoConnection.findUnique({ where: { companyId }, select: SELECT });
}

/** Write the settings (inside the caller's transaction); the first save is remembered. */
export async function writeConnectionSettings(
  tx: Prisma.TransactionClient,
  companyId: string,
  settings: Omit<ConnectionSettings, "settingsSavedAt">,
  now: Date,
): Promise<void> {
  const current = await tx.pleoConnection.findUnique({ where: { companyId }, select: { settingsSavedAt: true } });
  await tx.pleoConnection.update({
    where: { companyId },
    data: { ...settings, ...(current?.settingsSavedAt ? {} : { settingsSavedAt: now }) },
  });
}
