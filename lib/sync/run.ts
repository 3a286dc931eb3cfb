import "server-only";

import { db } from "@/lib/db";
import { historyStart } from "@/lib/history-window";
import { logger as rootLogger, type Logger } from "@/lib/log";
import { addToLogContext, withLogContext } from "@/lib/log-context";
import { byUser, recordEvent, SCHEDULER, type Actor } from "@/lib/pleo/activity";
import { isNeedsReauth } from "@/lib/pleo/errors";
import { SYNC_DEFAULTS, type SyncKind, type SyncRunStatus, type SyncTrigger } from "@/lib/sync/config";
import { acquireLease, LeaseLostError, newLeaseOwner, releaseLease, startHeartbeat } from "@/lib/sync/lease";
import { isSyncErrorCode, plainSyncError, type SyncErrorCode } from "@/lib/sync/describe-error";
import { syncErrorCode } from "@/lib/sync/error-code";
import {
  backfill,
  incremental,
  reconcile,
  refreshDirectory,
  type BackfillPlan,
  type RunContext,
} from "@/lib/sync/passes";
import { abandonStaleRuns, finishRun, pruneRuns, startRun } from "@/lib/sync/run-history";
import { SyncAbortedError } from "@/lib/sync/scan-entries";
import { readSyncSettings } from "@/lib/sync/settings";
import { sourceForCompany, type SyncSource } from "@/lib/sync/source";
import { readRunState, recordFailure, recordSuccess, type RunState } from "@/lib/sync/state";
import { emptyCounts, type WriteCounts } from "@/lib/sync/write-entries";

/**
 * lib/sync keeps a copy of each linked company's Pleo data in the portal's database, so pages never
 * wait on Pleo. It owns the synced tables and their writes (write-entries.ts, write-directory.ts), the
 * SyncState row (lease.ts for the lease, state.ts for the rest) and the SyncRun history
 * (run-history.ts); it starts runs (trigger.ts, scheduler.ts, background.ts) and reports their
 * progress (progress.ts); company-data.ts removes a company's data on request. This file is one run;
 * passes.ts does its work. It must not import lib/auth, lib/expenses (they read what it writes) or
 * lib/settings (it composes this), and it reaches Pleo only through lib/pleo's client
 * (source.ts names the part it uses), never with requests of its own.
 *
 * One sync run for one company, under the company's lease:
 *   backfill    – until the first full pass completes: every entry in the history window (deleted ones
 *                 included), newest first, 100 per page, the cursor saved in the same transaction as the
 *                 page's rows, so a killed process resumes at the next page and never duplicates; and
 *                 again, for the older entries only, when the customer widens the history window;
 *   incremental – Pleo's search cannot filter by update time, so re-scan the trailing window
 *                 (syncWindowDays by performedAt) and upsert what changed;
 *   reconcile   – at most daily: a full scan, and our live entries it did not return are marked deleted.
 * Company details and the lookup tables (employees, teams, accounts, tags) are refreshed first each run.
 * Each finished run is also an event in the connection's activity log (lib/pleo/activity.ts).
 */

export type { PageProgress } from "@/lib/sync/passes";

export type RunSyncOptions = {
  companyId: string;
  trigger: SyncTrigger;
  /** Defaults to the DB-backed client for the company's connection. */
  source?: SyncSource;
  signal?: AbortSignal;
  /** Lease owner id; with `leaseHeld` the caller has already taken the lease for it. */
  owner?: string;
  leaseHeld?: boolean;
  leaseTtlMs?: number;
  /** Force a kind (otherwise chosen from the company's SyncState). */
  kind?: SyncKind;
  pageSize?: number;
  reconcileIntervalMs?: number;
  logger?: Logger;
  /** Called after each committed page (progress display, tests, benchmarks). */
  onPage?: RunContext["onPage"];
  /** The portal user who asked for this run ("Sync now", a settings change), for the activity log. */
  requestedBy?: string;
};

type EndStatus = Exclude<SyncRunStatus, "running" | "abandoned">;

export type RunSyncResult =
  | { started: false; reason: "already_running" }
  | ({
      started: true;
      runId: string;
      kind: SyncKind;
      status: EndStatus;
      pages: number;
      entries: number;
      error: string | null;
    } & WriteCounts);

/** A started run: the passes' context, and what its outcome is scheduled from. */
type StartedRun = RunContext & { failuresBefore: number; intervalMs: number };

export function chooseKind(
  state: { backfillCompletedAt: Date | null; lastReconcileAt: Date | null; coveredFrom?: Date | null },
  now: Date,
  reconcileIntervalMs: number = SYNC_DEFAULTS.reconcileIntervalMs,
  /** The history window's start now (null = everything); undefined leaves the window out of the choice. */
  windowStart?: Date | null,
): SyncKind {
  if (!state.backfillCompletedAt) return "backfill";
  if (windowStart !== undefined && widensCoverage(state.coveredFrom ?? null, windowStart)) return "backfill";
  if (!state.lastReconcileAt || now.getTime() - state.lastReconcileAt.getTime() >= reconcileIntervalMs)
    return "reconcile";
  return "incremental";
}

