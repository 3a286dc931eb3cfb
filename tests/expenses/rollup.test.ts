/**
 * The monthly spend rollup ("SpendMonthly", kept by triggers) must always equal the live entries'
 * sums, month by month in each company's time zone: after every kind of write our code and the sync
 * make, after a company's time zone changes, and after a real sync against the sandbox including its
 * activity (new, changed, deleted entries).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboardScope, fetchKpis, fetchMonthlySpend } from "@/lib/expenses/data";
import { DEFAULT_FILTERS, type ExpenseFilters } from "@/lib/expenses/filters";
import { last12Months } from "@/lib/expenses/period";
import { kpiFiguresQuery, kpiQuery, monthlyQuery, rollupCanAnswer, type Sql } from "@/lib/expenses/sql";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { runSync } from "@/lib/sync/run";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import {
  createTestDatabase,
  DATABASE_KINDS,
  databaseUnavailable,
  type DatabaseKind,
  type TestDatabase,
} from "@/tests/support/db";
import { seedCompany, seedEntries } from "@/tests/support/expense-seed";
import { createWorld, type World } from "@/tests/support/world";
import { SYNC_ENV } from "@/tests/sync/support";

type Row = {
  companyId: string;
  month: string;
  accountId: string;
  family: string;
  status: string;
  reviewStatus: string;
  billCurrency: string;
  total: string;
  count: number;
  noReceipt: number;
};

const MONTH = `date_trunc('month', (e."performedAt" AT TIME ZONE 'UTC') AT TIME ZONE COALESCE(c."timeZone", 'UTC'))`;
const SUMS = `SUM(e."billMinors")::text AS total, COUNT(*)::int AS count, SUM((e."receiptCount" = 0)::int)::int AS "noReceipt"`;
const KEYS = `e.family, e.status, e."reviewStatus", e."billCurrency"`;

/**
 * Both sides as sorted plain rows, in the two ways the reads use the rollup: its primary rows (every
 * entry once) against the entries grouped by month and keys, and each account's rows against the
 * entries that `accountIds @>` that account (as the entries' category filter matches them; "" for the
 * entries with no account). Rollup rows that netted to zero are the same as absent ones.
 */
async function bothSides(prisma: PrismaClient) {
  const norm = (rows: Row[]) =>
    rows
      .map(
        (r) =>
          `${r.companyId}|${new Date(r.month).toISOString()}|${r.accountId}|${r.family}|${r.status}|${r.reviewStatus}|${r.billCurrency}|${r.total}|${r.count}|${r.noReceipt}`,
      )
      .sort();
  const truth = await prisma.$queryRawUnsafe<Row[]>(
    `SELECT e."companyId"::text, ${MONTH} AS month, '*' AS "accountId", ${KEYS}, ${SUMS}
    FROM "AccountingEntry" e JOIN "PleoCompany" c ON c.id = e."companyId" WHERE e."deletedAt" IS NULL GROUP BY 1, 2, 3, 4, 5, 6, 7
    UNION ALL
    SELECT e."companyId"::text, ${MONTH}, x.account, ${KEYS}, ${SUMS}
    FROM (SELECT DISTINCT unnest("accountIds") AS account FROM "AccountingEntry") x
      JOIN "AccountingEntry" e ON e."accountIds" @> ARRAY[x.account] JOIN "PleoCompany" c ON c.id = e."companyId"
    WHERE e."deletedAt" IS NULL GROUP BY 1, 2, 3, 4, 5, 6, 7
    UNION ALL
    SELECT e."companyId"::text, ${MONTH}, '', ${KEYS}, ${SUMS}
    FROM "AccountingEntry" e JOIN "PleoCompany" c ON c.id = e."companyId"
    WHERE e."deletedAt" IS NULL AND coalesce(cardinality(e."accountIds"), 0) = 0 GROUP BY 1, 2, 3, 4, 5, 6, 7`,
  );
  const rollupSums = `SUM(total)::text AS total, SUM(count)::int AS count, SUM("noReceipt")::int AS "noReceipt"`;
  const rollupKeys = `family, status, "reviewStatus", "billCurrency"`;
  const rollup = await prisma.$queryRawUnsafe<Row[]>(
    `SELECT * FROM (
      SELECT "companyId"::text, month, '*' AS "accountId", ${rollupKeys}, ${rollupSums}
      FROM "SpendMonthly" WHERE "isPrimary" GROUP BY 1, 2, 3, 4, 5, 6, 7
      UNION ALL
      SELECT "companyId"::text, month, "accountId", ${rollupKeys}, ${rollupSums}
      FROM "SpendMonthly" GROUP BY 1, 2, 3, 4, 5, 6, 7
    ) r WHERE count <> 0 OR total <> '0' OR "noReceipt" <> 0`,
  );
  return { truth: norm(truth), rollup: norm(rollup) };
}

