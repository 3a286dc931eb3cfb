/**
 * The monthly spend rollup ("SpendMonthly", kept by triggers) must always equal the live entries'
 * sums, month by month in each company's time zone: after every kind of write our code and the sync
 * make, after a company's time zone changes, and after a real sync against the sandbox including its
 * activity (new, changed, deleted entries).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboardScope, fetchMonthlySpend } from "@/lib/expenses/data";
import { DEFAULT_FILTERS, type ExpenseFilters } from "@/lib/expenses/filters";
import { last12Months } from "@/lib/expenses/period";
import { monthlyQuery, rollupCanAnswer } from "@/lib/expenses/sql";
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
  family: string;
  status: string;
  billCurrency: string;
  total: string;
  count: number;
};

/** Both sides as sorted plain rows; rollup rows that netted to zero are the same as absent ones. */
async function bothSides(prisma: PrismaClient) {
  const norm = (rows: Row[]) =>
    rows
      .map(
        (r) =>
          `${r.companyId}|${new Date(r.month).toISOString()}|${r.family}|${r.status}|${r.billCurrency}|${r.total}|${r.count}`,
      )
      .sort();
  const truth = await prisma.$queryRawUnsafe<
    Row[]
  >(`SELECT e."companyId"::text, date_trunc('month', (e."performedAt" AT TIME ZONE 'UTC') AT TIME ZONE COALESCE(c."timeZone", 'UTC')) AS month,
      e.family, e.status, e."billCurrency", SUM(e."billMinors")::text AS total, COUNT(*)::int AS count
    FROM "AccountingEntry" e JOIN "PleoCompany" c ON c.id = e."companyId" WHERE e."deletedAt" IS NULL GROUP BY 1, 2, 3, 4, 5`);
  const rollup = await prisma.$queryRawUnsafe<Row[]>(
    `SELECT "companyId"::text, month, family, status, "billCurrency", total::text, count FROM "SpendMonthly" WHERE count <> 0 OR total <> 0`,
  );
  return { truth: norm(truth), rollup: norm(rollup) };
}

const A = "aaaaaaaa-0000-4000-8000-00000000000a";
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
          `SELECT month, total::text FROM "SpendMonthly" WHERE "companyId" = '${CPH}' AND count <> 0 ORDER BY month`,
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
        if (company === CPH && !over.family && !over.status) {
          // The 23:30 UTC entry of 31 October is November's in Copenhagen.
          expect(viaRollup.find((m) => m.month === "2026-11")?.total).toBe(100n);
          expect(viaRollup.find((m) => m.month === "2026-10")?.total).toBe(0n);
        }
      }
    }
    expect(rollupCanAnswer({ ...DEFAULT_FILTERS, q: "x" })).toBe(false);
    expect(rollupCanAnswer({ ...DEFAULT_FILTERS, employee: A })).toBe(false);
    expect(rollupCanAnswer({ ...DEFAULT_FILTERS, tag: A })).toBe(false);
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
