/**
 * POST /v1/accounting-entries:search: paging, sort orders (incl. null placement), filters, totals,
 * validation, and cursor stability while data changes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPANY_BRIGHTWAVE, COMPANY_NORDLYS } from "@/sandbox/seed/fixtures";
import { getTokensForCompany } from "@/sandbox/testing";
import { startTestSandbox, type InProcessSandbox } from "@/tests/support/sandbox";
import { controlRequest, search } from "./helpers";

type Entry = Record<string, unknown> & { id: string; deletedAt: string | null };
let sb: InProcessSandbox;
let token: string;
let smallToken: string;
const LARGE = COMPANY_NORDLYS.id;
const SMALL = COMPANY_BRIGHTWAVE.id;

beforeAll(async () => {
  sb = await startTestSandbox({ entries: 3000, rateLimit: false });
  token = (await getTokensForCompany({ sandboxUrl: sb.url, companyId: LARGE })).access_token;
  smallToken = (await getTokensForCompany({ sandboxUrl: sb.url, companyId: SMALL })).access_token;
});
afterAll(async () => {
  await sb.close();
});

/** Follow `after` cursors to the end; returns entries in order plus every page's pagination. */
async function pageAll(tok: string, company: string, query: Record<string, string | string[]>, body: unknown = {}) {
  const out: Entry[] = [];
  const pages: Record<string, unknown>[] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    const r = await search(sb.url, tok, company, { ...query, ...(after ? { after } : {}) }, body);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    out.push(...r.json.data);
    pages.push(r.json.pagination);
    if (!r.json.pagination.hasNextPage) break;
    after = r.json.pagination.endCursor;
  }
  return { entries: out, pages };
}

/** Reference order computed independently from the sandbox's raw data (nulls per PostgreSQL rules). */
function expectedOrder(
  key: "performedAt" | "settledAt" | "bookkeepingDate" | "id",
  order: string,
  includeDeleted: boolean,
) {
  const company = sb.state.company(SMALL)!;
  const rows = company.data.entries
    .filter((e) => includeDeleted || e.deletedAt === null)
    .map((e) => ({ id: e.id, v: key === "id" ? e.id : e[key] }));
  const desc = order.startsWith("DESC");
  const nullsFirst = order === "ASC_NULLS_FIRST" || order === "DESC" || order === "DESC_NULLS_FIRST";
  rows.sort((a, b) => {
    if (a.v === null && b.v !== null) return nullsFirst ? -1 : 1;
    if (b.v === null && a.v !== null) return nullsFirst ? 1 : -1;
    const c = a.v === b.v ? 0 : (a.v as number | string) < (b.v as number | string) ? -1 : 1;
    const t = c !== 0 ? c : a.id < b.id ? -1 : 1;
    return desc ? -t : t;
  });
  return rows.map((r) => r.id);
}

