/**
 * The dashboard's reads the way the pages call them: the scope comes from the request's session (the
 * cookie → its hashed Session row → next-auth's session callback, through the real /api/auth/session
 * handler), then selectCompanyForViewer → dashboardScope → fetchX, as app/(portal)/dashboard does. Two
 * companies in the SAME currency with entries on the SAME days: a read that lost its company condition
 * would add the other company's figures, which a currency filter cannot hide here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Viewer } from "@/lib/connections/queries";
import { selectCompanyForViewer } from "@/lib/connections/queries";
import { exportEntriesCsv } from "@/lib/expenses/csv";
import {
  dashboardScope,
  fetchBreakdown,
  fetchEntriesPage,
  fetchFilterOptions,
  fetchKpis,
  fetchMonthlySpend,
} from "@/lib/expenses/data";
import { DEFAULT_FILTERS, type ExpenseFilters } from "@/lib/expenses/filters";
import { COMPANY_BRIGHTWAVE, COMPANY_NORDLYS, DEMO_USER } from "@/sandbox/seed/fixtures";
import { seedEntries } from "@/tests/support/expense-seed";
import { Browser, PORTAL, startHarness, type Harness } from "@/tests/connect/harness";

const demo = { email: DEMO_USER.email, password: DEMO_USER.password };
const NOW = new Date("2026-11-15T12:00:00Z");
const A = COMPANY_NORDLYS.id;
const B = COMPANY_BRIGHTWAVE.id;
const EMP_A = "e0000000-0000-4000-8000-00000000000a";
const EMP_B = "e0000000-0000-4000-8000-00000000000b";

let h: Harness;
const browsers: Record<string, Browser> = {};

/** What the pages get from the session: the signed-in user and the companies this session may see. */
async function viewerOf(browser: Browser): Promise<Viewer> {
  const res = await h.request(browser, "/api/auth/session");
  expect(res.status).toBe(200);
  const body = (await res.json()) as { user?: { id?: string }; companyIds?: string[] } | null;
  expect(body?.user?.id).toEqual(expect.any(String));
  return { userId: body!.user!.id!, companyIds: body!.companyIds ?? [] };
}

/** The dashboard's scope for a browser's request, chosen the way the page chooses it. */
async function pageScope(browser: Browser, filters: ExpenseFilters, company?: string) {
  const selection = await selectCompanyForViewer(await viewerOf(browser), company);
  expect(selection?.connection).not.toBeNull();
  const scope = await dashboardScope(selection!.connection!.companyId, filters, NOW);
  expect(scope).not.toBeNull();
  return scope!;
}

beforeAll(async () => {
  h = await startHarness("pglite");
  h.world.configure({ AUTH_URL: PORTAL });
  // One browser per company: each session is scoped to the company it connected.
  for (const id of [A, B]) {
    browsers[id] = new Browser();
    expect(await h.connect(browsers[id], { ...demo, companyId: id })).toBe(`${PORTAL}/dashboard`);
  }
  const prisma = h.db.prisma;
  // Same wallet currency for both, so only the company condition separates them.
  await prisma.pleoCompany.updateMany({ where: { id: { in: [A, B] } }, data: { currency: "EUR", timeZone: "UTC" } });
  await prisma.employee.createMany({
    data: [
      { id: EMP_A, companyId: A, firstName: "Ada", lastName: "Nordlys", email: "ada@example.test" },
      { id: EMP_B, companyId: B, firstName: "Bo", lastName: "Brightwave", email: "bo@example.test" },
    ],
  });
  // Overlapping dates: both companies spend on 2 and 10 November and on 20 October.
  await seedEntries(prisma, A, "EUR", [
    { performedAt: "2026-11-02T10:00:00Z", billMinors: 1000, employeeId: EMP_A, supplierName: "Shared Supplier" },
    { performedAt: "2026-11-10T10:00:00Z", billMinors: 2000, employeeId: EMP_A, supplierName: "Shared Supplier" },
    { performedAt: "2026-10-20T10:00:00Z", billMinors: 400, employeeId: EMP_A },
  ]);
  await seedEntries(prisma, B, "EUR", [
    { performedAt: "2026-11-02T10:00:00Z", billMinors: 50000, employeeId: EMP_B, supplierName: "Shared Supplier" },
    { performedAt: "2026-11-10T10:00:00Z", billMinors: 70000, employeeId: EMP_B, supplierName: "Shared Supplier" },
    { performedAt: "2026-10-20T10:00:00Z", billMinors: 9000, employeeId: EMP_B },
  ]);
});

afterAll(async () => {
  await h?.close();
});

describe("dashboard reads through the request's session", () => {
  it("each session sees only the company it connected", async () => {
    expect((await viewerOf(browsers[A])).companyIds).toEqual([A]);
    expect((await viewerOf(browsers[B])).companyIds).toEqual([B]);
    // Asking for the other company by URL is "not found", not its data.
    expect(await selectCompanyForViewer(await viewerOf(browsers[A]), B)).toBeNull();
  });

  it("key figures and their comparison count the session's company only", async () => {
    const kA = await fetchKpis(await pageScope(browsers[A], DEFAULT_FILTERS), DEFAULT_FILTERS);
    expect(kA.currency).toBe("EUR");
    expect(kA.current).toMatchObject({ total: 3000n, count: 2 });
    expect(kA.previous).toMatchObject({ total: 400n, count: 1 });
    expect(kA.entries).toBe(2);
    const kB = await fetchKpis(await pageScope(browsers[B], DEFAULT_FILTERS), DEFAULT_FILTERS);
    expect(kB.current).toMatchObject({ total: 120000n, count: 2 });
    expect(kB.previous).toMatchObject({ total: 9000n, count: 1 });
  });

  it("the monthly chart, breakdowns, table, filter options and CSV export do too", async () => {
    const scope = await pageScope(browsers[A], DEFAULT_FILTERS);
    const months = await fetchMonthlySpend(scope, DEFAULT_FILTERS);
    expect(months).toHaveLength(12);
    expect(months.find((m) => m.month === "2026-11")).toMatchObject({ total: 3000n, count: 2 });
    expect(months.find((m) => m.month === "2026-10")).toMatchObject({ total: 400n, count: 1 });
    expect(months.reduce((s, m) => s + m.total, 0n)).toBe(3400n);

    const byEmployee = await fetchBreakdown(scope, DEFAULT_FILTERS, "employee");
    expect(byEmployee.map((r) => [r.label, r.total])).toEqual([["Ada Nordlys", 3000n]]);

    const page = await fetchEntriesPage(scope, DEFAULT_FILTERS);
    expect(page.total).toBe(2);
    expect(page.rows.map((r) => r.billMinors)).toEqual([2000n, 1000n]);

    const options = await fetchFilterOptions(scope);
    expect(options.employees.map((e) => e.id)).toEqual([EMP_A]);

    // Text search matches names within the company only.
    const search = { ...DEFAULT_FILTERS, q: "shared supplier" };
    expect((await fetchKpis(await pageScope(browsers[A], search), search)).current.total).toBe(3000n);

    const csv = await new Response(exportEntriesCsv(scope, DEFAULT_FILTERS)).text();
    const lines = csv.trim().split(/\r?\n/);
    expect(lines).toHaveLength(3); // header + A's two November entries
    expect(csv).not.toContain("Bo Brightwave");
  });
});
