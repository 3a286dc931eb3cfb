/**
 * lib/sync/scan-entries.ts against the real sandbox over HTTP: every page handed to the writer once,
 * in order, with the cursor to resume after it; resuming from a cursor; the fetcher never more than
 * `readAhead` pages ahead of a slow writer; a fetch failure surfacing only after the pages before it
 * were written; an abort; and a cursor that does not advance. The source is the real client; where a
 * test needs Pleo to fail at a named request, the wrapper below injects a sandbox fault just before it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@/lib/log";
import { createPleoClient, PleoApiError, type PleoClient } from "@/lib/pleo/client";
import { bearerToken } from "@/lib/pleo/http";
import type { AccountingEntry, Page } from "@/lib/pleo/types";
import { DEFAULT_READ_AHEAD, scanEntries, SyncAbortedError } from "@/lib/sync/scan-entries";
import type { SyncSource } from "@/lib/sync/source";
import { sleep } from "@/lib/util/async";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { sandboxTokens, startTestSandbox, type InProcessSandbox } from "@/tests/support/sandbox";

const ENTRIES = 120;
const QUERY = {
  limit: 10,
  sortingKeys: ["performedAt" as const],
  sortingOrder: ["DESC" as const],
  includeDeleted: true,
};

describe("scanEntries (sandbox)", () => {
  let sb: InProcessSandbox;
  let client: PleoClient;
  let total: number;
  beforeAll(async () => {
    sb = await startTestSandbox({ entries: ENTRIES, rateLimit: false });
    const tokens = await sandboxTokens(sb, LARGE_COMPANY_ID);
    client = createPleoClient({
      apiUrl: sb.url,
      companyId: LARGE_COMPANY_ID,
      tokens: bearerToken(tokens.access_token),
      logger: createLogger({ level: "silent" }),
      retry: { baseDelayMs: 5, maxDelayMs: 10 },
    });
    total = (await sb.control.summary(LARGE_COMPANY_ID)).countIncludingDeleted;
  });
  afterAll(async () => {
    await sb?.close();
  });

  /** The real client, counting searches; `before(n)` runs before the n-th (1-based) is sent. */
  function source(
    before?: (n: number) => Promise<void>,
    reshape?: (p: Page<AccountingEntry>) => Page<AccountingEntry>,
  ) {
    const sent: (string | undefined)[] = [];
    const src: SyncSource = {
      ...client,
      searchAccountingEntries: async (q) => {
        sent.push(q.after);
        await before?.(sent.length);
        const page = await client.searchAccountingEntries(q);
        return reshape ? reshape(page) : page;
      },
    };
    return { src, sent };
  }

  /** The end cursor of the scan's first page. */
  async function firstCursor(): Promise<string> {
    const page = await client.searchAccountingEntries(QUERY);
    expect(page.endCursor).toEqual(expect.any(String));
    return page.endCursor!;
  }

  type Seen = { ids: string[]; cursor: string | null; endCursor: string | null };
  const record = (seen: Seen[]) => async (page: Page<AccountingEntry>, cursor: string | null) => {
    seen.push({ ids: page.items.map((e) => e.id), cursor, endCursor: page.endCursor });
  };

  it("hands every page to the writer once, in order, with the cursor after it; resumes from a cursor", async () => {
    const { src, sent } = source();
    const seen: Seen[] = [];
    await scanEntries(src, QUERY, { onPage: record(seen) });
    const pages = Math.ceil(total / 10);
    expect(seen).toHaveLength(pages);
    const ids = seen.flatMap((s) => s.ids);
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    // The cursor handed over is the page's own end cursor; the first request has none, each next one the last.
    for (const s of seen) expect(s.cursor).toBe(s.endCursor ?? seen[seen.indexOf(s) - 1]?.cursor ?? null);
    expect(seen.slice(0, -1).every((s) => s.cursor !== null)).toBe(true);
    expect(sent).toEqual([undefined, ...seen.slice(0, -1).map((s) => s.endCursor)]);

    // Resumed after the third page: the rest, nothing before it.
    const resumed: Seen[] = [];
    const again = source();
    await scanEntries(again.src, QUERY, { after: seen[2].cursor, onPage: record(resumed) });
    expect(again.sent[0]).toBe(seen[2].cursor);
    expect(resumed.flatMap((s) => s.ids)).toEqual(seen.slice(3).flatMap((s) => s.ids));
  });

  it("a last page without an end cursor hands over the cursor before it", async () => {
    const { src } = source(undefined, (p) => (p.hasNextPage ? p : { ...p, endCursor: null }));
    const seen: Seen[] = [];
    await scanEntries(src, QUERY, { onPage: record(seen) });
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.at(-1)!.cursor).toBe(seen.at(-2)!.cursor);
    expect(seen.at(-1)!.cursor).not.toBeNull();

    // Resumed before that last page: the cursor resumed from.
    const resumed: Seen[] = [];
    await scanEntries(src, QUERY, { after: seen.at(-2)!.cursor, onPage: record(resumed) });
    expect(resumed).toEqual([{ ids: seen.at(-1)!.ids, cursor: seen.at(-2)!.cursor, endCursor: null }]);
  });

  it("a page claiming more with no end cursor ends the scan after it", async () => {
    const { src, sent } = source(undefined, (p) => ({ ...p, hasNextPage: true, endCursor: null }));
    const seen: Seen[] = [];
    await scanEntries(src, QUERY, { onPage: record(seen) });
    expect(sent).toEqual([undefined]);
    expect(seen).toHaveLength(1);
    expect(seen[0].cursor).toBeNull();
  });

  it("fetches at most readAhead pages ahead of a slow writer", async () => {
    for (const [readAhead, ahead] of [
      [undefined, DEFAULT_READ_AHEAD],
      [2, 2],
      [0, 1],
    ] as const) {
      const { src, sent } = source();
      let sentWhileFirstPageWrites = -1;
      await scanEntries(src, QUERY, {
        readAhead,
        onPage: async () => {
          if (sentWhileFirstPageWrites >= 0) return;
          await sleep(400);
          sentWhileFirstPageWrites = sent.length;
        },
      });
      // The page being written, plus the buffer.
      expect({ readAhead, sent: sentWhileFirstPageWrites }).toEqual({ readAhead, sent: 1 + ahead });
    }
    expect(DEFAULT_READ_AHEAD).toBe(3);
  });

  it("a failed fetch surfaces after the pages fetched before it were written", async () => {
    const { src } = source(async (n) => {
      if (n === 4) await sb.control.fault({ path: "/v1/accounting-entries:search", status: 400 });
    });
    const seen: Seen[] = [];
    try {
      const err = await scanEntries(src, QUERY, {
        onPage: async (page, cursor) => {
          await sleep(20);
          await record(seen)(page, cursor);
        },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PleoApiError);
      expect(err).toMatchObject({ status: 400 });
      expect(seen).toHaveLength(3);
    } finally {
      await sb.control.clearFaults();
    }
  });

  it("a cursor that does not advance is an error, not a loop", async () => {
    let first: string | null = null;
    const { src } = source(undefined, (p) => {
      first ??= p.endCursor;
      return { ...p, endCursor: first };
    });
    const seen: Seen[] = [];
    await expect(scanEntries(src, QUERY, { onPage: record(seen) })).rejects.toThrow(
      /^Pleo pagination did not advance \(cursor .+\)$/,
    );
    expect(seen.length).toBeLessThanOrEqual(2);
    expect(seen.length).toBeGreaterThanOrEqual(1);

    // Resumed from a cursor that Pleo answers with again: caught before anything is seen twice.
    const resumedAt = await firstCursor();
    const stuck = source(undefined, (p) => ({ ...p, endCursor: resumedAt }));
    const stuckSeen: Seen[] = [];
    await expect(scanEntries(stuck.src, QUERY, { after: resumedAt, onPage: record(stuckSeen) })).rejects.toThrow(
      `Pleo pagination did not advance (cursor ${resumedAt})`,
    );
    expect(stuck.sent).toEqual([resumedAt]);
    expect(stuckSeen).toHaveLength(1);

    // A cursor seen two pages before also counts.
    const cursors: string[] = [];
    const cycle = source(undefined, (p) => {
      if (p.endCursor) cursors.push(p.endCursor);
      return cursors.length === 3 ? { ...p, endCursor: cursors[0] } : p;
    });
    await expect(scanEntries(cycle.src, QUERY, { onPage: async () => {} })).rejects.toThrow(
      "Pleo pagination did not advance",
    );
  });

  it("an abort while the writer waits for a page: that page is not written", async () => {
    const controller = new AbortController();
    const seen: Seen[] = [];
    const { src, sent } = source(async (n) => {
      if (n !== 3) return;
      // The writer has written both pages and waits for this one when the abort comes.
      while (seen.length < 2) await sleep(5);
      await sleep(20);
      controller.abort();
    });
    await expect(scanEntries(src, QUERY, { signal: controller.signal, onPage: record(seen) })).rejects.toBeInstanceOf(
      SyncAbortedError,
    );
    expect(seen).toHaveLength(2);
    await sleep(100);
    expect(sent).toHaveLength(3);
  });

  it("once the writer fails, the fetcher finishes its request in flight and sends nothing more", async () => {
    for (const readAhead of [1, 3, 20]) {
      // The second request is held until the writer has failed on the first page.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const { src, sent } = source(async (n) => {
        if (n === 2) await held;
      });
      const boom = new Error("write failed");
      let writes = 0;
      await expect(
        scanEntries(src, QUERY, {
          readAhead,
          onPage: async () => {
            writes += 1;
            while (sent.length < 2) await sleep(5);
            throw boom;
          },
        }),
      ).rejects.toBe(boom);
      expect(writes).toBe(1);
      release();
      await sleep(300);
      expect({ readAhead, sent: sent.length }).toEqual({ readAhead, sent: 2 });
    }
  });

  it("an abort stops the scan before the next page is written", async () => {
    const controller = new AbortController();
    const seen: Seen[] = [];
    await expect(
      scanEntries(source().src, QUERY, {
        signal: controller.signal,
        onPage: async (page, cursor) => {
          await record(seen)(page, cursor);
          if (seen.length === 2) controller.abort();
        },
      }),
    ).rejects.toBeInstanceOf(SyncAbortedError);
    expect(seen).toHaveLength(2);
    const aborted = new AbortController();
    aborted.abort();
    const before = source();
    await expect(
      scanEntries(before.src, QUERY, { signal: aborted.signal, onPage: record(seen) }),
    ).rejects.toMatchObject({ name: "SyncAbortedError", message: "sync aborted" });
    expect(seen).toHaveLength(2);
    expect(before.sent).toEqual([]);
  });
});
