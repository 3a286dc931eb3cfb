import "server-only";

import { configureInstallation, type ConfigureResult } from "@/lib/connections/installation";
import type { ConnectionSummary } from "@/lib/connections/queries";
import { readCompanyTimeZone, readConnectionSettings, writeConnectionSettings } from "@/lib/connections/settings";
import { db } from "@/lib/db";
import { WAIT_FOR_TURN } from "@/lib/db/transactions";
import { historyStart } from "@/lib/history-window";
import { byUser, recordEventIn } from "@/lib/pleo/activity";
import { widensCoverage } from "@/lib/sync/run";
import { rescheduleForInterval } from "@/lib/sync/state";
import { requestSync } from "@/lib/sync/trigger";
import { columnsOf, labelOf, valuesOf, type SettingsValues } from "@/lib/settings/options";

/**
 * Saving a company's settings: the columns and an activity event in one transaction (only when
 * something changed), then what follows from them: the schedule moves to the new frequency (the next
 * run is due one new interval after the last success), a wider history window starts a backfill of the
 * entries newly in range, and the installation at Pleo gets the settings' summary and is activated if it
 * is not yet (lib/connections/installation.ts). Saving the same values again changes nothing, locally or
 * at Pleo (idempotent).
 */

/**
 * The summary stored on Pleo's installation (`metadata`, "not used by any Pleo system"). Pleo documents
 * no size or key limits and not whether PUT replaces or merges it (NOT FOUND): it is sent whole on every
 * update (PUT replaces, as HTTP means) and kept to four short strings, well under a kilobyte.
 */
export function installationMetadata(v: SettingsValues): Record<string, string> {
  return {
    portal: "Pleo Partner Portal",
    syncFrequency: labelOf.frequency(v.frequency),
    historyWindow: labelOf.history(v.history),
    changesWindow: labelOf.changesWindow(v.changesWindow),
  };
}

export type SaveOutcome = {
  /** What changed, in words ("Sync frequency: Hourly → Daily"); empty when nothing did. */
  changes: string[];
  /** A backfill of older entries was started (or will start when the running sync ends). */
  backfill: "started" | "queued" | null;
  /** The installation update at Pleo; null when it was not needed or the connection cannot call Pleo. */
  installation: ConfigureResult | null;
};

export async function saveSettings(
  connection: ConnectionSummary,
  values: SettingsValues,
  userId: string,
  now = new Date(),
): Promise<SaveOutcome> {
  const { companyId } = connection;
  const { changes, first, before } = await db.$transaction(async (tx) => {
    const current = await readConnectionSettings(companyId, tx);
    if (!current) throw new Error(`no connection for company ${companyId}`);
    const old = valuesOf(current);
    const changes = (["frequency", "history", "changesWindow"] as const)
      .filter((k) => old[k] !== values[k])
      .map((k) => `${FIELD_LABEL[k]}: ${label(k, old[k])} → ${label(k, values[k])}`);
    await writeConnectionSettings(tx, companyId, columnsOf(values, current), now);
    if (changes.length > 0 || !current.settingsSavedAt) {
      await recordEventIn(tx, {
        companyId,
        type: "settings_changed",
        actor: byUser(userId),
        detail: changes.length > 0 ? changes.join("; ") : "Settings saved for the first time (defaults kept).",
        at: now,
      });
    }
    return { changes, first: !current.settingsSavedAt, before: old };
  }, WAIT_FOR_TURN);

  const columns = columnsOf(values);
  if (before.frequency !== values.frequency && columns.syncEnabled) {
    await rescheduleForInterval(db, companyId, columns.syncIntervalMinutes * 60_000);
  }

  let backfill: SaveOutcome["backfill"] = null;
  const state = await db.syncState.findUnique({ where: { companyId }, select: { coveredFrom: true } });
  if (
    connection.status === "CONNECTED" &&
    state &&
    widensCoverage(state.coveredFrom, historyStart(columns.historyMonths, now, await readCompanyTimeZone(companyId)))
  ) {
    const r = await requestSync(companyId, "settings", { requestedBy: userId });
    // A run already going sees the change when it ends and starts the next one at once (lib/sync/run.ts).
    backfill = r.started ? "started" : "queued";
  }

  // The installation: on the first save, and whenever the summary it carries changes.
  let installation: ConfigureResult | null = null;
  const installed = connection.status === "CONNECTED";
  if (installed && (first || changes.length > 0 || connection.installationStatus !== "ACTIVATED")) {
    installation = await configureInstallation(companyId, installationMetadata(values), byUser(userId));
  }
  return { changes, backfill, installation };
}

const FIELD_LABEL = { frequency: "Sync frequency", history: "History window", changesWindow: "Recheck window" };

function label(k: keyof SettingsValues, v: string): string {
  if (k === "frequency") return labelOf.frequency(v as SettingsValues["frequency"]);
  if (k === "history") return labelOf.history(v as SettingsValues["history"]);
  return labelOf.changesWindow(v as SettingsValues["changesWindow"]);
}
