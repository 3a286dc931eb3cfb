/**
 * The tenant boundary of the sync's writes and of the name look-ups (README → Security). Pleo's ids are
 * global; here the sandbox is made to break that: company B serves an entry whose id is one of company
 * A's entries, and an employee whose id is one of A's employees (a direct write to the in-process
 * sandbox's data). After syncing A, then B, then both again: A's rows are exactly A's (nothing moved to
 * B, nothing overwritten by B's payload), B's other rows are all there, each skip is logged as
 * `pleo.anomaly` with ids only and counted in B's runs; and B's table, employee breakdown and CSV never
 * show A's employee's name for B's entries that carry the shared employee id, while A's still do.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportEntriesCsv } from "@/lib/expenses/csv";
import { dashboardScope, fetchBreakdown, fetchEntriesPage } from "@/lib/expenses/data";
import { parseExpenseFilters } from "@/lib/expenses/filters";
import { heldByOtherCompanies, withoutAnomalies } from "@/lib/sync/anomalies";
import { runSync } from "@/lib/sync/run";
import { DEMO_SECOND_COMPANY_ID, SOLO_COMPANY_ID } from "@/sandbox/seed/fixtures";
import type { SandboxState } from "@/sandbox/store";
import { DATABASE_KINDS, databaseUnavailable } from "@/tests/support/db";
import { captureLogger, setProcessLogger } from "@/tests/support/logs";
import type { InProcessSandbox } from "@/tests/support/sandbox";
import { createWorld, type World } from "@/tests/support/world";
import { SYNC_ENV } from "./support";

const A = DEMO_SECOND_COMPANY_ID;
const B = SOLO_COMPANY_ID;
const A_NAME = "Asta-Tenant Ahlgren";
const B_NAME = "Bodil-Tenant Brandt";

/** Make B's first live entry and first employee carry ids of A's; returns the shared ids. */
function shareIds(state: SandboxState): { entryId: string; employeeId: string; bEntriesOfEmployee: number } {
  const a = state.company(A)!.data;
  const b = state.company(B)!.data;
  const aEntry = a.entries.find((e) => e.deletedAt === null)!;
  const bPos = b.entries.findIndex((e) => e.deletedAt === null);
  b.byId.delete(b.entries[bPos].id);
  b.entries[bPos].id = aEntry.id;
  b.byId.set(aEntry.id, bPos);
  // A's employee 0 and B's employee 0 share an id; distinctive names so a leak cannot hide in the seed's.
  [a.employees[0].firstName, a.employees[0].lastName] = A_NAME.split(" ");
  [b.employees[0].firstName, b.employees[0].lastName] = B_NAME.split(" ");
  b.employees[0].id = a.employees[0].id;
  const bEntriesOfEmployee = b.entries.filter((e) => e.deletedAt === null && e.employee === 0).length;
  return { entryId: aEntry.id, employeeId: a.employees[0].id, bEntriesOfEmployee };
}

