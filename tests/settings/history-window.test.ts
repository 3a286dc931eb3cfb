/**
 * The history window: the sync backfills from its start, a wider window backfills only what is newly in
 * range (and the copy then equals the sandbox for that range), the reconcile never marks entries outside
 * the covered range as deleted; and every dashboard read (KPIs, chart, breakdowns, table, CSV, entry
 * detail) hides the entries before it while deleting nothing, also through the widget cache. Its months
 * are the company's local months (Copenhagen here), like the dashboard's periods.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportEntriesCsv } from "@/lib/expenses/csv";
import {
  fetchBreakdown,
  fetchEntriesPage,
  fetchEntryDetail,
  fetchKpis,
  fetchMonthlySpend,
  dashboardScope,
} from "@/lib/expenses/data";
import { DEFAULT_FILTERS, type ExpenseFilters } from "@/lib/expenses/filters";
import { historyStart } from "@/lib/history-window";
import { runSync } from "@/lib/sync/run";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { DATABASE_KINDS, databaseUnavailable } from "@/tests/support/db";
import { seedEntries } from "@/tests/support/expense-seed";
import { createWorld, type World } from "@/tests/support/world";
import { SYNC_ENV } from "@/tests/sync/support";

const COMPANY = LARGE_COMPANY_ID;
/** The company's zone (its country is DK): the history window's months are Copenhagen months. */
const ZONE = "Europe/Copenhagen";

