import "server-only";

import { db } from "@/lib/db";
import { WAIT_FOR_TURN } from "@/lib/db/transactions";
import type { Logger } from "@/lib/log";
import { PleoApiError } from "@/lib/pleo/errors";
import type { AccountingEntry, Page } from "@/lib/pleo/types";
import type { SyncKind } from "@/lib/sync/config";
import { logAnomalies } from "@/lib/sync/anomalies";
import { renewLease, type HeldLease } from "@/lib/sync/lease";
import { addToRun } from "@/lib/sync/run-history";
import { scanEntries, SyncAbortedError, type EntryQuery } from "@/lib/sync/scan-entries";
import type { SyncSource } from "@/lib/sync/source";
import type { SqlRunner } from "@/lib/sync/sql";
import {
  commitBackfillPage,
  completeIncremental,
  completeReconcile,
  restartBackfill,
  startBackfillExtension,
} from "@/lib/sync/state";
import { bumpDataVersion, fetchDirectory, saveWalletCurrency, writeDirectory } from "@/lib/sync/write-directory";
import {
  addCounts,
  emptyCounts,
  markMissingAsDeleted,
  walletCurrencyOf,
  writeEntryPage,
  type WriteCounts,
} from "@/lib/sync/write-entries";

/**
 * The work of one run (run.ts decides which pass): the directory refresh, then a backfill, an
 * incremental or a reconcile pass over the entries. Each page is one transaction holding its rows, the
 * state it advances and the run's counters; the transaction also extends the lease and rolls back if
 * the lease was lost.
 */

export type PageProgress = { kind: SyncKind; pages: number; entries: number; total: number | null } & WriteCounts;

/** A run under way: what it holds, and what it has written so far. */
export type RunContext = {
  lease: HeldLease;
  runId: string;
  kind: SyncKind;
  pageSize: number;
  signal: AbortSignal;
  log: Logger;
  pages: number;
  entries: number;
  counts: WriteCounts;
  currencyChecked: boolean;
  onPage?: (progress: PageProgress) => void | Promise<void>;
};

// A page's writes may take longer than Prisma's 5 s default on a loaded machine; waiting for its turn:
// lib/db/transactions.ts.
const TX_OPTIONS = { ...WAIT_FOR_TURN, timeout: 60_000 };

/** Company details and lookup tables, written under the lease before the entries that refer to them. */
export async function refreshDirectory(ctx: RunContext, source: SyncSource): Promise<void> {
  const directory = await fetchDirectory(source, ctx.log);
  if (ctx.signal.aborted) throw new SyncAbortedError();
  const anomalies = await db.$transaction(async (tx) => {
    const { changed, anomalies } = await writeDirectory(tx, ctx.lease.companyId, directory);
    if (changed > 0) await bumpDataVersion(tx, ctx.lease.companyId);
    if (anomalies.length > 0) await addToRun(tx, ctx.runId, 0, { ...emptyCounts(), anomalies: anomalies.length });
    await renewLease(tx, ctx.lease);
    return anomalies;
  }, TX_OPTIONS);
  // Logged once committed (a retried transaction would log twice).
  logAnomalies(ctx.log, ctx.lease.companyId, anomalies);
  ctx.counts.anomalies += anomalies.length;
}

/**
 * Write one page, atomically with the state it advances (`saveState`; by default the lease is only
 * extended) and the run's counters.
 */
