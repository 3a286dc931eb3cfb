import "server-only";

import type { ConnectionSummary } from "@/lib/connections/queries";
import { db } from "@/lib/db";
import { historyStart } from "@/lib/history-window";
import { isTimeZone } from "@/lib/time-zone";
import type { EventType } from "@/lib/pleo/activity";
import { checkScopes, type ScopeCheck } from "@/lib/pleo/scopes";
import { REFRESH_TOKEN_LIFETIME_MS } from "@/lib/pleo/token-store";
import { countStoredEntries } from "@/lib/sync/company-data";
import { plainSyncError } from "@/lib/sync/describe-error";
import { getSyncProgress, type SyncProgress } from "@/lib/sync/progress";
import { valuesOf, type SettingsValues } from "@/lib/settings/options";

/**
 * Reads for the settings page, one per panel (each streams in behind its own Suspense boundary): health,
 * sync, settings, activity. Callers pass a connection they got from lib/connections for the session's
 * viewer (the ownership check); nothing here reads a token value: only when tokens were issued.
 */

const DAY = 24 * 3600 * 1000;

export type Tone = "good" | "warn" | "bad" | "neutral";

export type HealthStatus = {
  kind: "connected" | "needs_reconnect" | "disconnected" | "error";
  label: string;
  tone: Tone;
  /** The reason in plain words. */
  reason: string;
  since: Date;
};

export type TokenAge = {
  issuedAt: Date;
  /** The 60-day mark Pleo guarantees at least (it may end the token earlier). */
  horizonAt: Date;
  daysLeft: number;
  level: "ok" | "warning" | "error";
};

export type InstallationView = {
  status: string | null;
  errorCode: string | null;
  checkedAt: Date | null;
  label: string;
  tone: Tone;
  explanation: string;
};

export type Health = {
  status: HealthStatus;
  companyId: string;
  scopes: ScopeCheck[];
  installation: InstallationView;
  token: TokenAge;
  settingsSavedAt: Date | null;
  /** Pleo accepts the connection now (read with the rest of the panel, not from the page's earlier read). */
  connected: boolean;
  /** The installation can be activated at Pleo now: connected, settings saved, not active yet. */
  canActivate: boolean;
};

/** Warn this long before the refresh token's 60-day mark, and call it an error this long before. */
export const TOKEN_WARNING_DAYS = 14;
export const TOKEN_ERROR_DAYS = 7;

export function tokenAge(issuedAt: Date, expiresAt: Date | null, now: Date): TokenAge {
  const horizonAt = expiresAt ?? new Date(issuedAt.getTime() + REFRESH_TOKEN_LIFETIME_MS);
  const daysLeft = (horizonAt.getTime() - now.getTime()) / DAY;
  const level = daysLeft <= TOKEN_ERROR_DAYS ? "error" : daysLeft <= TOKEN_WARNING_DAYS ? "warning" : "ok";
  return { issuedAt, horizonAt, daysLeft, level };
}

const ERROR_CODES: Record<string, string> = {
  NOT_ENTITLED: "the company's Pleo plan does not include this app",
  AUTH_ERROR: "Pleo reports a problem with the app's authorisation",
};

export function installationView(
  i: { status: string | null; errorCode: string | null; checkedAt: Date | null },
  settingsSaved: boolean,
): InstallationView {
  const base = { status: i.status, errorCode: i.errorCode, checkedAt: i.checkedAt };
  switch (i.status) {
    case "ACTIVATED":
      return { ...base, label: "Active", tone: "good", explanation: "Pleo lists the portal as installed and active." };
    case "AUTHORIZED":
      return {
        ...base,
        label: "Authorised, not activated",
        tone: "warn",
        explanation: settingsSaved
          ? "The settings are saved but Pleo has not activated the installation yet: activate it."
          : "Save the settings below once to activate the installation in Pleo.",
      };
    case "PENDING_INTEGRATION":
      return {
        ...base,
        label: "Pending integration",
        tone: "warn",
        explanation: "Pleo waits for the portal to finish setting up the integration: activate it.",
      };
    case "INACTIVE":
      return { ...base, label: "Inactive", tone: "neutral", explanation: "Pleo marks the installation as not in use." };
    case "ERROR":
      return {
        ...base,
        label: "Error",
        tone: "bad",
        explanation: `Pleo reports an error with the installation${i.errorCode ? `: ${ERROR_CODES[i.errorCode] ?? i.errorCode}` : ""}.`,
      };
    case null:
      return i.checkedAt
        ? {
            ...base,
            label: "Not found at Pleo",
            tone: "bad",
            explanation: "Pleo has no installation of the portal for this company: reconnect to create it.",
          }
        : { ...base, label: "Not checked yet", tone: "neutral", explanation: "The portal has not asked Pleo yet." };
    default:
      return { ...base, label: i.status, tone: "neutral", explanation: "A status the portal does not know." };
  }
}

