/** Cursor paging through a 200,000-entry company over HTTP: nothing missed, nothing repeated. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { getTokensForCompany } from "@/sandbox/testing";
import { startTestSandbox, type InProcessSandbox } from "@/tests/support/sandbox";
import { search } from "./helpers";

const ENTRIES = 200_000;
let sb: InProcessSandbox;
let token: string;

beforeAll(async () => {
  const cpu0 = process.cpuUsage();
  sb = await startTestSandbox({ entries: ENTRIES, rateLimit: false });
  // Seeding 200k entries must take seconds, not minutes. CPU time (not wall time) so a busy
  // machine running other suites does not fail it.
  const cpu = process.cpuUsage(cpu0);
  expect((cpu.user + cpu.system) / 1e6).toBeLessThan(15);
  token = (await getTokensForCompany({ sandboxUrl: sb.url, companyId: LARGE_COMPANY_ID })).access_token;
}, 120_000);
afterAll(async () => {
  await sb?.close();
});

it("pages through every live entry of the 200,000-entry company exactly once", async () => {
  const summary = await sb.control.summary(LARGE_COMPANY_ID);
  expect(summary.countIncludingDeleted).toBe(ENTRIES);
  const seen = new Set<string>();
  let repeated = 0;
  let outOfOrder = 0;
  let wrongTotals = 0;
  let after: string | undefined;
  let pages = 0;
  let lastTime = Infinity;
  for (;;) {
    const r = await search(sb.url, token, LARGE_COMPANY_ID, { limit: "100", ...(after ? { after } : {}) });
    expect(r.status).toBe(200);
    pages++;
    // Plain counters instead of per-entry expect() keep 200k checks cheap.
    for (const e of r.json.data as { id: string; performedAt: string }[]) {
      if (seen.has(e.id)) repeated++;
      seen.add(e.id);
      const t = Date.parse(e.performedAt);
      if (t > lastTime) outOfOrder++; // default order: performedAt DESC
      lastTime = t;
    }
    if (r.json.pagination.total !== summary.count) wrongTotals++;
    if (!r.json.pagination.hasNextPage) break;
    after = r.json.pagination.endCursor;
  }
  expect({ repeated, outOfOrder, wrongTotals }).toEqual({ repeated: 0, outOfOrder: 0, wrongTotals: 0 });
  expect(seen.size).toBe(summary.count);
  expect(pages).toBe(Math.ceil(summary.count / 100));
  const missing = sb.state
    .company(LARGE_COMPANY_ID)!
    .data.entries.filter((e) => e.deletedAt === null && !seen.has(e.id));
  expect(missing).toHaveLength(0);
}, 120_000);

it("a deep page costs about the same as the first page (keyset cursor, binary search)", async () => {
  const timeOne = async (query: Record<string, string>) => {
    const t0 = performance.now();
    const r = await search(sb.url, token, LARGE_COMPANY_ID, { limit: "100", ...query });
    expect(r.status).toBe(200);
    return performance.now() - t0;
  };
  // Cursors carry (key, value, id) only, so the 200th-oldest entry's cursor from an ASC walk marks
  // a position ~199,800 entries deep in the default DESC order.
  const oldest = await search(sb.url, token, LARGE_COMPANY_ID, {
    limit: "100",
    sorting_keys: "performedAt",
    sorting_order: "ASC",
  });
  const deepCursor = oldest.json.pagination.endCursor as string;
  const deep = await search(sb.url, token, LARGE_COMPANY_ID, { limit: "100", after: deepCursor });
  expect(deep.json.data.length).toBeGreaterThan(90);
  expect(deep.json.pagination.hasPreviousPage).toBe(true);
  // Interleave the two kinds of request so background load affects both alike.
  let firstMs = 0;
  let deepMs = 0;
  for (let i = 0; i < 30; i++) {
    firstMs += await timeOne({});
    deepMs += await timeOne({ after: deepCursor });
  }
  expect(deepMs).toBeLessThan(firstMs * 3 + 200);
});
