import "server-only";

import { db } from "@/lib/db";
import { logger as rootLogger, type Logger } from "@/lib/log";
import { NeedsReauthError, PleoApiError } from "@/lib/pleo/errors";
import type { AccountingEntry, Page } from "@/lib/pleo/types";
import { SYNC_DEFAULTS, type SyncKind, type SyncRunStatus, type SyncTrigger } from "@/lib/sync/config";
import { acquireLease, LeaseLostError, newLeaseOwner, releaseLease, renewLease } from "@/lib/sync/lease";
import { scanEntries, SyncAbortedError, type EntryQuery } from "@/lib/sync/scan-entries";
import { sourceForCompany, type SyncSource } from "@/lib/sync/source";
import { NOW_UTC, type SqlRunner } from "@/lib/sync/sql";
import { fetchDirectory, writeDirectory } from "@/lib/sync/write-directory";
import {
  addCounts,
  emptyCounts,
  markMissingAsDeleted,
  walletCurrencyOf,
  writeEntryPage,
  type WriteCounts,
} from "@/lib/sync/write-entries";

/**
 * One sync run for one company, under the company's lease:
 *   backfill    – until the first full pass completes: every entry (deleted ones included), newest
 *                 first, 100 per page, the cursor saved in the same transaction as the page's rows, so
 *                 a killed process resumes at the next page and never duplicates;
 *   incremental – Pleo's search cannot filter by update time, so re-scan the trailing window
 *                 (syncWindowDays by performedAt) and upsert what changed;
 *   reconcile   – at most daily: a full scan, and our live entries it did not return are marked deleted.
 * Company details and the lookup tables (employees, teams, accounts, tags) are refreshed first each run.
 */

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
  onPage?: (progress: PageProgress) => void | Promise<void>;
};

export type PageProgress = { kind: SyncKind; pages: number; entries: number; total: number | null } & WriteCounts;

export type RunSyncResult =
  | { started: false; reason: "already_running" }
  | ({
      started: true;
      runId: string;
      kind: SyncKind;
      status: Exclude<SyncRunStatus, "running" | "abandoned">;
      pages: number;
      entries: number;
      error: string | null;
    } & WriteCounts);

type RunContext = {
  companyId: string;
  owner: string;
  ttlMs: number;
  runId: string;
  kind: SyncKind;
  signal: AbortSignal;
  log: Logger;
  pages: number;
  entries: number;
  counts: WriteCounts;
  currencyChecked: boolean;
  onPage?: RunSyncOptions["onPage"];
};

// Interactive transactions wait for PGlite's single connection; be generous rather than flaky.
const TX_OPTIONS = { maxWait: 30_000, timeout: 60_000 };

export function chooseKind(
  state: { backfillCompletedAt: Date | null; lastReconcileAt: Date | null },
  now: Date,
  reconcileIntervalMs: number = SYNC_DEFAULTS.reconcileIntervalMs,
): SyncKind {
  if (!state.backfillCompletedAt) return "backfill";
  if (!state.lastReconcileAt || now.getTime() - state.lastReconcileAt.getTime() >= reconcileIntervalMs)
    return "reconcile";
  return "incremental";
}

/**
 * In the page's transaction: extend the lease (and fail, rolling the page back, if it was lost), apply
 * `stateSets` to SyncState, and add the page to the run's counters.
 */
async function commitState(
  tx: SqlRunner,
  ctx: RunContext,
  page: { counts: WriteCounts; pages: number },
  stateSets: string[] = [],
  stateParams: unknown[] = [],
): Promise<void> {
  const sets = [
    `"leaseExpiresAt" = ${NOW_UTC} + make_interval(secs => ${ctx.ttlMs / 1000})`,
    `"updatedAt" = ${NOW_UTC}`,
    ...stateSets,
  ];
  const held = await tx.$executeRawUnsafe(
    `UPDATE "SyncState" SET ${sets.join(", ")} WHERE "companyId" = $1::uuid AND "leaseOwner" = $2`,
    ctx.companyId,
    ctx.owner,
    ...stateParams,
  );
  if (held !== 1) throw new LeaseLostError(ctx.companyId);
  await tx.$executeRawUnsafe(
    `UPDATE "SyncRun" SET "pages" = "pages" + $2::int, "created" = "created" + $3::int, "updated" = "updated" + $4::int,
       "deleted" = "deleted" + $5::int WHERE "id" = $1`,
    ctx.runId,
    page.pages,
    page.counts.created,
    page.counts.updated,
    page.counts.deleted,
  );
}

