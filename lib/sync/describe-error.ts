/**
 * A run's error in plain words for the settings page and the activity log. SyncRun.error keeps the
 * technical message (for support and the logs); people see one of these sentences instead, each saying
 * what happens next.
 */

const PLAIN: Array<[RegExp, string]> = [
  [/needs to be reconnected/i, "Pleo no longer accepts this connection. Reconnect it to sync again."],
  [/rate limit/i, "Pleo asked the portal to slow down (rate limit). The sync carries on at the next run."],
  [
    /answered HTTP 5\d\d|failed after \d+ attempt|unavailable|backing off|another instance is still refreshing/i,
    "Pleo could not be reached or had a temporary problem. The sync is retried automatically.",
  ],
  [
    /unexpected response/i,
    "Pleo sent data the portal could not read. The sync is retried; support can see why in the logs.",
  ],
  [/lease lost/i, "Another portal instance took over this sync."],
  [
    /process running this sync stopped/i,
    "The portal restarted during this sync; the next run carried on from where it stopped.",
  ],
  [/No Pleo connection/i, "The company was disconnected while this sync ran."],
  [/^stopped$/i, "The sync was stopped (the portal was shutting down or the company was disconnected)."],
  [
    /answered HTTP 4\d\d/i,
    "Pleo refused a request of the sync. It is retried automatically; if it keeps failing, reconnect.",
  ],
];

export function plainSyncError(error: string | null): string | null {
  if (!error) return null;
  for (const [pattern, sentence] of PLAIN) if (pattern.test(error)) return sentence;
  return "The sync failed unexpectedly. It is retried automatically.";
}
