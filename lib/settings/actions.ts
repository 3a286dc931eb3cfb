import "server-only";

import { z } from "zod";
import { attemptUninstall, getDisconnectionForViewer } from "@/lib/connections/disconnections";
import { configureInstallation, installationFailureText, refreshInstallation } from "@/lib/connections/installation";
import { getConnectionForViewer, type ConnectionSummary, type Viewer } from "@/lib/connections/queries";
import { readCompanyTimeZone, readConnectionSettings } from "@/lib/connections/settings";
import { historyStart } from "@/lib/history-window";
import { isUuid } from "@/lib/ids";
import { logger } from "@/lib/log";
import { byUser, recordEvent } from "@/lib/pleo/activity";
import { db } from "@/lib/db";
import { deleteHiddenEntries } from "@/lib/sync/company-data";
import { requestSync } from "@/lib/sync/trigger";
import type { ActionState } from "@/lib/settings/action-state";
import { AlreadyDisconnectedError, disconnectCompany } from "@/lib/settings/disconnect";
import { CHANGE_WINDOWS, FREQUENCIES, HISTORY_WINDOWS, valuesOf } from "@/lib/settings/options";
import { installationMetadata, saveSettings } from "@/lib/settings/save-settings";

/**
 * lib/settings is the integration settings page's work (Pleo's "Settings URL", README "Settings"): the
 * actions behind its forms (this file), saving settings (save-settings.ts), disconnecting
 * (disconnect.ts) and the page's reads (read.ts), composed from lib/connections (links, sessions,
 * installation, disconnections), lib/sync (schedule, synced data) and lib/pleo (activity log, scopes).
 * It may import those and lib/db, never lib/auth or lib/expenses; only app/ imports it (eslint.config.mjs).
 *
 * Each action here takes the session's Viewer and the submitted FormData, and answers an ActionState:
 * input validated with zod (a readable message per field), then the ownership check — a company (or a
 * disconnect) outside the session's scope answers "not found" and changes nothing, exactly like one that
 * does not exist — then the work, idempotent (repeating an action leaves the same state). The server
 * actions in app/(portal)/settings/integrations/pleo/actions.ts only add the session and revalidation.
 */

export const NOT_FOUND: ActionState = {
  status: "error",
  message: "That company was not found. It may have been disconnected, or it is not open in this session.",
};

const companyId = z
  .string({ error: "The company is missing." })
  .trim()
  .refine(isUuid, { message: "That company id is not valid." })
  .transform((s) => s.toLowerCase());

const choice = <T extends readonly { value: string }[]>(options: T, message: string) =>
  z.enum(options.map((o) => o.value) as [T[number]["value"], ...T[number]["value"][]], { error: message });

export const CompanyInput = z.object({ companyId });

export const SettingsInput = z.object({
  companyId,
  frequency: choice(FREQUENCIES, "Choose how often to sync."),
  history: choice(HISTORY_WINDOWS, "Choose how much history to keep."),
  changesWindow: choice(CHANGE_WINDOWS, "Choose how many days to recheck."),
});

export const DisconnectInput = z.object({
  companyId,
  data: z.enum(["keep", "delete"], { error: "Choose whether to keep or delete the synced data." }),
});

export const RetryUninstallInput = z.object({
  disconnectionId: z
    .string({ error: "The disconnect is missing." })
    .regex(/^[a-z0-9]{10,40}$/i, { message: "That disconnect id is not valid." }),
});

function fields(form: FormData, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(names.map((n) => [n, form.get(n) ?? undefined]));
}

type Parsed<T> = { ok: true; data: T } | { ok: false; state: ActionState };

function parse<T>(schema: z.ZodType<T>, form: FormData, names: readonly string[]): Parsed<T> {
  const r = schema.safeParse(fields(form, names));
  if (r.success) return { ok: true, data: r.data };
  const fieldErrors: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const key = String(issue.path[0] ?? "form");
    fieldErrors[key] ??= issue.message;
  }
  // A bad company id is "not found", whatever it looks like: no hint about which ids exist.
  if (fieldErrors.companyId) return { ok: false, state: { ...NOT_FOUND, at: Date.now() } };
  return {
    ok: false,
    state: { status: "error", message: "Check the highlighted fields.", fieldErrors, at: Date.now() },
  };
}