/** Write one page and advance state, atomically. */
async function commitPage(
  ctx: RunContext,
  page: Page<AccountingEntry>,
  stateSets: string[] = [],
  stateParams: unknown[] = [],
): Promise<void> {
  const counts = await db.$transaction(async (tx) => {
    const c = await writeEntryPage(tx, ctx.companyId, page.items);
    if (!ctx.currencyChecked) {
      const currency = walletCurrencyOf(page.items);
      if (currency) {
        await tx.$executeRawUnsafe(
          `UPDATE "PleoCompany" SET "currency" = $2, "updatedAt" = ${NOW_UTC} WHERE "id" = $1::uuid AND "currency" IS DISTINCT FROM $2`,
          ctx.companyId,
          currency,
        );
      }
    }
    await commitState(tx, ctx, { counts: c, pages: 1 }, stateSets, stateParams);
    return c;
  }, TX_OPTIONS);
  if (walletCurrencyOf(page.items)) ctx.currencyChecked = true;
  ctx.pages++;
  ctx.entries += page.items.length;
  addCounts(ctx.counts, counts);
  await ctx.onPage?.({ kind: ctx.kind, pages: ctx.pages, entries: ctx.entries, total: page.total, ...ctx.counts });
}

function entryQuery(pageSize: number, extra: Partial<EntryQuery> = {}): EntryQuery {
  // Newest first: the dashboard's recent months fill in first during a backfill. Deleted entries are
  // included so deletions reach us (and totals stay right).
  return { limit: pageSize, sortingKeys: ["performedAt"], sortingOrder: ["DESC"], includeDeleted: true, ...extra };
}

async function backfill(ctx: RunContext, source: SyncSource, pageSize: number, cursor: string | null): Promise<void> {
  const run = (after: string | null) =>
    scanEntries(source, entryQuery(pageSize), {
      after,
      signal: ctx.signal,
      onPage: (page, next) =>
        commitPage(
          ctx,
          page,
          [
            `"backfillCursor" = $3`,
            `"backfillSynced" = "backfillSynced" + $4::int`,
            `"backfillTotal" = $5::int`,
            `"backfillStartedAt" = COALESCE("backfillStartedAt", ${NOW_UTC})`,
            // The last page completes the backfill in the same transaction that writes it.
            `"backfillCompletedAt" = CASE WHEN $6::boolean THEN ${NOW_UTC} ELSE NULL END`,
            `"lastReconcileAt" = CASE WHEN $6::boolean THEN ${NOW_UTC} ELSE "lastReconcileAt" END`,
          ],
          [next, page.items.length, page.total, !page.hasNextPage],
        ),
    });
  const startOver = () =>
    db.$transaction(
      (tx) =>
        commitState(tx, ctx, { counts: emptyCounts(), pages: 0 }, [
          `"backfillCursor" = NULL`,
          `"backfillSynced" = 0`,
          `"backfillCompletedAt" = NULL`,
          `"backfillStartedAt" = ${NOW_UTC}`,
        ]),
      TX_OPTIONS,
    );
  try {
    if (!cursor) await startOver();
    await run(cursor);
  } catch (err) {
    // A saved cursor Pleo no longer accepts (400) would block the backfill forever: start over instead;
    // upserts are idempotent, so re-reading pages is harmless.
    if (cursor && ctx.pages === 0 && err instanceof PleoApiError && err.status === 400) {
      ctx.log.warn({ err }, "sync: saved backfill cursor rejected, restarting backfill");
      await startOver();
      await run(null);
      return;
    }
    throw err;
  }
}

async function incremental(
  ctx: RunContext,
  source: SyncSource,
  pageSize: number,
  windowDays: number,
  startedAt: Date,
): Promise<void> {
  const performedAtStart = new Date(startedAt.getTime() - windowDays * 24 * 60 * 60 * 1000);
  await scanEntries(source, entryQuery(pageSize, { performedAtStart }), {
    signal: ctx.signal,
    onPage: (page) => commitPage(ctx, page),
  });
  await db.$transaction(
    (tx) =>
      commitState(
        tx,
        ctx,
        { counts: emptyCounts(), pages: 0 },
        [`"lastIncrementalAt" = $3::timestamp(3)`],
        [startedAt.toISOString()],
      ),
    TX_OPTIONS,
  );
}

