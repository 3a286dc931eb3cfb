/**
 * The dashboard's reads against a real (in-memory PGlite) database filled with known entries. Expected
 * figures are worked out by hand in the comments, then cross-checked against a brute-force JS
 * computation over a larger random data set.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportEntriesCsv } from "@/lib/expenses/csv";
import {
  averageMinors,
  dashboardScope,
  fetchBreakdown,
  fetchCompanyContext,
  fetchEntriesPage,
  fetchEntryDetail,
  fetchFilterOptions,
  fetchKpis,
  fetchMonthlySpend,
  fetchTagBreakdown,
  type DashboardScope,
} from "@/lib/expenses/data";
import { DEFAULT_FILTERS, type ExpenseFilters } from "@/lib/expenses/filters";
import {
  createTestDatabase,
  DATABASE_KINDS,
  databaseUnavailable,
  type DatabaseKind,
  type TestDatabase,
} from "@/tests/support/db";
import { seedCompany, seedEntries, type EntrySeed } from "@/tests/support/expense-seed";

const A = "aaaaaaaa-0000-4000-8000-000000000001";
const B = "bbbbbbbb-0000-4000-8000-000000000002";
const E1 = "e0000000-0000-4000-8000-000000000001";
const E2 = "e0000000-0000-4000-8000-000000000002";
const E3 = "e0000000-0000-4000-8000-000000000003";
const T1 = "70000000-0000-4000-8000-000000000001";
const T2 = "70000000-0000-4000-8000-000000000002";
const ACC1 = "ac000000-0000-4000-8000-000000000001";
const ACC2 = "ac000000-0000-4000-8000-000000000002";
const G1 = "96000000-0000-4000-8000-000000000001";
const TAG1 = "7a000000-0000-4000-8000-000000000001";
const TAG2 = "7a000000-0000-4000-8000-000000000002";
const TAX1 = "7c000000-0000-4000-8000-000000000001";
const NOW = new Date("2026-11-15T12:00:00Z");

const known: EntrySeed[] = [
  // November 2026 (current period)
  {
    id: "00000000-0000-4000-8000-000000000001",
    performedAt: "2026-11-01T00:00:00.000Z",
    billMinors: 10000,
    employeeId: E1,
    teamId: T1,
    accountId: ACC1,
    supplierName: "Café Norden",
    note: "Team lunch",
    reviewStatus: "OK",
    tags: [{ tagGroupId: G1, tagId: TAG1 }],
  },
  {
    id: "00000000-0000-4000-8000-000000000002",
    performedAt: "2026-11-03T10:00:00Z",
    billMinors: 25050,
    transactionCurrency: "USD",
    transactionMinors: 3600,
    employeeId: E2,
    teamId: T2,
    accountId: ACC2,
    supplierName: "Adobe",
    receiptCount: 0,
    reviewStatus: "WAITING_FOR_REVIEWER",
    taxCodeId: TAX1,
    // Split: 200.00 to Meals (tag Apollo), 50.50 to Software (tag Zeus); they add up to 250.50.
    splitItems: [
      { accountId: ACC1, billMinors: 20000, tags: [{ tagGroupId: G1, tagId: TAG1 }] },
      { accountId: ACC2, billMinors: 5050, tags: [{ tagGroupId: G1, tagId: TAG2 }] },
    ],
  },
  {
    id: "00000000-0000-4000-8000-000000000003",
    performedAt: "2026-11-05T10:00:00Z",
    billMinors: 4999,
    family: "OUT_OF_POCKET",
    status: "PENDING",
    employeeId: E1,
    teamId: T1,
    accountId: ACC1,
    note: "Taxi 50% off",
    receiptCount: 0,
    reviewStatus: "WAITING_FOR_EXPENSE_OWNER",
  },
  {
    id: "00000000-0000-4000-8000-000000000004",
    performedAt: "2026-11-06T10:00:00Z",
    billMinors: 12000,
    family: "MILEAGE",
    employeeId: E3,
    receiptCount: 0,
    note: "Mileage 42 km",
  },
  {
    id: "00000000-0000-4000-8000-000000000005",
    performedAt: "2026-11-07T10:00:00Z",
    billMinors: -3000,
    family: "CREDIT_NOTE",
    accountId: ACC2,
    supplierName: "Adobe",
  },
  {
    id: "00000000-0000-4000-8000-000000000006",
    performedAt: "2026-11-08T10:00:00Z",
    billMinors: -1000000,
    family: "WALLET",
    receiptCount: 0,
    note: "Wallet top-up",
  },
  {
    id: "00000000-0000-4000-8000-000000000007",
    performedAt: "2026-11-09T10:00:00Z",
    billMinors: 7777,
    status: "CANCELLED",
    supplierName: "Cancelled Shop",
  },
  {
    id: "00000000-0000-4000-8000-000000000008",
    performedAt: "2026-11-10T10:00:00Z",
    billMinors: 99999,
    deletedAt: "2026-11-11T00:00:00Z",
    supplierName: "Deleted Shop",
  },
  {
    id: "00000000-0000-4000-8000-000000000009",
    performedAt: "2026-11-11T10:00:00Z",
    billMinors: 500,
    billCurrency: "EUR",
    supplierName: "Odd Currency",
  },
  // October 2026 (previous period); the first is the last millisecond before November
  {
    id: "00000000-0000-4000-8000-000000000010",
    performedAt: "2026-10-31T23:59:59.999Z",
    billMinors: 20000,
    employeeId: E1,
    reviewStatus: "OK",
  },
  {
    id: "00000000-0000-4000-8000-000000000011",
    performedAt: "2026-10-10T10:00:00Z",
    billMinors: 30001,
    family: "BILL_INVOICE",
    employeeId: E2,
    receiptCount: 0,
    reviewStatus: "WAITING_FOR_TEAM_REVIEWER",
    supplierName: "Office Rent A/S",
    supplier: { externalSupplierId: "SUP-0042", documentNumber: "INV-7781" },
  },
  // Older
  { id: "00000000-0000-4000-8000-000000000012", performedAt: "2026-09-15T10:00:00Z", billMinors: 12345 },
  { id: "00000000-0000-4000-8000-000000000013", performedAt: "2025-12-01T00:00:00Z", billMinors: 1000 },
  { id: "00000000-0000-4000-8000-000000000014", performedAt: "2025-11-30T23:59:59Z", billMinors: 5000 },
];

// The same reads on the embedded database and (when TEST_DATABASE_URL is set) on PostgreSQL.
function readsOn(kind: DatabaseKind) {
  let tdb: TestDatabase;
  /** The scope the page builds: currency, time zone and data version read from the company's row. */
  const scopeFor = async (filters: ExpenseFilters, companyId = A): Promise<DashboardScope> => {
    const scope = await dashboardScope(companyId, filters, NOW);
    if (!scope) throw new Error(`company ${companyId} has no currency yet`);
    return scope;
  };
  const f = (over: Partial<ExpenseFilters> = {}): ExpenseFilters => ({ ...DEFAULT_FILTERS, ...over });

  beforeAll(async () => {
    tdb = await createTestDatabase(kind, { processDatabase: true });
    await seedCompany(tdb.prisma, {
      id: A,
      name: "Nordlys",
      currency: "DKK",
      employees: [
        { id: E1, firstName: "Ada", lastName: "Lund" },
        { id: E2, firstName: "Bo", lastName: "Holm" },
        { id: E3, firstName: "Cai", lastName: "Berg" },
      ],
      teams: [
        { id: T1, name: "Design" },
        { id: T2, name: "Sales" },
      ],
      accounts: [
        { id: ACC1, name: "Meals", code: "6010" },
        { id: ACC2, name: "Software", code: "6500" },
      ],
      tagGroups: [
        {
          id: G1,
          name: "Project",
          tags: [
            { id: TAG1, name: "Apollo" },
            { id: TAG2, name: "Zeus" },
          ],
        },
      ],
      taxCodes: [{ id: TAX1, name: "VAT 25%", rate: "0.25", code: "VAT25" }],
    });
    await seedCompany(tdb.prisma, { id: B, currency: "ISK" });
    await seedEntries(tdb.prisma, A, "DKK", known);
    await seedEntries(tdb.prisma, B, "ISK", [
      { performedAt: "2026-11-02T10:00:00Z", billMinors: 777777, supplierName: "Adobe" },
    ]);
  });

  afterAll(async () => {
    await tdb?.drop();
  });

  describe("fetchKpis", () => {
    it("sums spend of the period against the previous one", async () => {
      const k = await fetchKpis(await scopeFor(f()), f());
      // Spend in November: #1 10000 + #2 25050 + #3 4999 + #4 12000 + #5 -3000 = 49049 over 5 entries.
      // Not counted: wallet top-up (#6), cancelled (#7), deleted (#8), other bill currency (#9).
      expect(k.current).toEqual({ total: 49049n, count: 5, average: 9810n, waiting: 2, missingReceipt: 2 });
      // October: #10 20000 + #11 30001; average 25000.5 rounds to 25001.
      expect(k.previous).toEqual({ total: 50001n, count: 2, average: 25001n, waiting: 1, missingReceipt: 1 });
      expect(k.otherCurrencies).toEqual([{ currency: "EUR", count: 1 }]);
    });

    it("applies the other filters too", async () => {
      const k = await fetchKpis(await scopeFor(f({ employee: E1 })), f({ employee: E1 }));
      expect(k.current).toMatchObject({ total: 14999n, count: 2 });
      expect(k.previous).toMatchObject({ total: 20000n, count: 1 });
    });

    it("has no comparison for all time and is empty for an empty company", async () => {
      const all = await fetchKpis(await scopeFor(f({ period: "all" })), f({ period: "all" }));
      expect(all.previous).toBeNull();
      expect(all.current.total).toBe(49049n + 50001n + 12345n + 1000n + 5000n);
      const empty = { ...(await scopeFor(f())), companyId: "cccccccc-0000-4000-8000-000000000003" };
      const other = await fetchKpis(empty, f());
      expect(other.current).toEqual({ total: 0n, count: 0, average: 0n, waiting: 0, missingReceipt: 0 });
    });
  });

  describe("averageMinors", () => {
    it("rounds half away from zero", () => {
      expect(averageMinors(5n, 2)).toBe(3n);
      expect(averageMinors(-5n, 2)).toBe(-3n);
      expect(averageMinors(4n, 3)).toBe(1n);
      expect(averageMinors(7n, 0)).toBe(0n);
    });
  });

  describe("fetchMonthlySpend", () => {
    it("returns 12 calendar months ending this month, zero-filled", async () => {
      const months = await fetchMonthlySpend(await scopeFor(f()), f());
      expect(months.map((m) => m.month)).toEqual([
        "2025-12",
        "2026-01",
        "2026-02",
        "2026-03",
        "2026-04",
        "2026-05",
        "2026-06",
        "2026-07",
        "2026-08",
        "2026-09",
        "2026-10",
        "2026-11",
      ]);
      const by = Object.fromEntries(months.map((m) => [m.month, m.total]));
      expect(by["2025-12"]).toBe(1000n); // 2025-11-30 is outside the window
      expect(by["2026-09"]).toBe(12345n);
      expect(by["2026-10"]).toBe(50001n);
      expect(by["2026-11"]).toBe(49049n);
      expect(by["2026-05"]).toBe(0n);
    });
  });

  describe("fetchBreakdown", () => {
    it("groups spend by category, team, employee and family with names", async () => {
      const s = await scopeFor(f());
      const cat = await fetchBreakdown(s, f(), "category");
      // #2 is split: 20000 goes to Meals, 5050 to Software (not all 25050 to its own account, Software).
      // Meals: #1 10000 + #2 20000 + #3 4999; Software: #2 5050 + #5 -3000; no category: #4 12000.
      expect(cat.map((c) => [c.label, c.total, c.count])).toEqual([
        ["6010 Meals", 34999n, 3],
        ["Uncategorised", 12000n, 1],
        ["6500 Software", 2050n, 2],
      ]);
      // The bars add up to the total spend, which counts #2 once.
      expect(cat.reduce((t, c) => t + c.total, 0n)).toBe(49049n);
      const team = await fetchBreakdown(s, f(), "team");
      expect(team.map((t) => [t.label, t.total])).toEqual([
        ["Sales", 25050n],
        ["Design", 14999n],
        ["No team", 9000n],
      ]);
      const fam = await fetchBreakdown(s, f(), "family");
      expect(fam.map((x) => [x.label, x.total])).toEqual([
        ["Card purchase", 35050n],
        ["Mileage", 12000n],
        ["Out of pocket", 4999n],
        ["Credit note", -3000n],
      ]);
    });

    it("keeps the top N and sums the rest as Other", async () => {
      const emp = await fetchBreakdown(await scopeFor(f()), f(), "employee", 2);
      expect(emp.map((e) => [e.label, e.total])).toEqual([
        ["Bo Holm", 25050n],
        ["Ada Lund", 14999n],
        ["Other (2)", 9000n],
      ]);
      expect(emp.reduce((s, e) => s + e.total, 0n)).toBe(49049n);
    });
  });

  describe("fetchEntriesPage", () => {
    it("lists live entries of the period newest first with joined names", async () => {
      const page = await fetchEntriesPage(await scopeFor(f()), f());
      // November, not deleted: #1–#7 and #9 (the table shows every live entry, spend or not)
      expect(page.total).toBe(8);
      expect(page.rows.map((r) => r.id.slice(-2))).toEqual(["09", "07", "06", "05", "04", "03", "02", "01"]);
      const first = page.rows.find((r) => r.id.endsWith("01"))!;
      expect(first).toMatchObject({
        employeeName: "Ada Lund",
        accountName: "Meals",
        accountCode: "6010",
        billMinors: 10000n,
      });
    });

    it("filters by family, review, category, currency, receipt and text (with LIKE wildcards taken literally)", async () => {
      const ids = async (over: Partial<ExpenseFilters>) =>
        (await fetchEntriesPage(await scopeFor(f(over)), f(over))).rows.map((r) => r.id.slice(-2)).sort();
      expect(await ids({ family: "CARD_PURCHASE" })).toEqual(["01", "02", "07", "09"]);
      expect(await ids({ review: "WAITING" })).toEqual(["02", "03"]);
      expect(await ids({ review: "OK" })).toEqual(["01"]);
      expect(await ids({ category: "none" })).toEqual(["04", "06", "07", "09"]);
      expect(await ids({ category: ACC2 })).toEqual(["02", "05"]);
      expect(await ids({ category: ACC1 })).toEqual(["01", "02", "03"]); // #2 through its split item
      expect(await ids({ currency: "USD" })).toEqual(["02"]);
      expect(await ids({ receipt: "missing" })).toEqual(["02", "03"]);
      expect(await ids({ q: "adobe" })).toEqual(["02", "05"]); // supplier, case-insensitive, company A only
      expect(await ids({ q: "50%" })).toEqual(["03"]); // note; % is literal
      expect(await ids({ q: "_" })).toEqual([]);
      expect(await ids({ q: "café" })).toEqual(["01"]);
      expect(await ids({ team: T1, status: "PENDING" })).toEqual(["03"]);
    });

    it("sorts and paginates on the server", async () => {
      const asc = await fetchEntriesPage(
        await scopeFor(f({ sort: "amount", dir: "asc" })),
        f({ sort: "amount", dir: "asc" }),
        3,
      );
      expect(asc.rows.map((r) => r.billMinors)).toEqual([-1000000n, -3000n, 500n]);
      expect(asc.pageCount).toBe(3);
      const p3 = await fetchEntriesPage(
        await scopeFor(f({ sort: "amount", dir: "asc", page: 3 })),
        f({ sort: "amount", dir: "asc", page: 3 }),
        3,
      );
      expect(p3.rows.map((r) => r.billMinors)).toEqual([12000n, 25050n]);
      const supplier = await fetchEntriesPage(
        await scopeFor(f({ sort: "supplier", dir: "asc" })),
        f({ sort: "supplier", dir: "asc" }),
      );
      expect(supplier.rows.map((r) => r.supplierName).slice(0, 5)).toEqual([
        "Adobe",
        "Adobe",
        "Café Norden",
        "Cancelled Shop",
        "Odd Currency",
      ]);
      expect(supplier.rows.at(-1)?.supplierName).toBeNull(); // NULLS LAST
    });
  });

  describe("fetchEntryDetail", () => {
    it("returns all fields with split items, tags and names", async () => {
      const d = await fetchEntryDetail(A, "00000000-0000-4000-8000-000000000002");
      expect(d).toMatchObject({
        supplierName: "Adobe",
        employeeName: "Bo Holm",
        teamName: "Sales",
        categoryName: "6500 Software",
        taxCodeName: "VAT 25% · 25% (VAT25)",
        transactionCurrency: "USD",
        transactionMinors: 3600n,
      });
      expect(d!.splits.map((s) => [s.categoryName, s.billMinors])).toEqual(
        expect.arrayContaining([
          ["6010 Meals", 20000n],
          ["6500 Software", 5050n],
        ]),
      );
      const tagged = await fetchEntryDetail(A, "00000000-0000-4000-8000-000000000001");
      expect(tagged!.tagNames).toEqual([{ group: "Project", name: "Apollo" }]);
    });

    it("does not show another company's entry", async () => {
      expect(await fetchEntryDetail(B, "00000000-0000-4000-8000-000000000001")).toBeNull();
    });
  });

  describe("fetchFilterOptions / fetchCompanyContext", () => {
    it("lists the company's people, teams, categories and tags", async () => {
      const o = await fetchFilterOptions(await scopeFor(f()));
      expect(o.employees.map((e) => e.name)).toEqual(["Ada Lund", "Bo Holm", "Cai Berg"]);
      expect(o.teams.map((t) => t.name)).toEqual(["Design", "Sales"]);
      expect(o.categories.map((c) => c.name)).toEqual(["6010 Meals", "6500 Software"]);
      expect(o.tagGroups).toEqual([
        {
          id: G1,
          name: "Project",
          tags: [
            { id: TAG1, name: "Apollo" },
            { id: TAG2, name: "Zeus" },
          ],
        },
      ]);
      expect(await fetchCompanyContext(B)).toMatchObject({ currency: "ISK", timeZone: "UTC", timeZoneKnown: false });
    });
  });

  describe("split items, tags and names", () => {
    const D = "dddddddd-0000-4000-8000-00000000000d";
    const D1 = "ad000000-0000-4000-8000-000000000001";
    const D2 = "ad000000-0000-4000-8000-000000000002";
    const TD = "7d000000-0000-4000-8000-000000000001";
    const EZ = "e0000000-0000-4000-8000-0000000000d1";
    const EY = "e0000000-0000-4000-8000-0000000000d2";

    beforeAll(async () => {
      await seedCompany(tdb.prisma, {
        id: D,
        currency: "DKK",
        employees: [
          { id: EZ, firstName: "Zoe", lastName: "Ek" },
          { id: EY, firstName: "Yan", lastName: "Ho" },
        ],
        accounts: [
          { id: D1, name: "Travel", code: "7100" },
          { id: D2, name: "Meals", code: "7200" },
        ],
        // Pleo documents no teams API: a team known only by its id.
        teams: [{ id: TD, name: null }],
      });
      await seedEntries(tdb.prisma, D, "DKK", [
        // Split 60/40 between Travel and Meals: used.
        {
          performedAt: "2026-11-02T10:00:00Z",
          billMinors: 10000,
          accountId: D1,
          employeeId: EZ,
          teamId: TD,
          splitItems: [
            { accountId: D1, billMinors: 6000 },
            { accountId: D2, billMinors: 4000 },
          ],
        },
        // Split items that do not add up (8000 of 9000): not used, all 9000 to the entry's Travel.
        {
          performedAt: "2026-11-03T10:00:00Z",
          billMinors: 9000,
          accountId: D1,
          employeeId: EY,
          teamId: TD,
          splitItems: [
            { accountId: D2, billMinors: 5000 },
            { accountId: D2, billMinors: 3000 },
          ],
        },
        // A split item without a wallet amount: not used, all 7000 to the entry's Meals.
        {
          performedAt: "2026-11-04T10:00:00Z",
          billMinors: 7000,
          accountId: D2,
          splitItems: [
            { accountId: D1, billMinors: null },
            { accountId: D2, billMinors: 7000 },
          ],
        },
        // Two split items in the same category: one entry under it, 3000.
        {
          performedAt: "2026-11-05T10:00:00Z",
          billMinors: 3000,
          accountId: D2,
          splitItems: [
            { accountId: D2, billMinors: 1000 },
            { accountId: D2, billMinors: 2000 },
          ],
        },
      ]);
    });

    it("breakdowns by category give split items their own amounts only when they add up", async () => {
      const s = await scopeFor(f(), D);
      expect((await fetchKpis(s, f())).current).toMatchObject({ total: 29000n, count: 4 });
      const cat = await fetchBreakdown(s, f(), "category");
      // Travel: 6000 (split) + 9000 (unusable split, whole entry) = 15000 over 2 entries.
      // Meals: 4000 (split) + 7000 (unusable split, whole entry) + 1000 + 2000 (one entry) = 14000 over 3.
      expect(cat.map((c) => [c.label, c.total, c.count])).toEqual([
        ["7100 Travel", 15000n, 2],
        ["7200 Meals", 14000n, 3],
      ]);
    });

    it("breakdowns by tag split like categories; a tag filter keeps whole entries, counted once", async () => {
      // November, group Project: #1 10000 (Apollo); #2 split 20000 Apollo + 5050 Zeus; #3, #4, #5 untagged.
      const s = await scopeFor(f());
      const tags = await fetchTagBreakdown(s, f());
      expect(tags.group).toEqual({ id: G1, name: "Project" });
      expect(tags.items.map((t) => [t.label, t.total, t.count])).toEqual([
        ["Apollo", 30000n, 2],
        ["No Project tag", 13999n, 3], // 4999 + 12000 - 3000
        ["Zeus", 5050n, 1],
      ]);
      const ids = async (over: Partial<ExpenseFilters>) =>
        (await fetchEntriesPage(await scopeFor(f(over)), f(over))).rows.map((r) => r.id.slice(-2)).sort();
      expect(await ids({ tag: TAG2 })).toEqual(["02"]);
      expect(await ids({ tag: TAG1 })).toEqual(["01", "02"]);
      expect((await fetchKpis(await scopeFor(f({ tag: TAG2 })), f({ tag: TAG2 }))).current).toMatchObject({
        total: 25050n,
        count: 1,
      });
    });

    it("search finds supplier identifiers, document numbers, amounts and the names an entry refers to", async () => {
      const ids = async (q: string, period: ExpenseFilters["period"] = "this-month") =>
        (await fetchEntriesPage(await scopeFor(f({ q, period })), f({ q, period }))).rows
          .map((r) => r.id.slice(-2))
          .sort();
      expect(await ids("sup-0042", "all")).toEqual(["11"]);
      expect(await ids("INV-7781", "all")).toEqual(["11"]);
      expect(await ids("250.50")).toEqual(["02"]); // the wallet amount
      expect(await ids("250,50")).toEqual(["02"]); // written with a decimal comma
      expect(await ids("36.00")).toEqual(["02"]); // the purchase amount (USD)
      expect(await ids("ada lund")).toEqual(["01", "03"]); // employee
      expect(await ids("sales")).toEqual(["02"]); // team
      expect(await ids("apollo")).toEqual(["01", "02"]); // tag, on the entry or a split item
      expect(await ids("software")).toEqual(["02", "05"]); // category, on the entry or a split item
    });

    it("describes a team without a documented name by its id and members, never the bare id", async () => {
      const s = await scopeFor(f(), D);
      const label = `Team ${TD.slice(0, 8)} · Yan Ho, Zoe Ek`; // most recent expense first
      expect((await fetchFilterOptions(s)).teams).toEqual([{ id: TD, name: label }]);
      const byTeam = await fetchBreakdown(s, f(), "team");
      expect(byTeam.map((t) => [t.label, t.total])).toEqual([
        [label, 19000n],
        ["No team", 10000n],
      ]);
      const first = (await fetchEntriesPage(s, f({ sort: "amount", dir: "desc" }))).rows[0];
      expect((await fetchEntryDetail(D, first.id))!.teamName).toBe(label);
    });
  });

  describe("in the company's time zone", () => {
    const CPH = "c0c0c0c0-0000-4000-8000-0000000000c1";
    const LON = "c0c0c0c0-0000-4000-8000-0000000000c2";
    const E = "e0000000-0000-4000-8000-0000000000c9";

    beforeAll(async () => {
      await seedCompany(tdb.prisma, {
        id: CPH,
        currency: "DKK",
        timeZone: "Europe/Copenhagen",
        employees: [{ id: E, firstName: "Ida", lastName: "Holm" }],
      });
      await seedEntries(tdb.prisma, CPH, "DKK", [
        { performedAt: "2026-10-31T22:59:59Z", billMinors: 1, employeeId: E }, // 31 Oct 23:59:59 CET: October
        { performedAt: "2026-10-31T23:00:00Z", billMinors: 20, employeeId: E }, // 1 Nov 00:00 CET: November
        { performedAt: "2026-11-30T22:59:59Z", billMinors: 300, employeeId: E }, // 30 Nov 23:59:59: November
        { performedAt: "2026-11-30T23:00:00Z", billMinors: 4000, employeeId: E }, // 1 Dec 00:00: December
        { performedAt: "2026-03-31T21:59:59Z", billMinors: 50000, employeeId: E }, // 31 Mar 23:59:59 CEST: March
        { performedAt: "2026-03-31T22:00:00Z", billMinors: 600000, employeeId: E }, // 1 Apr 00:00 CEST: April
      ]);
      await seedCompany(tdb.prisma, { id: LON, currency: "GBP", timeZone: "Europe/London" });
      await seedEntries(tdb.prisma, LON, "GBP", [
        { performedAt: "2026-06-30T22:59:59Z", billMinors: 1 }, // 30 Jun 23:59:59 BST: June
        { performedAt: "2026-06-30T23:00:00Z", billMinors: 20 }, // 1 Jul 00:00 BST: July
        { performedAt: "2026-07-31T23:30:00Z", billMinors: 300 }, // 1 Aug 00:30 BST: August
        { performedAt: "2026-10-25T00:30:00Z", billMinors: 4000 }, // 25 Oct 01:30 BST (clocks go back at 02:00)
        { performedAt: "2026-10-31T23:30:00Z", billMinors: 50000 }, // 31 Oct 23:30 GMT: October
      ]);
    });

    it("Copenhagen: this month, last month and the 12-month chart follow local midnights", async () => {
      const s = (await dashboardScope(CPH, f(), NOW))!;
      expect(s.timeZone).toBe("Europe/Copenhagen");
      const k = await fetchKpis(s, f());
      expect(k.current).toMatchObject({ total: 320n, count: 2 }); // 20 + 300
      expect(k.previous).toMatchObject({ total: 1n, count: 1 });
      // The chart from the rollup and (with an employee filter the rollup cannot answer) from the entries.
      for (const over of [{}, { employee: E }]) {
        const scope = (await dashboardScope(CPH, f(over), NOW))!;
        const by = Object.fromEntries((await fetchMonthlySpend(scope, f(over))).map((m) => [m.month, m.total]));
        expect(by).toMatchObject({ "2026-03": 50000n, "2026-04": 600000n, "2026-10": 1n, "2026-11": 320n });
      }
      const dec = (await dashboardScope(CPH, f(), new Date("2026-12-10T12:00:00Z")))!;
      expect((await fetchKpis(dec, f())).current).toMatchObject({ total: 4000n, count: 1 });
    });

    it("London: summer months start at 23:00 UTC; the day the clocks go back is one October day", async () => {
      const july = (await dashboardScope(LON, f(), new Date("2026-07-15T12:00:00Z")))!;
      expect((await fetchKpis(july, f())).current).toMatchObject({ total: 20n, count: 1 });
      expect((await fetchKpis(july, f())).previous).toMatchObject({ total: 1n, count: 1 });
      const oct25 = f({ period: "custom", from: "2026-10-25", to: "2026-10-25" });
      const day = (await dashboardScope(LON, oct25, NOW))!;
      expect((await fetchKpis(day, oct25)).current).toMatchObject({ total: 4000n, count: 1 });
      const months = await fetchMonthlySpend((await dashboardScope(LON, f(), NOW))!, f());
      const by = Object.fromEntries(months.map((m) => [m.month, m.total]));
      expect(by).toMatchObject({ "2026-06": 1n, "2026-07": 20n, "2026-08": 300n, "2026-10": 54000n });
    });
  });

  describe("exportEntriesCsv", () => {
    async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
      // ignoreBOM keeps the byte-order mark in the text so the test can see it was sent.
      return new TextDecoder("utf-8", { ignoreBOM: true }).decode(await new Response(stream).arrayBuffer());
    }

    it("streams every filtered row once, in batches, newest first", async () => {
      const csv = await readAll(
        exportEntriesCsv(await scopeFor(f({ period: "all" })), f({ period: "all" }), { batchSize: 2 }),
      );
      const lines = csv.trimEnd().split("\r\n");
      expect(lines[0]).toMatch(/^\uFEFFid,performed_at,/);
      const ids = lines.slice(1).map((l) => l.slice(0, 36));
      // 14 entries, one deleted
      expect(ids).toHaveLength(13);
      expect(new Set(ids).size).toBe(13);
      expect(ids[0].slice(-2)).toBe("09");
      expect(ids.at(-1)!.slice(-2)).toBe("14");
    });

    it("writes amounts in major units and quotes text", async () => {
      const csv = await readAll(exportEntriesCsv(await scopeFor(f({ q: "adobe" })), f({ q: "adobe" })));
      const lines = csv.trimEnd().split("\r\n").slice(1);
      expect(lines).toHaveLength(2);
      expect(lines.find((l) => l.startsWith("00000000-0000-4000-8000-000000000005"))).toContain(
        ",-30.00,DKK,-30.00,DKK,",
      );
      // tax_code, amount, currency, original amount and currency, receipts, tags (none on the entry itself)
      expect(lines.find((l) => l.startsWith("00000000-0000-4000-8000-000000000002"))).toMatch(
        /,VAT 25% · 25% \(VAT25\),250\.50,DKK,36\.00,USD,0,$/,
      );
    });
  });

  describe("against a brute-force computation", () => {
    it("KPIs and table counts agree with a JS reference on 2,000 random entries", async () => {
      const C = "dddddddd-0000-4000-8000-000000000004";
      await seedCompany(tdb.prisma, { id: C, currency: "SEK" });
      let seed = 7;
      const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
      const fams = [
        "CARD_PURCHASE",
        "OUT_OF_POCKET",
        "BILL_INVOICE",
        "CREDIT_NOTE",
        "MILEAGE",
        "WALLET",
        "REIMBURSEMENT",
        "CASHBACK",
      ];
      const statuses = ["COMPLETED", "PENDING", "CANCELLED", "REJECTED", "DRAFT"];
      const reviews = ["OK", "NOT_REQUIRED", "WAITING_FOR_REVIEWER", "WAITING_FOR_TAG_REVIEWER", "NOT_OK"];
      const entries: EntrySeed[] = Array.from({ length: 2000 }, () => ({
        performedAt: new Date(Date.UTC(2026, 8, 1) + Math.floor(rnd() * 90 * 86_400_000)),
        billMinors: Math.floor(rnd() * 200000) - 20000,
        family: pick(fams),
        status: pick(statuses),
        reviewStatus: pick(reviews),
        receiptCount: rnd() < 0.3 ? 0 : 1,
        deletedAt: rnd() < 0.05 ? "2026-11-12T00:00:00Z" : null,
      }));
      await seedEntries(tdb.prisma, C, "SEK", entries);

      const inRange = (e: EntrySeed, s: string, t: string) =>
        new Date(e.performedAt) >= new Date(s) && new Date(e.performedAt) < new Date(t);
      const spend = (e: EntrySeed) =>
        !e.deletedAt &&
        ["CARD_PURCHASE", "OUT_OF_POCKET", "BILL_INVOICE", "CREDIT_NOTE", "MILEAGE", "CASHBACK"].includes(e.family!) &&
        !["CANCELLED", "REJECTED"].includes(e.status!);
      const expected = (s: string, t: string) => {
        const xs = entries.filter((e) => spend(e) && inRange(e, s, t));
        return {
          total: xs.reduce((a, e) => a + BigInt(e.billMinors), 0n),
          count: xs.length,
          waiting: xs.filter((e) => e.reviewStatus!.startsWith("WAITING_FOR_")).length,
          missingReceipt: xs.filter(
            (e) => e.receiptCount === 0 && ["CARD_PURCHASE", "OUT_OF_POCKET", "BILL_INVOICE"].includes(e.family!),
          ).length,
        };
      };
      const k = await fetchKpis(await scopeFor(f(), C), f());
      expect(k.current).toMatchObject(expected("2026-11-01", "2026-12-01"));
      expect(k.previous).toMatchObject(expected("2026-10-01", "2026-11-01"));

      const q = f({ family: "CARD_PURCHASE", status: "COMPLETED" });
      const page = await fetchEntriesPage(await scopeFor(q, C), q);
      expect(page.total).toBe(
        entries.filter(
          (e) =>
            !e.deletedAt &&
            e.family === "CARD_PURCHASE" &&
            e.status === "COMPLETED" &&
            inRange(e, "2026-11-01", "2026-12-01"),
        ).length,
      );
    });
  });
}

for (const kind of DATABASE_KINDS) describe.skipIf(databaseUnavailable(kind))(`on ${kind}`, () => readsOn(kind));
