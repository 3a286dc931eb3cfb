"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { getCurrentSessionUser } from "@/lib/auth/session";
import type { ActionState } from "@/lib/settings/action-state";
import {
  handleActivateInstallation,
  handleCheckInstallation,
  handleDeleteHidden,
  handleDisconnect,
  handleRetryUninstall,
  handleSaveSettings,
  handleSyncNow,
} from "@/lib/settings/actions";
import type { Viewer } from "@/lib/connections/queries";
import { overActionLimit } from "@/lib/limits/action-limit";
import type { LimitName } from "@/lib/limits/limits";

/**
 * The settings page's server actions: the signed-in session's viewer, the action itself (validation,
 * ownership, work: lib/settings/actions.ts), then the page re-read. Nothing else happens here.
 */

const SETTINGS_PATH = "/settings/integrations/pleo";
const SIGNED_OUT: ActionState = { status: "error", message: "Your session has ended. Sign in again." };

/** Over the session's limit for an action that calls Pleo (README → Security → Abuse limits): the inline message. */
async function limited(limit: LimitName | undefined): Promise<ActionState | null> {
  const message = limit ? await overActionLimit(limit) : null;
  return message ? { status: "error", message, at: Date.now() } : null;
}

function withViewer(handle: (viewer: Viewer, form: FormData) => Promise<ActionState>, limit?: LimitName) {
  return async (form: FormData): Promise<ActionState> => {
    const viewer = await getCurrentSessionUser();
    if (!viewer) return SIGNED_OUT;
    const over = await limited(limit);
    if (over) return over;
    const state = await handle(viewer, form);
    revalidatePath(SETTINGS_PATH);
    return state;
  };
}

const save = withViewer((v, f) => handleSaveSettings(v, f));
const activate = withViewer(handleActivateInstallation, "settings");
const check = withViewer(handleCheckInstallation, "settings");
const sync = withViewer(handleSyncNow, "sync");
const deleteHidden = withViewer((v, f) => handleDeleteHidden(v, f));
const retry = withViewer(handleRetryUninstall, "settings");

export async function saveSettingsAction(_prev: ActionState, form: FormData) {
  return save(form);
}
export async function activateInstallationAction(_prev: ActionState, form: FormData) {
  return activate(form);
}
export async function checkInstallationAction(_prev: ActionState, form: FormData) {
  return check(form);
}
export async function syncNowAction(_prev: ActionState, form: FormData) {
  return sync(form);
}
export async function deleteHiddenAction(_prev: ActionState, form: FormData) {
  return deleteHidden(form);
}
export async function retryUninstallAction(_prev: ActionState, form: FormData) {
  return retry(form);
}

/** Disconnect; on success the company is gone from this page, so show where its disconnect stands. */
export async function disconnectAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const viewer = await getCurrentSessionUser();
  if (!viewer) return SIGNED_OUT;
  const over = await limited("settings");
  if (over) return over;
  const state = await handleDisconnect(viewer, form);
  // The header, switcher and dashboard list the company too.
  revalidatePath("/", "layout");
  if (state.status === "success" && state.disconnectionId) {
    redirect(`${SETTINGS_PATH}?disconnected=${encodeURIComponent(state.disconnectionId)}#disconnects`);
  }
  return state;
}