const A = "aaaaaaaa-0000-4000-8000-00000000000a";
const ACC1 = "acc00001-0000-4000-8000-000000000001";
const ACC2 = "acc00002-0000-4000-8000-000000000002";
const CPH = "c0c0c0c0-0000-4000-8000-00000000000c";
const NOW = new Date("2026-11-15T12:00:00Z");

function rollupOn(kind: DatabaseKind) {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase(kind, { processDatabase: true });
    await seedCompany(tdb.prisma, { id: A, currency: "DKK" });
    await seedCompany(tdb.prisma, { id: CPH, currency: "DKK", timeZone: "Europe/Copenhagen" });
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  it("follows inserts, updates of every keyed field, soft and hard deletes, and upserts", async () => {
    const p = tdb.prisma;
    const ids = await seedEntries(p, A, "DKK", [
      { performedAt: "2026-11-02T10:00:00Z", billMinors: 1000 },
      { performedAt: "2026-11-03T10:00:00Z", billMinors: 2000, family: "MILEAGE" },
      { performedAt: "2026-10-31T23:59:59.999Z", billMinors: 3000 },
      { performedAt: "2026-09-01T00:00:00Z", billMinors: -400, family: "CREDIT_NOTE" },
      { performedAt: "2026-09-02T00:00:00Z", billMinors: 999, deletedAt: "2026-09-03T00:00:00Z" },
      { performedAt: "2026-11-04T10:00:00Z", billMinors: 600, accountId: ACC1, receiptCount: 1 },
      // Split over two accounts: counted under both, whole, and once among the primary rows.
      {
        performedAt: "2026-11-05T10:00:00Z",
        billMinors: 900,
        accountId: ACC1,
        reviewStatus: "WAITING_FOR_REVIEW",
        splitItems: [
          { accountId: ACC1, billMinors: 400 },
          { accountId: ACC2, billMinors: 500 },
        ],
      },
    ]);
    const check = async () => {
      const { truth, rollup } = await bothSides(p);
      expect(rollup).toEqual(truth);
    };
    await check();
    await p.accountingEntry.update({ where: { id: ids[0] }, data: { billMinors: 1500n } });
    await check();
    await p.accountingEntry.update({ where: { id: ids[1] }, data: { family: "CARD_PURCHASE", status: "CANCELLED" } });
    await check();
    await p.accountingEntry.update({ where: { id: ids[2] }, data: { performedAt: new Date("2026-11-01T00:00:00Z") } });
    await check();
    await p.accountingEntry.update({ where: { id: ids[5] }, data: { accountIds: [ACC2, ACC1], receiptCount: 0 } });
    await check();
    await p.accountingEntry.update({ where: { id: ids[6] }, data: { accountIds: [], reviewStatus: "APPROVED" } });
    await check();
    await p.accountingEntry.update({ where: { id: ids[6] }, data: { accountIds: [ACC2] } });
    await check();
    await p.accountingEntry.update({ where: { id: ids[0] }, data: { deletedAt: new Date() } });
    await check();
    await p.accountingEntry.update({ where: { id: ids[4] }, data: { deletedAt: null } });
    await check();
    await p.accountingEntry.updateMany({ where: { companyId: A }, data: { syncedAt: new Date() } }); // nets to zero
    await check();
    await p.accountingEntry.delete({ where: { id: ids[3] } });
    await check();
    // The sync's shape of write: one INSERT … ON CONFLICT DO UPDATE for a page (one new, one changed).
    await p.$executeRawUnsafe(`INSERT INTO "AccountingEntry" (id, "companyId", family, status, "exportStatus", "reviewStatus", "performedAt", "pleoCreatedAt", "pleoUpdatedAt", "transactionCurrency", "transactionMinors", "billCurrency", "billMinors")
      VALUES ('${ids[2]}', '${A}', 'CARD_PURCHASE', 'COMPLETED', 'NOT_EXPORTED', 'OK', '2026-08-05 00:00:00', now(), now(), 'DKK', 7000, 'DKK', 7000),
             ('bbbbbbbb-0000-4000-8000-0000000000bb', '${A}', 'OUT_OF_POCKET', 'PENDING', 'NOT_EXPORTED', 'OK', '2026-08-06 00:00:00', now(), now(), 'DKK', 50, 'DKK', 50)
      ON CONFLICT (id) DO UPDATE SET "performedAt" = EXCLUDED."performedAt", "billMinors" = EXCLUDED."billMinors"`);
    await check();
    const { truth } = await bothSides(p);
    expect(truth.length).toBeGreaterThan(2);
    expect(truth.some((r) => r.includes(`|${ACC1}|`))).toBe(true);
  });

  it("cuts months in the company's zone, and re-cuts them in one transaction when the zone changes", async () => {
    const p = tdb.prisma;
    await seedEntries(p, CPH, "DKK", [
      // 23:30 UTC on 31 October is 00:30 on 1 November in Copenhagen: November there.
      { performedAt: "2026-10-31T23:30:00Z", billMinors: 100 },
      // 21:59 UTC on 31 March is 23:59 CEST: still March.
      { performedAt: "2026-03-31T21:59:00Z", billMinors: 200 },
      { performedAt: "2026-03-31T22:00:00Z", billMinors: 400 }, // 00:00 CEST 1 April
    ]);
    const months = async () =>
      (
        await p.$queryRawUnsafe<{ month: Date; total: string }[]>(
          `SELECT month, SUM(total)::text AS total FROM "SpendMonthly" WHERE "companyId" = '${CPH}' AND "isPrimary"
            GROUP BY month HAVING SUM(count) <> 0 ORDER BY month`,
        )
      ).map((r) => [new Date(r.month).toISOString().slice(0, 7), r.total]);
    expect(await months()).toEqual([
      ["2026-03", "200"],
      ["2026-04", "400"],
      ["2026-11", "100"],
    ]);
    let sides = await bothSides(p);
    expect(sides.rollup).toEqual(sides.truth);
    await p.pleoCompany.update({ where: { id: CPH }, data: { timeZone: "UTC" } });
    expect(await months()).toEqual([
      ["2026-03", "600"],
      ["2026-10", "100"],
    ]);
    sides = await bothSides(p);
    expect(sides.rollup).toEqual(sides.truth);
    await p.pleoCompany.update({ where: { id: CPH }, data: { timeZone: "Europe/Copenhagen" } });
    sides = await bothSides(p);
    expect(sides.rollup).toEqual(sides.truth);
  });

  it("answers the 12-month chart exactly like the entries do, with and without filters it can answer", async () => {
    for (const company of [A, CPH]) {
      for (const over of [
        {},
        { family: "CARD_PURCHASE" },
        { status: "PENDING" },
        { family: "MILEAGE", status: "COMPLETED" },
        { category: ACC1 },
        { category: ACC2, review: "WAITING" },
        { category: "none" },
        { review: "APPROVED" },
      ] as Partial<ExpenseFilters>[]) {
        const f = { ...DEFAULT_FILTERS, ...over };
        expect(rollupCanAnswer(f)).toBe(true);
        const scope = (await dashboardScope(company, f, NOW))!;
        const viaRollup = await fetchMonthlySpend(scope, f);
        const months = last12Months(NOW, scope.timeZone);
        const direct = await tdb.prisma.$queryRaw<{ month: Date; total: bigint }[]>(
          monthlyQuery(scope, f, months, "DKK"),
        );
        const byMonth = new Map(direct.map((r) => [new Date(r.month).toISOString().slice(0, 7), BigInt(r.total)]));
        expect(viaRollup.map((m) => [m.month, m.total])).toEqual(months.map((m) => [m.key, byMonth.get(m.key) ?? 0n]));
        if (company === CPH && Object.keys(over).length === 0) {
          // The 23:30 UTC entry of 31 October is November's in Copenhagen.
          expect(viaRollup.find((m) => m.month === "2026-11")?.total).toBe(100n);
          expect(viaRollup.find((m) => m.month === "2026-10")?.total).toBe(0n);
        }
      }
    }
    expect(rollupCanAnswer({ ...DEFAULT_FILTERS, q: "x" })).toBe(false);
    expect(rollupCanAnswer({ ...DEFAULT_FILTERS, receipt: "missing" })).toBe(false);
    expect(rollupCanAnswer({ ...DEFAULT_FILTERS, employee: A })).toBe(false);
    expect(rollupCanAnswer({ ...DEFAULT_FILTERS, tag: A })).toBe(false);
  });

  it("answers the KPIs exactly like the entries do, for every calendar period and the filters it can answer", async () => {
    const rows = async (q: Sql) =>
      (await tdb.prisma.$queryRaw<Record<string, unknown>[]>(q))
        .map((r) => JSON.stringify(r, (_, v) => (typeof v === "bigint" ? v.toString() : v)))
        .sort();
    let viaRollup = 0;
    for (const company of [A, CPH]) {
      for (const period of [
        "this-month",
        "last-month",
        "this-quarter",
        "this-year",
        "last-12-months",
        "all",
      ] as const) {
        for (const over of [
          {},
          { category: ACC1 },
          { category: ACC2 },
          { category: "none" },
          { review: "WAITING" },
          { family: "CARD_PURCHASE", status: "COMPLETED", review: "NOT_REQUIRED" },
        ] as Partial<ExpenseFilters>[]) {
          const f = { ...DEFAULT_FILTERS, period, ...over };
          const scope = (await dashboardScope(company, f, NOW))!;
          const { current, previous } = scope.period;
          const q = kpiFiguresQuery(scope, f, current, previous);
          expect(q.sql).toContain('"SpendMonthly"');
          viaRollup++;
          expect(await rows(q)).toEqual(await rows(kpiQuery(scope, f, current, previous)));
        }
      }
    }
    expect(viaRollup).toBe(72);
    // This month: the entry on [ACC2, ACC1] (600) and the one on ACC2 (900) count once each without a
    // category, and each whole under every account it has.
    const month = { ...DEFAULT_FILTERS, period: "this-month" } as const;
    const scope = (await dashboardScope(A, month, NOW))!;
    const figures = async (over: Partial<ExpenseFilters>) => {
      const { total, count } = (await fetchKpis(scope, { ...month, ...over })).current;
      return { total, count };
    };
    expect(await figures({})).toEqual({ total: 1500n, count: 2 });
    expect(await figures({ category: ACC1 })).toEqual({ total: 600n, count: 1 });
    expect(await figures({ category: ACC2 })).toEqual({ total: 1500n, count: 2 });
    // Rolling and custom ranges are not whole months: the entries answer them.
    for (const over of [
      { period: "last-30-days" },
      { period: "custom", from: "2026-11-02", to: "2026-11-09" },
      { q: "coffee" },
    ] as Partial<ExpenseFilters>[]) {
      const f = { ...DEFAULT_FILTERS, ...over };
      const s = (await dashboardScope(A, f, NOW))!;
      expect(kpiFiguresQuery(s, f, s.period.current, s.period.previous).sql).not.toContain('"SpendMonthly"');
    }
  });
}

for (const kind of DATABASE_KINDS)
  describe.skipIf(databaseUnavailable(kind))(`SpendMonthly on ${kind}`, () => rollupOn(kind));

describe("SpendMonthly after a real sync and sandbox activity", () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld({
      database: "pglite",
      sandbox: { entries: 1500, rateLimit: false },
      env: SYNC_ENV,
      companies: [LARGE_COMPANY_ID],
    });
  });
  afterAll(async () => {
    await world?.close();
  });

  it("equals the entries after the backfill and after an incremental run with new, changed and deleted entries", async () => {
    const first = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "connect" });
    expect(first).toMatchObject({ started: true, status: "succeeded" });
    let sides = await bothSides(world.prisma);
    expect(sides.truth.length).toBeGreaterThan(20);
    expect(sides.rollup).toEqual(sides.truth);

    const changed = await world.sandbox.control.activity(LARGE_COMPANY_ID, { created: 20, updated: 20, deleted: 10 });
    expect(changed.deleted).toHaveLength(10);
    const second = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "manual", kind: "reconcile" });
    expect(second).toMatchObject({ started: true, status: "succeeded" });
    sides = await bothSides(world.prisma);
    expect(sides.rollup).toEqual(sides.truth);
  });
});