const answer = (status: ActionState["status"], message: string): ActionState => ({ status, message, at: Date.now() });

/**
 * The ownership check of every company action, before anything else is looked at: the connection, if
 * the submitted company id is one the viewer's session may see; otherwise NOT_FOUND.
 */
async function ownedCompany(
  viewer: Viewer,
  form: FormData,
): Promise<{ ok: true; connection: ConnectionSummary } | { ok: false; state: ActionState }> {
  const p = parse(CompanyInput, form, ["companyId"]);
  if (!p.ok) return p;
  const connection = await getConnectionForViewer(viewer, p.data.companyId);
  return connection ? { ok: true, connection } : { ok: false, state: { ...NOT_FOUND, at: Date.now() } };
}

/** Save the settings form; then the schedule, a backfill and the installation follow (save-settings.ts). */
export async function handleSaveSettings(viewer: Viewer, form: FormData, now = new Date()): Promise<ActionState> {
  const o = await ownedCompany(viewer, form);
  if (!o.ok) return o.state;
  const { connection } = o;
  const p = parse(SettingsInput, form, ["companyId", "frequency", "history", "changesWindow"]);
  if (!p.ok) return p.state;
  const values = { frequency: p.data.frequency, history: p.data.history, changesWindow: p.data.changesWindow };
  const r = await saveSettings(connection, values, viewer.userId, now);
  const parts = [r.changes.length > 0 ? "Settings saved." : "Settings saved (nothing changed)."];
  if (r.backfill === "started") parts.push("Fetching the older expenses the wider history window includes.");
  if (r.backfill === "queued") parts.push("The older expenses are fetched as soon as the running sync ends.");
  if (r.installation?.ok && r.installation.activated) parts.push("Pleo now shows the installation as active.");
  if (r.installation && !r.installation.ok) {
    parts.push(
      `${installationFailureText(r.installation.reason)} Use “Activate” under Connection health to try again.`,
    );
    return { status: "info", message: parts.join(" "), at: Date.now() };
  }
  if (connection.status !== "CONNECTED") parts.push("Reconnect the company to update its installation at Pleo.");
  return answer("success", parts.join(" "));
}

/** "Activate": store the settings' summary on the installation and activate it (after a failed first try). */
export async function handleActivateInstallation(viewer: Viewer, form: FormData): Promise<ActionState> {
  const o = await ownedCompany(viewer, form);
  if (!o.ok) return o.state;
  const { connection } = o;
  if (connection.status !== "CONNECTED") return answer("error", "Reconnect the company before activating it.");
  const settings = await readConnectionSettings(connection.companyId);
  if (!settings?.settingsSavedAt) return answer("error", "Save the settings first: activation follows the first save.");
  const r = await configureInstallation(
    connection.companyId,
    installationMetadata(valuesOf(settings)),
    byUser(viewer.userId),
  );
  if (!r.ok) return answer("error", installationFailureText(r.reason));
  return answer(
    "success",
    r.activated ? "Pleo now shows the installation as active." : "The installation is up to date.",
  );
}

/** "Check now": ask Pleo for the installation's status. */
export async function handleCheckInstallation(viewer: Viewer, form: FormData): Promise<ActionState> {
  const o = await ownedCompany(viewer, form);
  if (!o.ok) return o.state;
  const { connection } = o;
  if (connection.status !== "CONNECTED") return answer("error", "Reconnect the company before checking it at Pleo.");
  const r = await refreshInstallation(connection.companyId);
  if (!r.ok) return answer("error", installationFailureText(r.reason, "check"));
  return answer("success", "Installation status updated from Pleo.");
}