async function commitPage(
  ctx: RunContext,
  page: Page<AccountingEntry>,
  saveState: (tx: SqlRunner) => Promise<void> = (tx) => renewLease(tx, ctx.lease),
): Promise<void> {
  const { companyId } = ctx.lease;
  const currency = walletCurrencyOf(page.items);
  const { counts, anomalies } = await db.$transaction(async (tx) => {
    const written = await writeEntryPage(tx, companyId, page.items);
    const c = written.counts;
    const currencyChanged = currency && !ctx.currencyChecked ? await saveWalletCurrency(tx, companyId, currency) : 0;
    if (c.created + c.updated + c.deleted + currencyChanged > 0) await bumpDataVersion(tx, companyId);
    await saveState(tx);
    await addToRun(tx, ctx.runId, 1, c);
    return written;
  }, TX_OPTIONS);
  // Logged once committed, as in refreshDirectory: a page that rolls back is written (and logged) again.
  logAnomalies(ctx.log, companyId, anomalies);
  if (currency) ctx.currencyChecked = true;
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

/**
 * What a backfill reads: entries performed in [from, until) (null = unbounded), newest first. `cursor`
 * resumes a saved one (its range is the one stored with it); without a cursor a new backfill starts:
 * a full one when `until` is null, otherwise one that only fills in older entries (a wider history window).
 */
export type BackfillPlan = { cursor: string | null; from: Date | null; until: Date | null };

/** Every entry of the plan's range, from its cursor or from the newest; each page saves the cursor after it. */
export async function backfill(ctx: RunContext, source: SyncSource, plan: BackfillPlan): Promise<void> {
  const range = {
    ...(plan.from ? { performedAtStart: plan.from } : {}),
    ...(plan.until ? { performedAtEnd: plan.until } : {}),
  };
  const start = () =>
    plan.until
      ? startBackfillExtension(db, ctx.lease, { from: plan.from, until: plan.until })
      : restartBackfill(db, ctx.lease, plan.from);
  const scan = (after: string | null) =>
    scanEntries(source, entryQuery(ctx.pageSize, range), {
      after,
      signal: ctx.signal,
      onPage: (page, next) =>
        commitPage(ctx, page, (tx) =>
          commitBackfillPage(tx, ctx.lease, {
            cursor: next,
            entries: page.items.length,
            total: page.total,
            last: !page.hasNextPage,
          }),
        ),
    });
  const { cursor } = plan;
  try {
    if (!cursor) await start();
    await scan(cursor);
  } catch (err) {
    // A saved cursor Pleo no longer accepts (400) would block the backfill forever: start over instead;
    // upserts are idempotent, so re-reading pages is harmless.
    if (cursor && ctx.pages === 0 && err instanceof PleoApiError && err.status === 400) {
      ctx.log.warn({ err }, "sync: saved backfill cursor rejected, restarting backfill");
      await start();
      await scan(null);
      return;
    }
    throw err;
  }
}

/**
 * The entries performed in the trailing `windowDays` before `startedAt` (Pleo cannot filter by update
 * time), never before the synced copy's coverage (`coveredFrom`: entries the customer had deleted stay so).
 */
export async function incremental(
  ctx: RunContext,
  source: SyncSource,
  windowDays: number,
  startedAt: Date,
  coveredFrom: Date | null = null,
): Promise<void> {
  const windowStart = new Date(startedAt.getTime() - windowDays * 24 * 60 * 60 * 1000);
  const performedAtStart = coveredFrom && coveredFrom > windowStart ? coveredFrom : windowStart;
  await scanEntries(source, entryQuery(ctx.pageSize, { performedAtStart }), {
    signal: ctx.signal,
    onPage: (page) => commitPage(ctx, page),
  });
  await completeIncremental(db, ctx.lease, startedAt);
}

/**
 * Every entry the synced copy covers (from `coveredFrom`, or all); then our live entries in that range
 * the scan did not return are marked deleted.
 */
export async function reconcile(
  ctx: RunContext,
  source: SyncSource,
  startedAt: Date,
  coveredFrom: Date | null = null,
): Promise<void> {
  const seen = new Set<string>();
  await scanEntries(source, entryQuery(ctx.pageSize, coveredFrom ? { performedAtStart: coveredFrom } : {}), {
    signal: ctx.signal,
    onPage: (page) => {
      for (const e of page.items) seen.add(e.id);
      return commitPage(ctx, page);
    },
  });
  if (ctx.signal.aborted) throw new SyncAbortedError();
  await db.$transaction(async (tx) => {
    const counts = {
      ...emptyCounts(),
      deleted: await markMissingAsDeleted(tx, ctx.lease.companyId, seen, coveredFrom),
    };
    if (counts.deleted > 0) await bumpDataVersion(tx, ctx.lease.companyId);
    await completeReconcile(tx, ctx.lease, startedAt);
    await addToRun(tx, ctx.runId, 0, counts);
    addCounts(ctx.counts, counts);
  }, TX_OPTIONS);
}