/** A history window starting at `windowStart` reaches back before what the synced copy covers. */
export function widensCoverage(coveredFrom: Date | null, windowStart: Date | null): boolean {
  if (coveredFrom === null) return false;
  return windowStart === null || windowStart < coveredFrom;
}

/** Which backfill a run does: resume the saved one, fill in older entries, or start a full one. */
function backfillPlan(state: RunState, windowStart: Date | null, forced: boolean): BackfillPlan {
  // A completed backfill's cursor is spent (its last page may still have left one behind).
  const cursor = state.backfillCompletedAt ? null : state.backfillCursor;
  if (cursor) return { cursor, from: state.coveredFrom, until: state.backfillUntil };
  if (state.backfillCompletedAt && !forced && widensCoverage(state.coveredFrom, windowStart)) {
    return { cursor: null, from: windowStart, until: state.coveredFrom };
  }
  return { cursor: null, from: windowStart, until: null };
}

/** After the `failures`-th failure in a row: 30 s doubling per failure, capped at the interval (or the interval). */
function retryDelayMs(failures: number, intervalMs: number, backoff: boolean): number {
  return backoff ? Math.min(intervalMs, SYNC_DEFAULTS.failureBackoffMs * 2 ** (failures - 1)) : intervalMs;
}

/**
 * Run one sync for a company. Returns `started: false` when another run holds the lease. Every log
 * line of the run (the Pleo client's included) names the company and, once it exists, the run.
 */
export function runSync(opts: RunSyncOptions): Promise<RunSyncResult> {
  return withLogContext({ companyId: opts.companyId }, () => runSyncInScope(opts));
}