async function reconcile(ctx: RunContext, source: SyncSource, pageSize: number, startedAt: Date): Promise<void> {
  const seen = new Set<string>();
  await scanEntries(source, entryQuery(pageSize), {
    signal: ctx.signal,
    onPage: (page) => {
      for (const e of page.items) seen.add(e.id);
      return commitPage(ctx, page);
    },
  });
  if (ctx.signal.aborted) throw new SyncAbortedError();
  await db.$transaction(async (tx) => {
    const deleted = await markMissingAsDeleted(tx, ctx.companyId, seen);
    const counts = { ...emptyCounts(), deleted };
    await commitState(
      tx,
      ctx,
      { counts, pages: 0 },
      [`"lastReconcileAt" = $3::timestamp(3)`, `"lastIncrementalAt" = $3::timestamp(3)`],
      [startedAt.toISOString()],
    );
    addCounts(ctx.counts, counts);
  }, TX_OPTIONS);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Run one sync for a company. Returns `started: false` when another run holds the lease. */
export async function runSync(opts: RunSyncOptions): Promise<RunSyncResult> {
  const { companyId } = opts;
  const ttlMs = opts.leaseTtlMs ?? SYNC_DEFAULTS.leaseTtlMs;
  const owner = opts.owner ?? newLeaseOwner();
  const log = (opts.logger ?? rootLogger()).child({ module: "sync", companyId });
  if (!opts.leaseHeld && !(await acquireLease(db, companyId, owner, ttlMs))) {
    log.debug("sync: lease held elsewhere, not starting");
    return { started: false, reason: "already_running" };
  }

  // Stop on the caller's signal, or as soon as a heartbeat finds the lease taken by someone else.
  const controller = new AbortController();
  const onAbort = () => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) controller.abort(opts.signal.reason);
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  let leaseLost = false;
  const heartbeat = setInterval(
    () => {
      renewLease(db, companyId, owner, ttlMs).catch((err) => {
        if (err instanceof LeaseLostError) {
          leaseLost = true;
          controller.abort(err);
        } else log.warn({ err }, "sync: lease heartbeat failed");
      });
    },
    Math.max(1_000, Math.floor(ttlMs / 3)),
  );
  heartbeat.unref?.();

  const startedAt = new Date();
  let ctx: RunContext | undefined;
  try {
    // We hold the lease, so a run still marked running was cut short by a dead process.
    await db.syncRun.updateMany({
      where: { companyId, status: "running" },
      data: { status: "abandoned", finishedAt: startedAt, error: "the process running this sync stopped" },
    });
    const state = await db.syncState.findUniqueOrThrow({ where: { companyId } });
    const connection = await db.pleoConnection.findUnique({ where: { companyId } });
    const kind = opts.kind ?? chooseKind(state, startedAt, opts.reconcileIntervalMs);
    const run = await db.syncRun.create({
      data: { companyId, kind, trigger: opts.trigger, status: "running", startedAt },
    });
    ctx = {
      companyId,
      owner,
      ttlMs,
      runId: run.id,
      kind,
      signal: controller.signal,
      log,
      pages: 0,
      entries: 0,
      counts: emptyCounts(),
      currencyChecked: false,
      onPage: opts.onPage,
    };
    log.info({ runId: run.id, kind, trigger: opts.trigger }, "sync: run started");

    const source = opts.source ?? (await sourceForCompany(companyId));
    const directory = await fetchDirectory(source, log);
    if (controller.signal.aborted) throw new SyncAbortedError();
    const c = ctx;
    await db.$transaction(async (tx) => {
      await writeDirectory(tx, companyId, directory);
      await commitState(tx, c, { counts: emptyCounts(), pages: 0 });
    }, TX_OPTIONS);

    const pageSize = opts.pageSize ?? SYNC_DEFAULTS.pageSize;
    if (kind === "backfill") {
      await backfill(
        ctx,
        source,
        pageSize,
        opts.kind === "backfill" && state.backfillCompletedAt ? null : state.backfillCursor,
      );
    } else if (kind === "incremental") {
      await incremental(ctx, source, pageSize, connection?.syncWindowDays ?? SYNC_DEFAULTS.windowDays, startedAt);
    } else {
      await reconcile(ctx, source, pageSize, startedAt);
    }

    const finishedAt = new Date();
    const intervalMs = (connection?.syncIntervalMinutes ?? SYNC_DEFAULTS.intervalMinutes) * 60_000;
    await db.syncState.update({
      where: { companyId },
      data: {
        lastSuccessAt: finishedAt,
        lastError: null,
        consecutiveFailures: 0,
        // After a backfill, an incremental pass right away picks up what changed while it ran.
        nextRunAt: kind === "backfill" ? finishedAt : new Date(finishedAt.getTime() + intervalMs),
      },
    });
    await finishRun(ctx, "succeeded", null);
    await pruneRuns(companyId).catch((err) => log.warn({ err }, "sync: pruning old runs failed"));
    log.info(
      {
        runId: ctx.runId,
        kind,
        pages: ctx.pages,
        entries: ctx.entries,
        ...ctx.counts,
        ms: finishedAt.getTime() - startedAt.getTime(),
      },
      "sync: run succeeded",
    );
    return result(ctx, "succeeded", null);
  } catch (err) {
    if (!ctx) {
      // Failed before the run row existed (database trouble): nothing to record but the log.
      log.error({ err }, "sync: could not start run");
      throw err;
    }
    const aborted = err instanceof SyncAbortedError || err instanceof LeaseLostError || controller.signal.aborted;
    if (aborted) {
      const why = leaseLost || err instanceof LeaseLostError ? "lease lost to another process" : "stopped";
      await finishRun(ctx, "aborted", why).catch(() => {});
      log.warn({ runId: ctx.runId, pages: ctx.pages, reason: why }, "sync: run aborted");
      return result(ctx, "aborted", why);
    }
    if (err instanceof NeedsReauthError) {
      const message = "The Pleo connection needs to be reconnected";
      await recordFailure(companyId, message, false).catch(() => {});
      await finishRun(ctx, "needs_reauth", message).catch(() => {});
      log.warn({ runId: ctx.runId, reason: err.reason }, "sync: stopped, connection needs reauthorization");
      return result(ctx, "needs_reauth", message);
    }
    const message = describe(err);
    await recordFailure(companyId, message, true).catch(() => {});
    await finishRun(ctx, "failed", message).catch(() => {});
    log.error({ runId: ctx.runId, kind: ctx.kind, pages: ctx.pages, err }, "sync: run failed");
    return result(ctx, "failed", message);
  } finally {
    clearInterval(heartbeat);
    opts.signal?.removeEventListener("abort", onAbort);
    await releaseLease(db, companyId, owner).catch((err) => log.warn({ err }, "sync: lease release failed"));
  }
}

