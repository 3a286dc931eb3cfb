/**
 * A run's error in plain words, for the dashboard, the settings page and the activity log. SyncRun.error
 * and SyncState.lastError store a stable code (`SyncErrorCode`, chosen by lib/sync/error-code.ts); the
 * technical detail goes to the log only, never to a page. Each sentence says what happens next.
 */

export const SYNC_ERROR_SENTENCES = {
  needs_reconnect: "Pleo no longer accepts this connection. Reconnect it to sync again.",
  rate_limited: "Pleo asked the portal to slow down (rate limit). The sync carries on at the next run.",
  pleo_unavailable: "Pleo could not be reached or had a temporary problem. The sync is retried automatically.",
  unexpected_response:
    "Pleo sent data the portal could not read. The sync is retried; support can see why in the logs.",
  pleo_refused: "Pleo refused a request of the sync. It is retried automatically; if it keeps failing, reconnect.",
  disconnected: "The company was disconnected while this sync ran.",
  lease_lost: "Another portal instance took over this sync.",
  shutdown: "The portal was shutting down; the next run carries on from where this one stopped.",
  stopped: "The sync was stopped (the portal was shutting down or the company was disconnected).",
  interrupted: "The portal restarted during this sync; the next run carried on from where it stopped.",
  internal: "The sync failed unexpectedly. It is retried automatically.",
} as const;

export type SyncErrorCode = keyof typeof SYNC_ERROR_SENTENCES;

export function isSyncErrorCode(value: string): value is SyncErrorCode {
  return Object.hasOwn(SYNC_ERROR_SENTENCES, value);
}

/**
 * Rows written before codes were stored hold the error's message: recognised here, never shown as such.
 * (They age out: runs are pruned to the newest per company, and the next run rewrites SyncState.)
 */
const LEGACY: Array<[RegExp, SyncErrorCode]> = [
  [/needs to be reconnected/i, "needs_reconnect"],
  [/rate limit/i, "rate_limited"],
  [
    /answered HTTP 5\d\d|failed after \d+ attempt|unavailable|backing off|another instance is still refreshing/i,
    "pleo_unavailable",
  ],
  [/unexpected response/i, "unexpected_response"],
  [/lease lost/i, "lease_lost"],
  [/process running this sync stopped/i, "interrupted"],
  [/server shut down/i, "shutdown"],
  [/No Pleo connection/i, "disconnected"],
  [/answered HTTP 4\d\d/i, "pleo_refused"],
];

export function plainSyncError(error: string | null): string | null {
  if (!error) return null;
  if (isSyncErrorCode(error)) return SYNC_ERROR_SENTENCES[error];
  for (const [pattern, code] of LEGACY) if (pattern.test(error)) return SYNC_ERROR_SENTENCES[code];
  return SYNC_ERROR_SENTENCES.internal;
}