async function runSyncInScope(opts: RunSyncOptions): Promise<RunSyncResult> {
  const { companyId } = opts;
  const lease = {
    companyId,
    owner: opts.owner ?? newLeaseOwner(),
    ttlMs: opts.leaseTtlMs ?? SYNC_DEFAULTS.leaseTtlMs,
  };
  const log = (opts.logger ?? rootLogger()).child({ module: "sync", companyId });
  if (!opts.leaseHeld && !(await acquireLease(db, companyId, lease.owner, lease.ttlMs))) {
    log.debug("sync: lease held elsewhere, not starting");
    return { started: false, reason: "already_running" };
  }

  // Stop on the caller's signal, or as soon as a heartbeat finds the lease taken by someone else.
  const controller = new AbortController();
  const onAbort = () => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) controller.abort(opts.signal.reason);
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  let leaseLost = false;
  const stopHeartbeat = startHeartbeat(
    db,
    lease,
    (err) => {
      leaseLost = true;
      controller.abort(err);
    },
    log,
  );

  const startedAt = new Date();
  let run: StartedRun | undefined;
  try {
    // We hold the lease, so a run still marked running was cut short by a dead process.
    await abandonStaleRuns(db, companyId, startedAt);
    const state = await readRunState(companyId);
    const settings = await readSyncSettings(companyId);
    let windowStart = historyStart(settings.historyMonths, startedAt, settings.timeZone);
    const kind = opts.kind ?? chooseKind(state, startedAt, opts.reconcileIntervalMs, windowStart);
    const runId = await startRun(companyId, { kind, trigger: opts.trigger, startedAt });
    addToLogContext({ runId });
    run = {
      lease,
      runId,
      kind,
      pageSize: opts.pageSize ?? SYNC_DEFAULTS.pageSize,
      signal: controller.signal,
      log,
      pages: 0,
      entries: 0,
      counts: emptyCounts(),
      currencyChecked: false,
      onPage: opts.onPage,
      failuresBefore: state.consecutiveFailures,
      intervalMs: settings.intervalMs,
    };
    log.info({ runId, kind, trigger: opts.trigger }, "sync: run started");

    const source = opts.source ?? (await sourceForCompany(companyId));
    await refreshDirectory(run, source);
    let label = KIND_LABEL[kind];
    if (kind === "backfill") {
      // The window's months are the company's local months; the directory refresh may just have learnt
      // its zone (the first run), so the backfill starts where the dashboard's window will.
      windowStart = historyStart(settings.historyMonths, startedAt, (await readSyncSettings(companyId)).timeZone);
      const plan = backfillPlan(state, windowStart, opts.kind === "backfill");
      if (plan.until) label = "Older expenses (wider history window)";
      await backfill(run, source, plan);
    } else if (kind === "incremental") {
      await incremental(run, source, settings.windowDays, startedAt, state.coveredFrom);
    } else {
      await reconcile(run, source, startedAt, state.coveredFrom);
    }

    const finishedAt = new Date();
    // The history window changed while this ran: the next run (maybe a backfill of older entries) is due now.
    const windowChanged = (await readSyncSettings(companyId)).historyMonths !== settings.historyMonths;
    await recordSuccess(db, companyId, {
      at: finishedAt,
      // After a backfill, an incremental pass right away picks up what changed while it ran.
      nextRunAt:
        kind === "backfill" || windowChanged ? finishedAt : new Date(finishedAt.getTime() + settings.intervalMs),
    });
    await finishRun(db, runId, totals(run, "succeeded", null));
    await recordEvent(db, {
      companyId,
      type: "sync_succeeded",
      actor: actorOf(opts),
      detail: `${label}: ${run.counts.created} created, ${run.counts.updated} updated, ${run.counts.deleted} deleted.`,
      at: finishedAt,
    });
    await pruneRuns(db, companyId, SYNC_DEFAULTS.keepRuns).catch((err) =>
      log.warn({ err }, "sync: pruning old runs failed"),
    );
    log.info(
      {
        runId,
        kind,
        pages: run.pages,
        entries: run.entries,
        ...run.counts,
        ms: finishedAt.getTime() - startedAt.getTime(),
      },
      "sync: run succeeded",
    );
    return result(run, "succeeded", null);
  } catch (err) {
    if (!run) {
      // Failed before the run row existed (database trouble): nothing to record but the log.
      log.error({ err }, "sync: could not start run");
      throw err;
    }
    const aborted = err instanceof SyncAbortedError || err instanceof LeaseLostError || controller.signal.aborted;
    if (aborted) {
      const reason = controller.signal.reason;
      const why: SyncErrorCode =
        leaseLost || err instanceof LeaseLostError
          ? "lease_lost"
          : typeof reason === "string" && isSyncErrorCode(reason)
            ? reason
            : "stopped";
      await finishRun(db, run.runId, totals(run, "aborted", why)).catch(() => {});
      log.warn({ runId: run.runId, pages: run.pages, reason: why }, "sync: run aborted");
      return result(run, "aborted", why);
    }
    if (isNeedsReauth(err)) {
      const message: SyncErrorCode = "needs_reconnect";
      await failed(run, message, false).catch(() => {});
      await finishRun(db, run.runId, totals(run, "needs_reauth", message)).catch(() => {});
      await recordEvent(db, { companyId, type: "sync_failed", actor: actorOf(opts), detail: plainSyncError(message) });
      log.warn({ runId: run.runId, reason: err.reason }, "sync: stopped, connection needs reauthorization");
      return result(run, "needs_reauth", message);
    }
    // A stable code is stored and shown; the error itself (message, cause, stack) goes to the log below.
    const message = syncErrorCode(err);
    await failed(run, message, true).catch(() => {});
    await finishRun(db, run.runId, totals(run, "failed", message)).catch(() => {});
    await recordEvent(db, { companyId, type: "sync_failed", actor: actorOf(opts), detail: plainSyncError(message) });
    log.error({ runId: run.runId, kind: run.kind, pages: run.pages, err }, "sync: run failed");
    return result(run, "failed", message);
  } finally {
    stopHeartbeat();
    opts.signal?.removeEventListener("abort", onAbort);
    await releaseLease(db, companyId, lease.owner).catch((err) => log.warn({ err }, "sync: lease release failed"));
  }
}

const KIND_LABEL: Record<SyncKind, string> = {
  backfill: "Full sync",
  incremental: "Recent changes",
  reconcile: "Daily full check",
};

/** Who a run's activity-log event names: the user who asked for it, or the scheduler. */
function actorOf(opts: RunSyncOptions): Actor {
  return opts.requestedBy && (opts.trigger === "manual" || opts.trigger === "settings")
    ? byUser(opts.requestedBy)
    : SCHEDULER;
}

/** Record a failed run on SyncState: with `backoff` the next attempt comes sooner than the interval. */
function failed(run: StartedRun, error: string, backoff: boolean): Promise<void> {
  const at = new Date();
  const failures = run.failuresBefore + 1;
  const nextRunAt = new Date(at.getTime() + retryDelayMs(failures, run.intervalMs, backoff));
  return recordFailure(db, run.lease.companyId, { at, error, failures, nextRunAt });
}

function totals(run: RunContext, status: EndStatus, error: string | null) {
  return { status, error, pages: run.pages, ...run.counts };
}

function result(run: RunContext, status: EndStatus, error: string | null): RunSyncResult {
  return { started: true, runId: run.runId, kind: run.kind, entries: run.entries, ...totals(run, status, error) };
}