function result(
  ctx: RunContext,
  status: Exclude<SyncRunStatus, "running" | "abandoned">,
  error: string | null,
): RunSyncResult {
  return {
    started: true,
    runId: ctx.runId,
    kind: ctx.kind,
    status,
    pages: ctx.pages,
    entries: ctx.entries,
    ...ctx.counts,
    error,
  };
}

async function finishRun(ctx: RunContext, status: SyncRunStatus, error: string | null): Promise<void> {
  await db.syncRun.update({
    where: { id: ctx.runId },
    data: { status, error, finishedAt: new Date(), pages: ctx.pages, ...ctx.counts },
  });
}

/** Keep the newest runs per company (a run every 15 minutes adds ~35,000 rows a year otherwise). */
async function pruneRuns(companyId: string): Promise<void> {
  await db.$executeRawUnsafe(
    `DELETE FROM "SyncRun" WHERE "companyId" = $1::uuid AND "id" NOT IN (
       SELECT "id" FROM "SyncRun" WHERE "companyId" = $1::uuid ORDER BY "startedAt" DESC LIMIT $2::int)`,
    companyId,
    SYNC_DEFAULTS.keepRuns,
  );
}

async function recordFailure(companyId: string, message: string, backoff: boolean): Promise<void> {
  const state = await db.syncState.findUnique({ where: { companyId } });
  const failures = (state?.consecutiveFailures ?? 0) + 1;
  const connection = await db.pleoConnection.findUnique({ where: { companyId } });
  const intervalMs = (connection?.syncIntervalMinutes ?? SYNC_DEFAULTS.intervalMinutes) * 60_000;
  const delay = backoff ? Math.min(intervalMs, SYNC_DEFAULTS.failureBackoffMs * 2 ** (failures - 1)) : intervalMs;
  const now = new Date();
  await db.syncState.update({
    where: { companyId },
    data: {
      lastError: message,
      lastErrorAt: now,
      consecutiveFailures: failures,
      nextRunAt: new Date(now.getTime() + delay),
    },
  });
}