for (const kind of DATABASE_KINDS) {
  describe.skipIf(databaseUnavailable(kind))(`history window (${kind})`, () => {
    let world: World;

    beforeAll(async () => {
      world = await createWorld({
        database: kind,
        sandbox: { entries: 1500, rateLimit: false },
        env: SYNC_ENV,
        companies: [COMPANY],
      });
    });
    afterAll(async () => {
      await world?.close();
    });

    const setMonths = (historyMonths: number | null) =>
      world.prisma.pleoConnection.update({ where: { companyId: COMPANY }, data: { historyMonths } });

    /** The sandbox's live entries performed from `start` on. */
    async function sandboxLiveFrom(start: Date | null): Promise<number> {
      const s = await world.sandbox.control.summary(COMPANY, start ?? undefined);
      return start ? s.countFrom! : s.count;
    }
    const localLive = (where: object = {}) =>
      world.prisma.accountingEntry.count({ where: { companyId: COMPANY, deletedAt: null, ...where } });

    it("the window's start: the current month and the N − 1 before it (UTC by default)", () => {
      const nov15 = new Date("2026-11-15T12:00:00Z");
      expect(historyStart(3, nov15)).toEqual(new Date("2026-09-01T00:00:00Z"));
      expect(historyStart(12, nov15)).toEqual(new Date("2025-12-01T00:00:00Z"));
      expect(historyStart(1, new Date("2026-01-31T23:59:59Z"))).toEqual(new Date("2026-01-01T00:00:00Z"));
    });

    it("the window's months are the company's: Copenhagen and London, across clock changes", () => {
      // Copenhagen: 1 September starts at 22:00 UTC the day before (summer time), 1 December at 23:00.
      const nov15 = new Date("2026-11-15T12:00:00Z");
      expect(historyStart(3, nov15, ZONE)).toEqual(new Date("2026-08-31T22:00:00Z"));
      expect(historyStart(1, nov15, ZONE)).toEqual(new Date("2026-10-31T23:00:00Z"));
      // 23:30 UTC on 31 January is already February in Copenhagen, still January in London.
      const jan31 = new Date("2026-01-31T23:30:00Z");
      expect(historyStart(1, jan31, ZONE)).toEqual(new Date("2026-01-31T23:00:00Z"));
      expect(historyStart(1, jan31, "Europe/London")).toEqual(new Date("2026-01-01T00:00:00Z"));
      // London in summer: 1 April starts at 23:00 UTC on 31 March (the clocks went forward on 29 March).
      expect(historyStart(2, new Date("2026-05-10T12:00:00Z"), "Europe/London")).toEqual(
        new Date("2026-03-31T23:00:00Z"),
      );
      // Unknown zones are UTC, like the dashboard's calendar.
      expect(historyStart(3, nov15, null)).toEqual(historyStart(3, nov15));
      expect(historyStart(3, nov15, "Mars/Olympus")).toEqual(historyStart(3, nov15));
    });

    it("the first backfill fetches only the window: equal to the sandbox from its start, nothing older", async () => {
      await setMonths(3);
      const start = historyStart(3, new Date(), ZONE)!;
      const r = await runSync({ companyId: COMPANY, trigger: "connect" });
      expect(r).toMatchObject({ status: "succeeded", kind: "backfill" });
      expect(await localLive()).toBe(await sandboxLiveFrom(start));
      expect(
        await world.prisma.accountingEntry.count({ where: { companyId: COMPANY, performedAt: { lt: start } } }),
      ).toBe(0);
      const state = await world.prisma.syncState.findUniqueOrThrow({ where: { companyId: COMPANY } });
      expect(state).toMatchObject({ coveredFrom: start, backfillUntil: null });
      expect(state.backfillCompletedAt).toBeInstanceOf(Date);
    });

    it("widening backfills only what is newly in range, then the copy equals the sandbox for the wider window", async () => {
      const before = await world.prisma.syncState.findUniqueOrThrow({ where: { companyId: COMPANY } });
      const narrowStart = historyStart(3, new Date(), ZONE)!;
      const kept = await world.prisma.accountingEntry.findMany({
        where: { companyId: COMPANY },
        select: { id: true, syncedAt: true },
      });
      await setMonths(12);
      const start = historyStart(12, new Date(), ZONE)!;
      const r = await runSync({ companyId: COMPANY, trigger: "settings" });
      expect(r).toMatchObject({ status: "succeeded", kind: "backfill", updated: 0 });
      const sandboxOlder = (await sandboxLiveFrom(start)) - (await sandboxLiveFrom(narrowStart));
      expect(sandboxOlder).toBeGreaterThan(0);
      expect(r.started && r.created).toBeGreaterThanOrEqual(sandboxOlder);
      expect(await localLive()).toBe(await sandboxLiveFrom(start));
      // The entries already there were not fetched again.
      const again = await world.prisma.accountingEntry.findMany({
        where: { id: { in: kept.map((k) => k.id) } },
        select: { id: true, syncedAt: true },
      });
      expect(again).toEqual(expect.arrayContaining(kept));
      const state = await world.prisma.syncState.findUniqueOrThrow({ where: { companyId: COMPANY } });
      expect(state).toMatchObject({ coveredFrom: start, backfillUntil: null });
      // Filling in older entries is no full scan: the reconcile schedule is unchanged.
      expect(state.lastReconcileAt).toEqual(before.lastReconcileAt);
      expect(
        (await world.prisma.syncRun.findFirstOrThrow({ where: { companyId: COMPANY }, orderBy: { startedAt: "desc" } }))
          .trigger,
      ).toBe("settings");
    });

    it("the reconcile scans the covered range only and never marks older entries deleted", async () => {
      const covered = (await world.prisma.syncState.findUniqueOrThrow({ where: { companyId: COMPANY } })).coveredFrom!;
      // An entry from before the coverage (e.g. kept from an earlier, wider window).
      const old = "0a0a0a0a-0000-4000-8000-000000000001";
      await seedEntries(world.prisma, COMPANY, "DKK", [
        { id: old, performedAt: new Date(covered.getTime() - 86_400_000), billMinors: 100 },
      ]);
      const r = await runSync({ companyId: COMPANY, trigger: "schedule", kind: "reconcile" });
      expect(r).toMatchObject({ status: "succeeded", kind: "reconcile", deleted: 0 });
      expect((await world.prisma.accountingEntry.findUniqueOrThrow({ where: { id: old } })).deletedAt).toBeNull();
      await world.prisma.accountingEntry.delete({ where: { id: old } });
    });

    describe("every dashboard read hides what is before the window, and nothing is deleted", () => {
      const all: ExpenseFilters = { ...DEFAULT_FILTERS, period: "all" };
      let visible: { id: string; performedAt: Date }[];
      let hidden: { id: string; performedAt: Date }[];

      beforeAll(async () => {
        await setMonths(12);
        const start = historyStart(3, new Date(), ZONE)!;
        const rows = await world.prisma.accountingEntry.findMany({
          where: { companyId: COMPANY, deletedAt: null },
          select: { id: true, performedAt: true },
        });
        visible = rows.filter((r) => r.performedAt >= start);
        hidden = rows.filter((r) => r.performedAt < start);
        expect(visible.length).toBeGreaterThan(0);
        expect(hidden.length).toBeGreaterThan(0);
      });

      // Each read takes the scope as a request does (dashboardScope), so the widget cache is in play and
      // must follow the setting.
      async function reads() {
        const scope = (await dashboardScope(COMPANY, all, new Date()))!;
        const [page, kpis, monthly, byFamily] = await Promise.all([
          fetchEntriesPage(scope, all, 10_000),
          fetchKpis(scope, all),
          fetchMonthlySpend(scope, { ...DEFAULT_FILTERS }),
          fetchBreakdown(scope, all, "family", 100),
        ]);
        const csv = await new Response(exportEntriesCsv(scope, all)).text();
        return {
          tableIds: new Set(page.rows.map((r) => r.id)),
          tableTotal: page.total,
          kpiCount: kpis.current.count,
          monthly,
          breakdownCount: byFamily.reduce((n, b) => n + b.count, 0),
          csvRows: csv.trim().split("\r\n").length - 1,
        };
      }

      it("narrowing from 12 to 3 months: table, KPIs, chart, breakdowns, CSV and detail leave the older entries out", async () => {
        const wide = await reads();
        expect(wide.tableTotal).toBe(visible.length + hidden.length);
        await setMonths(3);
        const narrow = await reads();
        expect(narrow.tableTotal).toBe(visible.length);
        expect(hidden.some((h) => narrow.tableIds.has(h.id))).toBe(false);
        expect(narrow.csvRows).toBe(visible.length);
        expect(narrow.kpiCount).toBeLessThan(wide.kpiCount);
        expect(narrow.breakdownCount).toBe(narrow.kpiCount);
        const start = historyStart(3, new Date(), ZONE)!;
        expect(narrow.monthly.filter((m) => m.start < start).length).toBeGreaterThan(0);
        for (const m of narrow.monthly) {
          if (m.start < start) expect(m).toMatchObject({ total: 0n, count: 0 });
        }
        expect(narrow.monthly.filter((m) => m.start < start && m.count > 0)).toHaveLength(0);
        expect(wide.monthly.filter((m) => m.start < start && m.count > 0).length).toBeGreaterThan(0);
        expect(await fetchEntryDetail(COMPANY, hidden[0].id)).toBeNull();
        expect(await fetchEntryDetail(COMPANY, visible[0].id)).not.toBeNull();
        // Nothing was deleted: widening again shows them all.
        expect(await world.prisma.accountingEntry.count({ where: { companyId: COMPANY, deletedAt: null } })).toBe(
          visible.length + hidden.length,
        );
        await setMonths(12);
        expect((await reads()).tableTotal).toBe(visible.length + hidden.length);
      });
    });
  });
}