/** The oldest start of the current run of failed syncs (since when the sync has been failing). */
async function failingSince(companyId: string, failures: number): Promise<Date | null> {
  if (failures <= 0) return null;
  const runs = await db.syncRun.findMany({
    where: { companyId, status: { in: ["failed", "needs_reauth"] } },
    orderBy: { startedAt: "desc" },
    take: failures,
    select: { startedAt: true },
  });
  return runs.at(-1)?.startedAt ?? null;
}

/** Failed syncs in a row from which the status reads "Error" (a single failure is retried quietly). */
const ERROR_AFTER_FAILURES = 3;

export async function readHealth(connection: ConnectionSummary, now = new Date()): Promise<Health> {
  const { companyId } = connection;
  const [row, state] = await Promise.all([
    db.pleoConnection.findUniqueOrThrow({
      where: { companyId },
      // Timestamps and counters only: never the sealed tokens.
      select: {
        status: true,
        statusReason: true,
        statusChangedAt: true,
        refreshTokenIssuedAt: true,
        refreshTokenExpiresAt: true,
        refreshFailures: true,
        nextRefreshAttemptAt: true,
        installationStatus: true,
        installationErrorCode: true,
        installationCheckedAt: true,
        settingsSavedAt: true,
        syncEnabled: true,
      },
    }),
    db.syncState.findUnique({ where: { companyId }, select: { consecutiveFailures: true, lastError: true } }),
  ]);
  const installation = installationView(
    { status: row.installationStatus, errorCode: row.installationErrorCode, checkedAt: row.installationCheckedAt },
    Boolean(row.settingsSavedAt),
  );
  const failures = state?.consecutiveFailures ?? 0;
  let status: HealthStatus;
  if (row.status === "NEEDS_REAUTH" && row.statusReason?.startsWith("invalid_grant")) {
    status = {
      kind: "disconnected",
      label: "Disconnected in Pleo",
      tone: "bad",
      reason:
        "Pleo no longer accepts this connection: the app was removed in Pleo, or its access was revoked. Syncing has stopped; reconnect to resume.",
      since: row.statusChangedAt,
    };
  } else if (row.status === "NEEDS_REAUTH") {
    status = {
      kind: "needs_reconnect",
      label: "Needs reconnect",
      tone: "warn",
      reason: row.statusReason?.startsWith("refresh_interrupted")
        ? "A token refresh was interrupted and Pleo no longer accepts the stored token. Syncing has stopped; reconnect to resume."
        : "Pleo no longer accepts this connection's authorisation. Syncing has stopped; reconnect to resume.",
      since: row.statusChangedAt,
    };
  } else if (row.status === "DISCONNECTED") {
    status = {
      kind: "disconnected",
      label: "Disconnected",
      tone: "neutral",
      reason: "This company is disconnected.",
      since: row.statusChangedAt,
    };
  } else if (failures >= ERROR_AFTER_FAILURES) {
    status = {
      kind: "error",
      label: "Error",
      tone: "bad",
      reason: `The last ${failures} syncs failed. ${plainSyncError(state?.lastError ?? null) ?? ""}`.trim(),
      since: (await failingSince(companyId, failures)) ?? row.statusChangedAt,
    };
  } else if (row.refreshFailures > 0) {
    status = {
      kind: "error",
      label: "Error",
      tone: "bad",
      reason: `Pleo has not renewed the access token ${row.refreshFailures === 1 ? "once" : `${row.refreshFailures} times in a row`}; the portal keeps trying.`,
      since: row.nextRefreshAttemptAt ?? now,
    };
  } else if (row.installationStatus === "ERROR") {
    status = {
      kind: "error",
      label: "Error",
      tone: "bad",
      reason: installation.explanation,
      since: row.installationCheckedAt ?? row.statusChangedAt,
    };
  } else {
    status = {
      kind: "connected",
      label: "Connected",
      tone: "good",
      reason: row.syncEnabled
        ? "Pleo accepts the connection and the schedule keeps the data up to date."
        : "Pleo accepts the connection; syncs run only when you start them.",
      since: row.statusChangedAt,
    };
  }
  return {
    status,
    companyId,
    scopes: checkScopes(connection.scopes),
    installation,
    token: tokenAge(row.refreshTokenIssuedAt, row.refreshTokenExpiresAt, now),
    settingsSavedAt: row.settingsSavedAt,
    connected: row.status === "CONNECTED",
    // INACTIVE and ERROR are Pleo's to change; unknown (null) may just be a check that failed.
    canActivate:
      row.status === "CONNECTED" &&
      Boolean(row.settingsSavedAt) &&
      [null, "AUTHORIZED", "PENDING_INTEGRATION"].includes(row.installationStatus),
  };
}

export type RunRow = {
  id: string;
  kind: string;
  trigger: string;
  status: string;
  startedAt: Date;
  durationMs: number | null;
  created: number;
  updated: number;
  deleted: number;
  error: string | null;
};

