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

/**
 * Walk a search with `after=<endCursor>`, handing each page to `onPage` (which writes it). The next
 * page is requested as soon as the current one arrives, so Pleo's latency and our database write
 * overlap: throughput is bound by the rate limiter, not by fetch + write in series. Only one page is
 * ever read ahead, and `onPage` always sees pages in order.
 */
export async function scanEntries(
  source: SyncSource,
  query: EntryQuery,
  opts: {
    after?: string | null;
    signal?: AbortSignal;
    onPage: (page: Page<AccountingEntry>, cursor: string | null) => Promise<void>;
  },
): Promise<void> {
  const fetchPage = (after: string | null) => {
    const p = source.searchAccountingEntries({ ...query, ...(after ? { after } : {}) });
    // Attach a handler now: if we stop before awaiting it, its failure must not be "unhandled".
    p.catch(() => {});
    return p;
  };
  let cursor = opts.after ?? null;
  let next = fetchPage(cursor);
  const seen = new Set<string>();
  for (;;) {
    if (opts.signal?.aborted) throw new SyncAbortedError();
    const page = await next;
    if (opts.signal?.aborted) throw new SyncAbortedError();
    const more = page.hasNextPage && page.endCursor !== null;
    if (more) {
      if (seen.has(page.endCursor!) || page.endCursor === cursor) {
        throw new Error(`Pleo pagination did not advance (cursor ${page.endCursor})`);
      }
      seen.add(page.endCursor!);
      next = fetchPage(page.endCursor);
    }
    cursor = page.endCursor ?? cursor;
    await opts.onPage(page, cursor);
    if (!more) return;
  }
}
