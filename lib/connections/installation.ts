import "server-only";

import { db } from "@/lib/db";
import { logger } from "@/lib/log";
import { recordEvent, type Actor } from "@/lib/pleo/activity";
import { pleoClient, type PleoClient } from "@/lib/pleo/client";
import { isNeedsReauth, isPleoApiError, isPleoRateLimited, isPleoUnavailable } from "@/lib/pleo/errors";
import { INSTALLATION_STATUSES, type Installation, type InstallationUpdate } from "@/lib/pleo/types";

/**
 * The portal's installation at Pleo for a connected company (Pleo's install flow, README "Settings"):
 * the OAuth consent creates it AUTHORIZED; once the customer has saved the settings the first time, the
 * portal stores a short summary of them on it (`PUT /v1/installations/me` with `metadata`) and activates
 * it (`POST /v1/installations/me:activate`), so Pleo shows it ACTIVATED. The last state the portal saw is
 * kept on PleoConnection (installationStatus, installationErrorCode, installationId, installationCheckedAt)
 * so pages never wait on Pleo to show it.
 */

/** The installation as the page shows it; status null = Pleo has none for this company. */
export type InstallationState = {
  status: string | null;
  errorCode: string | null;
  checkedAt: Date;
};

type Client = Pick<PleoClient, "getInstallation" | "updateInstallation" | "activateInstallation">;

/** Why talking to Pleo about the installation did not work, in the words the page uses. */
export type InstallationFailure = "unavailable" | "reconnect" | "missing" | "rejected";

export type ConfigureResult =
  | { ok: true; state: InstallationState; activated: boolean }
  | { ok: false; reason: InstallationFailure; state: InstallationState | null };

const FAILURE_DETAIL: Record<InstallationFailure, string> = {
  unavailable: "Pleo could not be reached to update the installation.",
  reconnect: "Pleo no longer accepts this connection: reconnect before the installation can be updated.",
  missing: "Pleo has no installation of the portal for this company: reconnect to create it.",
  rejected: "Pleo refused the installation update.",
};

const CHECK_FAILURE: Record<InstallationFailure, string> = {
  ...FAILURE_DETAIL,
  unavailable: "Pleo could not be reached to check the installation.",
  rejected: "Pleo refused to tell the installation's status.",
};

/** Why an installation update (or, with "check", a status check) did not work, in the page's words. */
export function installationFailureText(reason: InstallationFailure, what?: "update" | "check"): string {
  return (what === "check" ? CHECK_FAILURE : FAILURE_DETAIL)[reason];
}

async function store(companyId: string, installation: Installation | null, at: Date): Promise<InstallationState> {
  await db.pleoConnection.updateMany({
    where: { companyId },
    data: {
      installationId: installation?.id ?? null,
      installationStatus: installation?.status ?? null,
      installationErrorCode: installation?.errorCode ?? null,
      installationCheckedAt: at,
    },
  });
  return { status: installation?.status ?? null, errorCode: installation?.errorCode ?? null, checkedAt: at };
}

function failureOf(err: unknown): InstallationFailure | null {
  if (isNeedsReauth(err)) return "reconnect";
  if (isPleoRateLimited(err) || isPleoUnavailable(err)) return "unavailable";
  if (isPleoApiError(err)) return err.status === 401 ? "reconnect" : "rejected";
  return null;
}

/** `GET /v1/installations/me`: what Pleo says now, stored for the page. */
export async function refreshInstallation(
  companyId: string,
  client: Client = pleoClient(companyId),
): Promise<{ ok: true; state: InstallationState } | { ok: false; reason: InstallationFailure }> {
  try {
    return { ok: true, state: await store(companyId, await client.getInstallation(), new Date()) };
  } catch (err) {
    const reason = failureOf(err);
    if (!reason) throw err;
    logger().warn({ module: "installation", companyId, err }, "installation check failed");
    return { ok: false, reason };
  }
}

// A list of strings never includes null: no separate null check.
const known = <T extends string>(list: readonly T[], v: string | null): v is T => list.includes(v as T);

/**
 * Store the settings summary on the installation and activate it if it is not active yet (AUTHORIZED or
 * PENDING_INTEGRATION; an installation Pleo marked INACTIVE or ERROR keeps that status: it is Pleo's to
 * change). PUT replaces, so it carries the current status and error code unchanged with the new metadata.
 * Idempotent: repeating it leaves the same state at Pleo. Failures are recorded in the activity log.
 */
export async function configureInstallation(
  companyId: string,
  metadata: Record<string, string>,
  actor: Actor,
  client: Client = pleoClient(companyId),
): Promise<ConfigureResult> {
  let last: InstallationState | null = null;
  try {
    const current = await client.getInstallation();
    if (!current) {
      last = await store(companyId, null, new Date());
      return fail("missing");
    }
    const update: InstallationUpdate = {
      status: known(INSTALLATION_STATUSES, current.status) ? current.status : "AUTHORIZED",
      ...(known(["NOT_ENTITLED", "AUTH_ERROR"] as const, current.errorCode) ? { errorCode: current.errorCode } : {}),
      metadata,
    };
    let installation = await client.updateInstallation(update);
    last = await store(companyId, installation, new Date());
    const activate = installation.status === "AUTHORIZED" || installation.status === "PENDING_INTEGRATION";
    if (activate) {
      installation = await client.activateInstallation();
      last = await store(companyId, installation, new Date());
      await recordEvent(db, {
        companyId,
        type: "installation_activated",
        actor,
        detail: `Pleo shows the installation as ${installation.status}.`,
        at: last.checkedAt,
      });
    }
    return { ok: true, state: last, activated: activate };
  } catch (err) {
    const reason = failureOf(err);
    if (!reason) throw err;
    logger().warn({ module: "installation", companyId, err }, "installation update failed");
    return fail(reason);
  }

  async function fail(reason: InstallationFailure): Promise<ConfigureResult> {
    await recordEvent(db, { companyId, type: "installation_update_failed", actor, detail: FAILURE_DETAIL[reason] });
    return { ok: false, reason, state: last };
  }
}