export type SyncPanel = {
  progress: SyncProgress;
  runs: RunRow[];
  scheduled: boolean;
  intervalMinutes: number;
  canSync: boolean;
};

export const RUNS_SHOWN = 20;

export async function readSyncPanel(connection: ConnectionSummary): Promise<SyncPanel> {
  const { companyId } = connection;
  const [progress, runs, settings] = await Promise.all([
    getSyncProgress(companyId),
    db.syncRun.findMany({
      where: { companyId },
      orderBy: { startedAt: "desc" },
      take: RUNS_SHOWN,
      select: {
        id: true,
        kind: true,
        trigger: true,
        status: true,
        startedAt: true,
        finishedAt: true,
        created: true,
        updated: true,
        deleted: true,
        error: true,
      },
    }),
    db.pleoConnection.findUniqueOrThrow({
      where: { companyId },
      // The status is read here, beside the runs, not taken from the page's earlier read: a run that
      // ends in needs-reconnect between the two would otherwise leave "Sync now" enabled with no
      // refresh to follow (RefreshWhile stops once the run is over).
      select: { syncEnabled: true, syncIntervalMinutes: true, status: true },
    }),
  ]);
  const connected = settings.status === "CONNECTED";
  return {
    progress,
    runs: runs.map((r) => ({
      id: r.id,
      kind: r.kind,
      trigger: r.trigger,
      status: r.status,
      startedAt: r.startedAt,
      durationMs: r.finishedAt ? r.finishedAt.getTime() - r.startedAt.getTime() : null,
      created: r.created,
      updated: r.updated,
      deleted: r.deleted,
      error: plainSyncError(r.error),
    })),
    scheduled: settings.syncEnabled && connected,
    intervalMinutes: settings.syncIntervalMinutes,
    canSync: connected,
  };
}

export type SettingsPanel = {
  values: SettingsValues;
  savedAt: Date | null;
  /** The history window's start now (null: everything), a local midnight in `timeZone`. */
  windowStart: Date | null;
  /** The zone the history window's months are cut in: the company's (UTC when unknown). */
  timeZone: string;
  entries: { total: number; hidden: number };
};

export async function readSettingsPanel(connection: ConnectionSummary, now = new Date()): Promise<SettingsPanel> {
  const row = await db.pleoConnection.findUniqueOrThrow({
    where: { companyId: connection.companyId },
    select: {
      syncEnabled: true,
      syncIntervalMinutes: true,
      syncWindowDays: true,
      historyMonths: true,
      settingsSavedAt: true,
      company: { select: { timeZone: true } },
    },
  });
  const windowStart = historyStart(row.historyMonths, now, row.company.timeZone);
  return {
    values: valuesOf(row),
    savedAt: row.settingsSavedAt,
    windowStart,
    timeZone: row.company.timeZone && isTimeZone(row.company.timeZone) ? row.company.timeZone : "UTC",
    entries: await countStoredEntries(connection.companyId, windowStart),
  };
}

export type ActivityItem = {
  id: string;
  at: Date;
  type: EventType;
  actor: "you" | "another_user" | "scheduler" | "pleo";
  detail: string | null;
};

export type ActivityPage = { items: ActivityItem[]; page: number; pageCount: number; total: number };

export const ACTIVITY_PAGE_SIZE = 20;

/** The company's activity log, newest first, one page (`page` from 1; out of range → the last page). */
export async function readActivity(
  connection: ConnectionSummary,
  viewerUserId: string,
  page: number,
): Promise<ActivityPage> {
  const where = { companyId: connection.companyId };
  const total = await db.connectionEvent.count({ where });
  const pageCount = Math.max(1, Math.ceil(total / ACTIVITY_PAGE_SIZE));
  const current = Math.min(Math.max(1, Math.floor(page) || 1), pageCount);
  const rows = await db.connectionEvent.findMany({
    where,
    orderBy: [{ at: "desc" }, { id: "desc" }],
    skip: (current - 1) * ACTIVITY_PAGE_SIZE,
    take: ACTIVITY_PAGE_SIZE,
    select: { id: true, at: true, type: true, actor: true, actorUserId: true, detail: true },
  });
  return {
    total,
    page: current,
    pageCount,
    items: rows.map((r) => ({
      id: r.id.toString(),
      at: r.at,
      type: r.type as EventType,
      actor:
        r.actor === "user"
          ? r.actorUserId === viewerUserId
            ? "you"
            : "another_user"
          : r.actor === "pleo"
            ? "pleo"
            : "scheduler",
      detail: r.detail,
    })),
  };
}

/** Stored entries, for the disconnect dialog ("delete 1,234 entries"). */
export async function readEntryCount(connection: ConnectionSummary): Promise<number> {
  return (await countStoredEntries(connection.companyId, null)).total;
}