describe("paging and sorting", () => {
  it("default: 20 entries, newest performedAt first, total = live entries", async () => {
    const r = await search(sb.url, token, LARGE);
    expect(r.json.data).toHaveLength(20);
    const p = r.json.pagination;
    expect(p).toMatchObject({
      hasNextPage: true,
      hasPreviousPage: false,
      total: 3000 - sb.state.company(LARGE)!.deletedCount,
    });
    expect(p.currentRequestPagination).toEqual({
      parameters: { company_id: [LARGE] },
      limit: 20,
      sortingKeys: ["performedAt"],
      sortingOrder: ["DESC"],
    });
    expect(p.startCursor).toMatch(/^[A-Z2-7=~]+$/);
    const times = r.json.data.map((e: Entry) => Date.parse(e.performedAt as string));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  for (const key of ["performedAt", "settledAt", "bookkeepingDate", "id"] as const) {
    for (const order of ["ASC", "DESC", "ASC_NULLS_FIRST", "DESC_NULLS_LAST"]) {
      it(`${key} ${order}: full walk matches an independent sort, no entry missed or repeated`, async () => {
        const { entries } = await pageAll(
          smallToken,
          SMALL,
          { sorting_keys: key, sorting_order: order, limit: "37" },
          { includeDeleted: true },
        );
        expect(entries.map((e) => e.id)).toEqual(expectedOrder(key, order, true));
      });
    }
  }

  it("before cursors walk backwards to the same pages", async () => {
    const q = { sorting_keys: "settledAt", sorting_order: "ASC", limit: "25" };
    const forward = await pageAll(smallToken, SMALL, q);
    const ids = forward.entries.map((e) => e.id);
    const back: string[] = [];
    let before = forward.pages[forward.pages.length - 1].endCursor as string;
    // The last entry itself is the cursor: collect it first, then walk back.
    back.unshift(ids[ids.length - 1]);
    for (;;) {
      const r = await search(sb.url, smallToken, SMALL, { ...q, before });
      back.unshift(...r.json.data.map((e: Entry) => e.id));
      expect(r.json.pagination.hasNextPage).toBe(true);
      if (!r.json.pagination.hasPreviousPage) break;
      before = r.json.pagination.startCursor;
    }
    expect(back).toEqual(ids);
  });

  it("hasPreviousPage is true after the first page", async () => {
    const first = await search(sb.url, token, LARGE, { limit: "5" });
    const second = await search(sb.url, token, LARGE, { limit: "5", after: first.json.pagination.endCursor });
    expect(second.json.pagination.hasPreviousPage).toBe(true);
    expect(second.json.pagination.currentRequestPagination.after).toBe(first.json.pagination.endCursor);
  });
});

describe("filters", () => {
  it("families, status and a performedAt range combine; total matches the walk", async () => {
    const now = Date.now();
    const start = new Date(now - 120 * 86400_000).toISOString();
    const end = new Date(now - 30 * 86400_000).toISOString();
    const body = { families: ["CARD_PURCHASE"], status: ["COMPLETED"], performedAtStart: start, performedAtEnd: end };
    const { entries, pages } = await pageAll(token, LARGE, { limit: "100" }, body);
    expect(entries.length).toBeGreaterThan(100);
    for (const e of entries) {
      expect(e.family).toBe("CARD_PURCHASE");
      expect(e.status).toBe("COMPLETED");
      const t = Date.parse(e.performedAt as string);
      expect(t).toBeGreaterThanOrEqual(Date.parse(start));
      expect(t).toBeLessThan(Date.parse(end));
      expect(e.deletedAt).toBeNull();
    }
    for (const p of pages) expect(p.total).toBe(entries.length);
    const expected = sb.state
      .company(LARGE)!
      .data.entries.filter(
        (e) =>
          e.family === "CARD_PURCHASE" &&
          e.status === "COMPLETED" &&
          e.deletedAt === null &&
          e.performedAt >= Date.parse(start) &&
          e.performedAt < Date.parse(end),
      ).length;
    expect(entries.length).toBe(expected);
  });

  it("a settledAt range while sorting by performedAt still filters correctly", async () => {
    const start = new Date(Date.now() - 60 * 86400_000).toISOString();
    const { entries } = await pageAll(token, LARGE, { limit: "100" }, { settledAtStart: start });
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) expect(Date.parse(e.settledAt as string)).toBeGreaterThanOrEqual(Date.parse(start));
  });

  it("includeDeleted returns deleted entries with deletedAt; default hides them", async () => {
    const all = await search(sb.url, token, LARGE, { limit: "1" }, { includeDeleted: true });
    const live = await search(sb.url, token, LARGE, { limit: "1" });
    const deletedCount = sb.state.company(LARGE)!.deletedCount;
    expect(deletedCount).toBeGreaterThan(0);
    expect(all.json.pagination.total - live.json.pagination.total).toBe(deletedCount);
    const { entries } = await pageAll(
      token,
      LARGE,
      { limit: "100" },
      { includeDeleted: true, families: ["CARD_PURCHASE"] },
    );
    expect(entries.some((e) => e.deletedAt !== null)).toBe(true);
  });

  it("id-based filters (employee, account, tag, team) and currencies", async () => {
    const sample = (await search(sb.url, token, LARGE, { limit: "100" })).json.data as Entry[];
    const withTag = sample.find((e) => (e.tags as unknown[]).length > 0)!;
    const tagId = (withTag.tags as { tagId: string }[])[0].tagId;
    const employeeId = sample[0].employeeId ?? sample.find((e) => e.employeeId)!.employeeId;
    const accountId = sample.find((e) => e.accountCode)!.accountId as string;
    const teamId = sample.find((e) => e.teamId)!.teamId as string;
    const checks: [Record<string, unknown>, (e: Entry) => boolean][] = [
      [{ tagRowIds: [tagId] }, (e) => (e.tags as { tagId: string }[]).some((t) => t.tagId === tagId)],
      [{ employeeIds: [employeeId] }, (e) => e.employeeId === employeeId],
      [{ accountIds: [accountId] }, (e) => e.accountId === accountId],
      [{ teamIds: [teamId] }, (e) => e.teamId === teamId],
      [
        { transactionValueCurrencies: ["SEK", "ISK"] },
        (e) => ["SEK", "ISK"].includes((e.transactionValue as { currency: string }).currency),
      ],
      [{ hasNote: false }, (e) => e.note === undefined],
      [{ settled: false }, (e) => e.settledAt === undefined],
      [{ reviewStatus: ["WAITING_FOR_REVIEWER"] }, (e) => e.reviewStatus === "WAITING_FOR_REVIEWER"],
      [{ exportStatus: ["EXPORTED"] }, (e) => e.exportStatus === "EXPORTED"],
    ];
    for (const [body, pred] of checks) {
      const r = await search(sb.url, token, LARGE, { limit: "100" }, body);
      expect(r.status).toBe(200);
      expect(r.json.data.length, JSON.stringify(body)).toBeGreaterThan(0);
      for (const e of r.json.data) expect(pred(e), JSON.stringify(body)).toBe(true);
    }
  });
});

describe("money", () => {
  it("minor units follow the currency exponent (ISK 0 decimals); wallet currency is the company's", async () => {
    const { entries } = await pageAll(
      token,
      LARGE,
      { limit: "100" },
      { transactionValueCurrencies: ["ISK", "EUR"], families: ["CARD_PURCHASE"] },
    );
    const isk = entries.filter((e) => (e.transactionValue as { currency: string }).currency === "ISK");
    const eur = entries.filter((e) => (e.transactionValue as { currency: string }).currency === "EUR");
    expect(isk.length).toBeGreaterThan(0);
    expect(eur.length).toBeGreaterThan(0);
    const ratio = (e: Entry) =>
      (e.totalBillValue as { minors: number }).minors / (e.transactionValue as { minors: number }).minors;
    for (const e of [...isk, ...eur]) {
      expect((e.totalBillValue as { currency: string }).currency).toBe("DKK");
      expect(Number.isInteger((e.transactionValue as { minors: number }).minors)).toBe(true);
    }
    // 1 ISK ≈ 0.049 DKK → 1 ISK minor (a whole króna) ≈ 4.9 DKK minors (øre); 1 EUR cent ≈ 7.5 øre.
    for (const e of isk) expect(ratio(e)).toBeGreaterThan(4.6);
    for (const e of isk) expect(ratio(e)).toBeLessThan(5.3);
    for (const e of eur) expect(ratio(e)).toBeGreaterThan(7.1);
    for (const e of eur) expect(ratio(e)).toBeLessThan(7.9);
  });

  it("spend is positive; credit notes, cashback and wallet loads are negative", async () => {
    const spend = await search(sb.url, token, LARGE, { limit: "100" }, { families: ["OUT_OF_POCKET", "MILEAGE"] });
    expect(spend.json.data.length).toBeGreaterThan(0);
    for (const e of spend.json.data) expect(e.totalBillValue.minors).toBeGreaterThan(0);
    const credits = await search(
      sb.url,
      token,
      LARGE,
      { limit: "100" },
      { families: ["CREDIT_NOTE", "CASHBACK", "WALLET"] },
    );
    expect(credits.json.data.length).toBeGreaterThan(0);
    for (const e of credits.json.data) expect(e.totalBillValue.minors).toBeLessThan(0);
  });

  it("split items sum to the entry amounts", async () => {
    const { entries } = await pageAll(token, LARGE, { limit: "100" }, { families: ["CARD_PURCHASE", "BILL_INVOICE"] });
    const split = entries.filter((e) => (e.splitItems as unknown[]).length > 0);
    expect(split.length).toBeGreaterThan(0);
    for (const e of split) {
      const items = e.splitItems as { totalBillValue: { minors: number }; transactionValue: { minors: number } }[];
      expect(items.reduce((n, i) => n + i.totalBillValue.minors, 0)).toBe(
        (e.totalBillValue as { minors: number }).minors,
      );
      expect(items.reduce((n, i) => n + i.transactionValue.minors, 0)).toBe(
        (e.transactionValue as { minors: number }).minors,
      );
    }
  });
});

describe("validation → 400 BAD_REQUEST", () => {
  const bad: [string, Record<string, string | string[]>, unknown][] = [
    ["limit 0", { limit: "0" }, {}],
    ["limit 101", { limit: "101" }, {}],
    ["limit not a number", { limit: "ten" }, {}],
    ["before and after", { before: "AAAA", after: "AAAA" }, {}],
    ["malformed cursor", { after: "not-base32!" }, {}],
    ["unknown sort key", { sorting_keys: "amount" }, {}],
    ["unknown order", { sorting_keys: "id", sorting_order: "UP" }, {}],
    ["orders length mismatch", { sorting_keys: ["id", "performedAt"], sorting_order: ["ASC"] }, {}],
    ["unknown family", {}, { families: ["GROCERIES"] }],
    ["two date filters", {}, { performedAtStart: "2025-01-01T00:00:00Z", settledAtEnd: "2025-02-01T00:00:00Z" }],
    ["bad date", {}, { performedAtStart: "yesterday" }],
    ["unknown body field", {}, { supplierName: "DSB" }],
    ["not JSON", {}, "{nope"],
  ];
  for (const [name, query, body] of bad) {
    it(name, async () => {
      const r = await search(sb.url, token, LARGE, query, body);
      expect(r.status).toBe(400);
      expect(r.json.type).toBe("BAD_REQUEST");
      expect(r.json.message.length).toBeGreaterThan(0);
    });
  }

  it("a cursor issued for another sort key", async () => {
    const byId = await search(sb.url, token, LARGE, { sorting_keys: "id", limit: "1" });
    const r = await search(sb.url, token, LARGE, {
      sorting_keys: "performedAt",
      after: byId.json.pagination.endCursor,
    });
    expect(r.status).toBe(400);
    expect(r.json.message).toMatch(/sorting key/);
  });

  it("missing company_id / malformed company_id", async () => {
    const r1 = await fetch(`${sb.url}/v1/accounting-entries:search`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(r1.status).toBe(400);
    expect((await search(sb.url, token, "not-a-uuid")).status).toBe(400);
  });
});

describe("changing data", () => {
  it("cursors stay valid across creates, updates and deletes; new entries show up; totals follow", async () => {
    const q = { sorting_keys: "performedAt", sorting_order: "ASC", limit: "50" };
    const first = await search(sb.url, token, LARGE, q);
    const before = first.json.pagination.total;
    const activity = await sb.control.activity(LARGE, { created: 5, updated: 20, deleted: 3 });
    expect(activity.created).toHaveLength(5);
    expect(activity.updated).toHaveLength(20);
    expect(activity.deleted).toHaveLength(3);
    const rest = await pageAll(token, LARGE, { ...q, after: first.json.pagination.endCursor });
    expect(rest.pages[0].total).toBe(before + 5 - 3);
    const ids = [...first.json.data.map((e: Entry) => e.id), ...rest.entries.map((e) => e.id)];
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of activity.created) expect(ids).toContain(id);
    // Deleted entries vanish from later pages (one may have been on the page read before the change).
    const later = new Set(rest.entries.map((e) => e.id));
    for (const id of activity.deleted) expect(later.has(id)).toBe(false);
    // Still sorted by performedAt after the index was updated.
    const all = [...first.json.data, ...rest.entries];
    const times = all.map((e: Entry) => Date.parse(e.performedAt as string));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
    // Updated entries carry a fresh updatedAt.
    const updated = all.find((e: Entry) => e.id === activity.updated[0]) as Entry;
    expect(Date.now() - Date.parse(updated.updatedAt as string)).toBeLessThan(60_000);
  });

  it("new entries are performed within the last 3 days, or within performedWithinSeconds", async () => {
    const recent = await sb.control.activity(LARGE, { created: 8, performedWithinSeconds: 60 });
    const older = await sb.control.activity(LARGE, { created: 40 });
    const all = (await pageAll(token, LARGE, { sorting_keys: "performedAt", sorting_order: "DESC", limit: "100" }))
      .entries;
    const ageOf = (id: string) => Date.now() - Date.parse(all.find((e: Entry) => e.id === id)!.performedAt as string);
    expect(recent.created).toHaveLength(8);
    for (const id of recent.created) expect(ageOf(id)).toBeLessThanOrEqual(61_000);
    const olderAges = older.created.map(ageOf);
    expect(olderAges).toHaveLength(40);
    expect(Math.max(...olderAges)).toBeLessThanOrEqual(3 * 86_400_000 + 1_000);
    // Spread over the 3 days, not the last minute.
    expect(Math.max(...olderAges)).toBeGreaterThan(60_000);
    await expect(
      controlRequest(sb.url, "POST", `/companies/${LARGE}/activity`, { created: 1, performedWithinSeconds: 0 }),
    ).resolves.toMatchObject({ status: 400 });
  });

  it("index orders stay exact after many updates move entries between null and non-null settledAt", async () => {
    await sb.control.activity(SMALL, { created: 30, updated: 120, deleted: 10 });
    for (const [key, order] of [
      ["settledAt", "ASC_NULLS_FIRST"],
      ["bookkeepingDate", "DESC"],
      ["performedAt", "ASC"],
    ] as const) {
      const { entries } = await pageAll(
        smallToken,
        SMALL,
        { sorting_keys: key, sorting_order: order, limit: "41" },
        { includeDeleted: true },
      );
      expect(entries.map((e) => e.id)).toEqual(expectedOrder(key, order, true));
    }
  });
});