for (const kind of DATABASE_KINDS) {
  describe.skipIf(databaseUnavailable(kind))(`tenant guard in sync writes and name look-ups (${kind})`, () => {
    let world: World;
    let shared: ReturnType<typeof shareIds>;
    let logs: ReturnType<typeof captureLogger>;

    beforeAll(async () => {
      world = await createWorld({
        database: kind,
        sandbox: { entries: 50, rateLimit: false },
        env: SYNC_ENV,
        companies: [A, B],
      });
      shared = shareIds((world.sandbox as InProcessSandbox).state);
      expect(shared.bEntriesOfEmployee).toBeGreaterThan(0);
      logs = captureLogger();
      setProcessLogger(logs.logger);
      for (const company of [A, B, A, B]) {
        expect(await runSync({ companyId: company, trigger: "manual" })).toMatchObject({ status: "succeeded" });
      }
    });
    afterAll(async () => {
      setProcessLogger(undefined);
      await world?.close();
    });

    it("A's rows stay A's: the shared entry and employee were neither moved nor overwritten", async () => {
      const aData = (world.sandbox as InProcessSandbox).state.company(A)!.data;
      const aEntry = aData.entries[aData.byId.get(shared.entryId)!];
      const entry = await world.prisma.accountingEntry.findUniqueOrThrow({ where: { id: shared.entryId } });
      expect(entry.companyId).toBe(A);
      expect(entry.billMinors).toBe(BigInt(aEntry.billMinors));
      expect(entry.performedAt.getTime()).toBe(aEntry.performedAt);
      const employee = await world.prisma.employee.findUniqueOrThrow({ where: { id: shared.employeeId } });
      expect(employee).toMatchObject({ companyId: A, firstName: "Asta-Tenant", lastName: "Ahlgren" });
      // All of A's live entries are A's in our copy; B's are all there but the one whose id A holds.
      const live = (id: string) =>
        (world.sandbox as InProcessSandbox).state.company(id)!.data.entries.filter((e) => e.deletedAt === null).length;
      const count = (companyId: string) =>
        world.prisma.accountingEntry.count({ where: { companyId, deletedAt: null } });
      expect(await count(A)).toBe(live(A));
      expect(await count(B)).toBe(live(B) - 1);
    });

    it("each skip is logged as pleo.anomaly with ids only, and counted in B's runs (never A's)", async () => {
      const anomalies = logs.lines().filter((l) => l.event === "pleo.anomaly");
      const seen = new Set(anomalies.map((l) => `${l.table} ${l.id} ${l.companyId} ${l.heldBy}`));
      expect(seen).toEqual(
        new Set([`AccountingEntry ${shared.entryId} ${B} ${A}`, `Employee ${shared.employeeId} ${B} ${A}`]),
      );
      // Ids, never the payload.
      for (const line of anomalies) {
        expect(Object.keys(line).sort()).toEqual(
          // The run's logger adds its module and run id.
          [
            "companyId",
            "event",
            "heldBy",
            "id",
            "kind",
            "level",
            "module",
            "msg",
            "name",
            "runId",
            "table",
            "time",
          ].sort(),
        );
      }
      for (const line of anomalies) {
        expect(line).toMatchObject({
          level: 40,
          kind: "id_held_by_other_company",
          msg: "sync: Pleo sent a row whose id another company's row has; kept that row, skipped this one",
        });
      }
      expect(logs.text()).not.toContain("Bodil-Tenant");
      const runs = await world.prisma.syncRun.findMany({
        select: { companyId: true, kind: true, anomalies: true },
        orderBy: { startedAt: "asc" },
      });
      expect(runs.filter((r) => r.companyId === A).map((r) => r.anomalies)).toEqual([0, 0]);
      // B's backfill skipped the entry and the employee; its next run (an incremental over the trailing
      // window, which may not reach that entry) skipped the employee again at least.
      const bRuns = runs.filter((r) => r.companyId === B);
      expect(bRuns.map((r) => r.kind)).toEqual(["backfill", "incremental"]);
      expect(bRuns[0].anomalies).toBe(2);
      expect(bRuns[1].anomalies).toBeGreaterThanOrEqual(1);
    });

    it("B's table, employee breakdown and CSV never show A's employee for B's entries; A's still do", async () => {
      const filters = parseExpenseFilters(new URLSearchParams({ period: "all" })).filters;
      const read = async (companyId: string) => {
        const scope = (await dashboardScope(companyId, filters, new Date()))!;
        const page = await fetchEntriesPage(scope, filters, 1000);
        const employees = await fetchBreakdown(scope, filters, "employee", 1000);
        const csv = await new Response(exportEntriesCsv(scope, filters)).text();
        return { page, employees, csv };
      };
      const a = await read(A);
      const b = await read(B);

      const aRows = a.page.rows.filter((r) => r.employeeId === shared.employeeId);
      expect(aRows.length).toBeGreaterThan(0);
      expect(aRows.every((r) => r.employeeName === A_NAME)).toBe(true);
      expect(a.employees.map((i) => i.label)).toContain(A_NAME);
      expect(a.csv).toContain(A_NAME);

      // B's entries still carry the shared employee id (as Pleo sent them) but no name of another company.
      const bRows = b.page.rows.filter((r) => r.employeeId === shared.employeeId);
      expect(bRows).toHaveLength(shared.bEntriesOfEmployee);
      expect(bRows.every((r) => r.employeeName !== A_NAME)).toBe(true);
      expect(b.employees.map((i) => i.label)).not.toContain(A_NAME);
      expect(b.csv.split("\r\n").length).toBeGreaterThan(2);
      expect(b.csv).not.toContain(A_NAME);
    });

    it("the check itself: ids another company holds, in any case, split items by their entry's company", async () => {
      const stranger = "5eed0000-0000-4000-8000-000000000001";
      // A split item of one of A's entries (the seed's splits are rare; make one of our own).
      const splitId = "5eed0000-0000-4000-8000-0000000000a1";
      await world.prisma.splitItem.create({ data: { id: splitId, entryId: shared.entryId } });
      try {
        expect(await heldByOtherCompanies(world.prisma, "SplitItem", B, [splitId.toUpperCase(), stranger])).toEqual([
          { table: "SplitItem", id: splitId, heldBy: A },
        ]);
        expect(await heldByOtherCompanies(world.prisma, "SplitItem", A, [splitId])).toEqual([]);
      } finally {
        await world.prisma.splitItem.delete({ where: { id: splitId } });
      }
      const employee = shared.employeeId.toUpperCase();
      const held = await heldByOtherCompanies(world.prisma, "Employee", B, [employee, stranger]);
      expect(held).toEqual([{ table: "Employee", id: shared.employeeId, heldBy: A }]);
      expect(await heldByOtherCompanies(world.prisma, "Employee", A, [employee])).toEqual([]);
      expect(await heldByOtherCompanies(world.prisma, "Employee", B, [])).toEqual([]);
      // Rows whose id is held elsewhere are dropped whatever the case Pleo spelled them in.
      const rows = [{ id: employee }, { id: stranger.toUpperCase() }, { id: stranger }];
      expect(withoutAnomalies(rows, held)).toEqual([{ id: stranger.toUpperCase() }, { id: stranger }]);
      expect(withoutAnomalies([{ id: shared.employeeId }], [{ table: "Employee", id: employee, heldBy: A }])).toEqual(
        [],
      );
      expect(withoutAnomalies(rows, [])).toEqual(rows);
    });
  });
}
