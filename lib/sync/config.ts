/** Sync defaults. Per-connection settings (interval, window, history) live on PleoConnection. */
export const SYNC_DEFAULTS = {
  /** Pleo's maximum page size for accounting entries. */
  pageSize: 100,
  /** A holder that stops renewing loses the lease after this long (a dead process blocks no longer). */
  leaseTtlMs: 60_000,
  /** Full reconcile (entries that vanished from Pleo are marked deleted) at most this often. */
  reconcileIntervalMs: 24 * 60 * 60 * 1000,
  /** Trailing window of the incremental scan, by performedAt (PleoConnection.syncWindowDays). */
  windowDays: 60,
  /** Scheduled run every N minutes (PleoConnection.syncIntervalMinutes). */
  intervalMinutes: 15,
  /** How often each process looks for due companies. */
  schedulerTickMs: 30_000,
  /** Runs one process does at once (others wait for the next tick or another process). */
  maxConcurrentRuns: 3,
  /** SyncRun rows kept per company (the settings page shows recent ones). */
  keepRuns: 500,
  /** First retry after a failed run; doubles per consecutive failure, capped at the interval. */
  failureBackoffMs: 30_000,
} as const;

export type SyncKind = "backfill" | "incremental" | "reconcile";
/** What started a run: the connect flow, "Sync now", the schedule, or a settings change (a wider history window). */
export type SyncTrigger = "connect" | "manual" | "schedule" | "settings";
export type SyncRunStatus = "running" | "succeeded" | "failed" | "aborted" | "needs_reauth" | "abandoned";