/** "Sync now". */
export async function handleSyncNow(viewer: Viewer, form: FormData): Promise<ActionState> {
  const o = await ownedCompany(viewer, form);
  if (!o.ok) return o.state;
  const { connection } = o;
  if (connection.status !== "CONNECTED") return answer("error", "Reconnect the company to Pleo before syncing.");
  try {
    const r = await requestSync(connection.companyId, "manual", { requestedBy: viewer.userId });
    return r.started
      ? answer("success", "Sync started.")
      : answer("info", `${r.reason ?? "A sync is already running"}.`);
  } catch (err) {
    logger().error({ module: "settings", companyId: connection.companyId, err }, "sync now failed");
    return answer("error", "The sync could not be started. Try again in a moment.");
  }
}

/** "Delete hidden expenses": drop the entries the history window hides (a separate, confirmed request). */
export async function handleDeleteHidden(viewer: Viewer, form: FormData, now = new Date()): Promise<ActionState> {
  const o = await ownedCompany(viewer, form);
  if (!o.ok) return o.state;
  const { connection } = o;
  const settings = await readConnectionSettings(connection.companyId);
  const before = historyStart(settings?.historyMonths ?? null, now, await readCompanyTimeZone(connection.companyId));
  if (!before) return answer("info", "The history window keeps everything: nothing is hidden.");
  const r = await deleteHiddenEntries(connection.companyId, before);
  if (!r.ok) return answer("error", "A sync is running. Try again when it has finished.");
  if (r.deleted > 0) {
    await recordEvent(db, {
      companyId: connection.companyId,
      type: "hidden_entries_deleted",
      actor: byUser(viewer.userId),
      detail: `${r.deleted} entries performed before ${before.toISOString().slice(0, 10)} deleted.`,
      at: now,
    });
  }
  return answer(
    "success",
    r.deleted > 0 ? `${r.deleted} hidden expenses deleted.` : "No hidden expenses were left to delete.",
  );
}

export type DisconnectState = ActionState & { disconnectionId?: string };

/** "Disconnect" (the dialog): keep or delete the data; the uninstall at Pleo follows (disconnect.ts). */
export async function handleDisconnect(viewer: Viewer, form: FormData): Promise<DisconnectState> {
  const o = await ownedCompany(viewer, form);
  if (!o.ok) return o.state;
  const { connection } = o;
  const p = parse(DisconnectInput, form, ["companyId", "data"]);
  if (!p.ok) return p.state;
  try {
    const r = await disconnectCompany({
      connection,
      userId: viewer.userId,
      sessionId: viewer.sessionId ?? null,
      keepData: p.data.data === "keep",
    });
    const uninstall = r.uninstall === "pending" ? `The uninstall at Pleo is pending: ${r.detail}` : r.detail;
    return {
      ...answer("success", `${connection.companyName} is disconnected. ${uninstall}`),
      disconnectionId: r.disconnectionId,
    };
  } catch (err) {
    if (err instanceof AlreadyDisconnectedError)
      return answer("info", `${connection.companyName} is already disconnected.`);
    throw err;
  }
}

/** "Retry now" on a pending uninstall (only the session that disconnected sees it). */
export async function handleRetryUninstall(viewer: Viewer, form: FormData): Promise<ActionState> {
  const p = parse(RetryUninstallInput, form, ["disconnectionId"]);
  if (!p.ok) return { status: "error", message: "That disconnect was not found.", at: Date.now() };
  const d = await getDisconnectionForViewer(viewer, p.data.disconnectionId);
  if (!d) return { status: "error", message: "That disconnect was not found.", at: Date.now() };
  if (d.uninstallStatus !== "pending") return answer("info", d.uninstallDetail ?? "The uninstall at Pleo is finished.");
  const r = await attemptUninstall(d.id, { actor: byUser(viewer.userId) });
  if (!r.claimed) return answer("info", "The uninstall is being retried right now. Check again in a moment.");
  return answer(r.status === "pending" ? "error" : "success", r.detail);
}
