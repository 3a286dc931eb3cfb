/**
 * The sync and the dashboard's reads against a sandbox in strict mode (only what Pleo documents): no
 * supplier names, no teams list, optional fields missing here and there, the country as "DNK". What
 * the portal stores and shows must still be complete: a time zone from the country, teams named by
 * their members rather than bare ids, tax codes, supplier identifiers, usable splits, figures that
 * agree with the sandbox's own entries; and the data version moves only when something changed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearWidgetCache } from "@/lib/expenses/cache";
import {
  dashboardScope,
  fetchBreakdown,
  fetchEntriesPage,
  fetchFilterOptions,
  fetchKpis,
  fetchTagBreakdown,
} from "@/lib/expenses/data";
import { isSpend } from "@/lib/expenses/definitions";
import { DEFAULT_FILTERS, type ExpenseFilters } from "@/lib/expenses/filters";
import { runSync } from "@/lib/sync/run";
import { COMPANY_NORDLYS, LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { DATABASE_KINDS, databaseUnavailable } from "@/tests/support/db";
import { sandboxTokens } from "@/tests/support/sandbox";
import { createWorld, type World } from "@/tests/support/world";
import { expectEqualToSandbox, SYNC_ENV } from "./support";

type SandboxEntry = {
  id: string;
  family: string;
  status: string;
  performedAt: string;
  transactionValue: { currency: string; minors: number };
  totalBillValue?: { currency: string; minors: number };
  supplier?: Record<string, string>;
};

const UUID_ONLY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

for (const kind of DATABASE_KINDS) {
  describe.skipIf(databaseUnavailable(kind))(`sync and dashboard on a strict sandbox (${kind})`, () => {
    let world: World;
    const f = (over: Partial<ExpenseFilters> = {}): ExpenseFilters => ({ ...DEFAULT_FILTERS, ...over });
    const version = async () =>
      Number((await world.prisma.pleoCompany.findUniqueOrThrow({ where: { id: LARGE_COMPANY_ID } })).dataVersion);

    beforeAll(async () => {
      clearWidgetCache();
      world = await createWorld({
        database: kind,
        sandbox: { entries: 1200, rateLimit: false, strict: true },
        env: SYNC_ENV,
        companies: [LARGE_COMPANY_ID],
      });
      const result = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "connect" });
      expect(result).toMatchObject({ started: true, status: "succeeded" });
    });
    afterAll(async () => {
      await world?.close();
    });

    it("stores the same entries as the sandbox, with identifiers instead of supplier names", async () => {
      await expectEqualToSandbox(world, LARGE_COMPANY_ID);
      const named = await world.prisma.accountingEntry.count({ where: { supplierName: { not: null } } });
      expect(named).toBe(0);
      const rows = await world.prisma.$queryRawUnsafe<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM "AccountingEntry" WHERE "supplier" ->> 'externalSupplierId' LIKE 'SUP-%'`,
      );
      expect(rows[0].n).toBeGreaterThan(500);
    });

    it("derives the time zone from the country Pleo sends (DNK) and syncs tax codes", async () => {
      const company = await world.prisma.pleoCompany.findUniqueOrThrow({ where: { id: LARGE_COMPANY_ID } });
      expect(company).toMatchObject({ country: "DNK", timeZone: "Europe/Copenhagen" });
      expect(await world.prisma.taxCode.count({ where: { companyId: LARGE_COMPANY_ID } })).toBe(3);
    });

    it("names teams by their members, never by a bare id", async () => {
      const teams = await world.prisma.team.findMany({ where: { companyId: LARGE_COMPANY_ID } });
      expect(teams.length).toBeGreaterThan(0);
      expect(teams.every((t) => t.name === null)).toBe(true);
      const scope = (await dashboardScope(LARGE_COMPANY_ID, f(), new Date()))!;
      const options = await fetchFilterOptions(scope);
      expect(options.teams).toHaveLength(teams.length);
      for (const t of options.teams) {
        expect(t.name).toMatch(/^Team [0-9a-f]{8} · \S+ \S+/);
        expect(t.name).not.toMatch(UUID_ONLY);
      }
      const byTeam = await fetchBreakdown(
        (await dashboardScope(LARGE_COMPANY_ID, f({ period: "all" }), new Date()))!,
        f({ period: "all" }),
        "team",
      );
      expect(byTeam.length).toBeGreaterThan(1);
      for (const item of byTeam) expect(item.label).not.toMatch(UUID_ONLY);
    });

    it("agrees with the sandbox's own entries: KPIs, splits in the category breakdown, tags, search", async () => {
      const tokens = await sandboxTokens(world.sandbox, LARGE_COMPANY_ID);
      const all: SandboxEntry[] = [];
      for (let after: string | undefined, first = true; first || after; first = false) {
        const qs = new URLSearchParams({ company_id: LARGE_COMPANY_ID, limit: "100", ...(after ? { after } : {}) });
        const res = await fetch(`${world.sandbox.url}/v1/accounting-entries:search?${qs}`, {
          method: "POST",
          headers: { authorization: `Bearer ${tokens.access_token}`, "content-type": "application/json" },
          body: "{}",
        });
        const body = (await res.json()) as {
          data: SandboxEntry[];
          pagination: { hasNextPage: boolean; endCursor: string };
        };
        all.push(...body.data);
        after = body.pagination.hasNextPage ? body.pagination.endCursor : undefined;
      }
      const scope = (await dashboardScope(LARGE_COMPANY_ID, f({ period: "all" }), new Date()))!;
      // Strict mode omits totalBillValue only where it equals transactionValue.
      const bill = (e: SandboxEntry) => e.totalBillValue ?? e.transactionValue;
      const spend = all.filter((e) => isSpend(e) && bill(e).currency === COMPANY_NORDLYS.currency);
      const total = spend.reduce((t, e) => t + BigInt(bill(e).minors), 0n);
      const kpis = await fetchKpis(scope, f({ period: "all" }));
      expect(kpis.current.total).toBe(total);
      expect(kpis.current.count).toBe(spend.length);
      // Splits give parts of entries to other categories; the bars still add up to the KPI total.
      const byCategory = await fetchBreakdown(scope, f({ period: "all" }), "category", 100);
      expect(byCategory.reduce((t, c) => t + c.total, 0n)).toBe(total);
      const tags = await fetchTagBreakdown(scope, f({ period: "all" }), 100);
      expect(tags.groups.length).toBeGreaterThan(0);
      expect(tags.items.reduce((t, c) => t + c.total, 0n)).toBe(total);
      expect(await world.prisma.accountingEntry.count({ where: { splitCount: { gt: 0 } } })).toBeGreaterThan(0);

      const search = async (q: string) => (await fetchEntriesPage(scope, f({ period: "all", q }))).total;
      const withSupplier = all.filter((e) => e.supplier?.externalSupplierId === "SUP-0014");
      expect(withSupplier.length).toBeGreaterThan(0);
      expect(await search("sup-0014")).toBe(withSupplier.length);
      const invoice = all.find((e) => e.supplier?.documentNumber);
      if (invoice) expect(await search(invoice.supplier!.documentNumber)).toBeGreaterThanOrEqual(1);
      const employee = await world.prisma.employee.findFirstOrThrow({ where: { companyId: LARGE_COMPANY_ID } });
      const theirs = await world.prisma.accountingEntry.count({
        where: { companyId: LARGE_COMPANY_ID, employeeId: employee.id, deletedAt: null },
      });
      expect(await search(`${employee.firstName} ${employee.lastName}`)).toBeGreaterThanOrEqual(theirs);
    });

    it("moves the data version only when a run changed something", async () => {
      const before = await version();
      expect(before).toBeGreaterThan(0);
      const quiet = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "manual", kind: "incremental" });
      expect(quiet).toMatchObject({ started: true, status: "succeeded", created: 0, updated: 0, deleted: 0 });
      expect(await version()).toBe(before);
      await world.sandbox.control.activity(LARGE_COMPANY_ID, { created: 3 });
      const busy = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "manual", kind: "incremental" });
      expect(busy).toMatchObject({ started: true, status: "succeeded", created: 3 });
      expect(await version()).toBeGreaterThan(before);
    });
  });
}
