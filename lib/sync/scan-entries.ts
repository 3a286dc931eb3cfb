import "server-only";

import type { AccountingEntry, AccountingEntrySearch, Page } from "@/lib/pleo/types";
import type { SyncSource } from "@/lib/sync/source";

export type EntryQuery = Omit<AccountingEntrySearch, "companyId" | "after">;

export class SyncAbortedError extends Error {
  constructor() {
    super("sync aborted");
    this.name = "SyncAbortedError";
  }
}

/** Pages fetched ahead of the writer: absorbs a slow write without idling the request pipeline. */
export const DEFAULT_READ_AHEAD = 3;

/**
 * Walk a search with `after=<endCursor>`, handing each page to `onPage` (which writes it), in order.
 * Fetching runs as its own loop, up to `readAhead` pages ahead of the writer: cursors make requests
 * sequential, but they need not wait for database writes, so throughput is bound by the rate limiter
 * (or Pleo's latency), not by fetch + write in series. A fetch failure surfaces after the pages
 * fetched before it were written, so their progress is kept.
 */
export async function scanEntries(
  source: SyncSource,
  query: EntryQuery,
  opts: {
    after?: string | null;
    signal?: AbortSignal;
    readAhead?: number;
    onPage: (page: Page<AccountingEntry>, cursor: string | null) => Promise<void>;
  },
): Promise<void> {
  const readAhead = Math.max(1, opts.readAhead ?? DEFAULT_READ_AHEAD);
  const buffer: Page<AccountingEntry>[] = [];
  let fetching = true;
  let failure: { error: unknown } | null = null;
  let stopped = false;
  let wakeWriter: (() => void) | null = null;
  let wakeFetcher: (() => void) | null = null;
  const notifyWriter = () => {
    wakeWriter?.();
    wakeWriter = null;
  };
  const notifyFetcher = () => {
    wakeFetcher?.();
    wakeFetcher = null;
  };

  const fetcher = (async () => {
    let cursor = opts.after ?? null;
    const seen = new Set<string>();
    try {
      for (;;) {
        while (buffer.length >= readAhead && !stopped) await new Promise<void>((r) => (wakeFetcher = r));
        if (stopped || opts.signal?.aborted) return;
        const page = await source.searchAccountingEntries({ ...query, ...(cursor ? { after: cursor } : {}) });
        buffer.push(page);
        notifyWriter();
        if (!page.hasNextPage || page.endCursor === null) return;
        if (seen.has(page.endCursor) || page.endCursor === cursor) {
          throw new Error(`Pleo pagination did not advance (cursor ${page.endCursor})`);
        }
        seen.add(page.endCursor);
        cursor = page.endCursor;
      }
    } catch (error) {
      failure = { error };
    } finally {
      fetching = false;
      notifyWriter();
    }
  })();

  let cursor = opts.after ?? null;
  try {
    for (;;) {
      if (opts.signal?.aborted) throw new SyncAbortedError();
      while (buffer.length === 0 && fetching) await new Promise<void>((r) => (wakeWriter = r));
      const page = buffer.shift();
      if (!page) {
        if (failure) throw (failure as { error: unknown }).error;
        return;
      }
      notifyFetcher();
      if (opts.signal?.aborted) throw new SyncAbortedError();
      cursor = page.endCursor ?? cursor;
      await opts.onPage(page, cursor);
    }
  } finally {
    stopped = true;
    notifyFetcher();
    // The fetcher ends after its in-flight request; its outcome is already captured, never thrown.
    void fetcher;
  }
}
