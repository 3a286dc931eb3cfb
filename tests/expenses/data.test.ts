/**
 * lib/expenses/data.ts on its own: what each read makes of the rows the SQL returns (labels and their
 * fallbacks, the wallet currency and the others, the top N and "Other", the chosen tag group, paging,
 * the filter lists' order, the entry detail's names) and what it does when the SQL fails. One small
 * PGlite database seeded once. Two companies in the same currency with entries on the same days, so a
 * read that lost its company condition would show; the SQL itself is tested in queries.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clearWidgetCache } from "@/lib/expenses/cache";
import {
  averageMinors,
  dashboardScope,
  fetchBreakdown,
  fetchCompanyContext,
  fetchEntriesPage,
  fetchEntryCompanyId,
  fetchEntryDetail,
  fetchFilterOptions,
  fetchKpis,
  fetchMonthlySpend,
  fetchTagBreakdown,
  fetchTagNames,
  fetchTeamLabels,
  readFilters,
  type DashboardScope,
} from "@/lib/expenses/data";
import { UNKNOWN_ACCOUNT_ID } from "@/lib/expenses/definitions";
import { DEFAULT_FILTERS, periodOf, type ExpenseFilters } from "@/lib/expenses/filters";
import { createTestDatabase, withMember, withProcessPrisma, type TestDatabase } from "@/tests/support/db";
import { seedCompany, seedEntries, type EntrySeed } from "@/tests/support/expense-seed";
import { captureLogger, setProcessLogger } from "@/tests/support/logs";

const NOW = new Date("2026-11-15T12:00:00Z");
const A = "aaaaaaaa-0000-4000-8000-00000000000a";
const B = "bbbbbbbb-0000-4000-8000-00000000000b";
/** No wallet currency stored (before the sync's company read), a history window of 2 months. */
const C = "cccccccc-0000-4000-8000-00000000000c";
/** A company with nothing: no currency, no entries, no directory, a zone that is not one. */
const EMPTY = "dddddddd-0000-4000-8000-00000000000d";

const ADA = "e0000000-0000-4000-8000-000000000001";
const BO = "e0000000-0000-4000-8000-000000000002";
const ADA_B = "e0000000-0000-4000-8000-000000000003";
const CY = "e0000000-0000-4000-8000-000000000004";
const NOT_SYNCED_EMPLOYEE = "e0000000-0000-4000-8000-000000000009";
const B_EMPLOYEE = "e0000000-0000-4000-8000-0000000000bb";
const FINANCE = "70000000-0000-4000-8000-000000000001";
const UNNAMED_TEAM = "70000000-0000-4000-8000-000000000002";
const ACCOUNTS_TEAM = "70000000-0000-4000-8000-000000000003";
/** A team without a name and without members seen on entries. */
const LONELY_TEAM = "70000000-0000-4000-8000-000000000004";
const TRAVEL = "ac000000-0000-4000-8000-000000000001";
const MEALS = "ac000000-0000-4000-8000-000000000002";
const OFFICE = "ac000000-0000-4000-8000-000000000003";
const BANK = "ac000000-0000-4000-8000-000000000004";
const NOT_SYNCED_ACCOUNT = "ac000000-0000-4000-8000-000000000009";
const B_ACCOUNT = "ac000000-0000-4000-8000-0000000000bb";
const PROJECT = "96000000-0000-4000-8000-000000000001";
const DEPARTMENT = "96000000-0000-4000-8000-000000000002";
const NO_TAGS_GROUP = "96000000-0000-4000-8000-000000000003";
const REGION = "96000000-0000-4000-8000-000000000004";
const NOT_SYNCED_GROUP = "96000000-0000-4000-8000-000000000009";
const B_GROUP = "96000000-0000-4000-8000-0000000000bb";
const APOLLO = "7a000000-0000-4000-8000-000000000001";
const GEMINI = "7a000000-0000-4000-8000-000000000002";
const SALES = "7a000000-0000-4000-8000-000000000003";
/** Its id sorts before Apollo's, its name after. */
const MERCURY = "7a000000-0000-4000-8000-000000000000";
const NORTH = "7a000000-0000-4000-8000-000000000004";
/** B's tag filed under A's group. */
const B_TAG_IN_A_GROUP = "7a000000-0000-4000-8000-0000000000bd";
const NOT_SYNCED_TAG = "7a000000-0000-4000-8000-000000000009";
const B_TAG = "7a000000-0000-4000-8000-0000000000bb";
/** A's tag row filed under B's group: a row that crosses the tenant boundary, which no read may name. */
const CROSSED_TAG = "7a000000-0000-4000-8000-0000000000cc";
const VAT = "7c000000-0000-4000-8000-000000000001";
const NOT_SYNCED_TAX = "7c000000-0000-4000-8000-000000000009";
const REDUCED = "7c000000-0000-4000-8000-000000000002";
const B_TAX = "7c000000-0000-4000-8000-0000000000bb";

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const N1 = id(1);
const N2 = id(2);
const N3 = id(3);
const N4 = id(4);
const N9 = id(9);
const N10 = id(10);
const ODD_TAGS = id(11);
/** An entry of A naming B's employee, account and tag (ids Pleo should never send A): no read may label it with B's names. */
const CROSSED = "0000000c-0000-4000-8000-0000000000ab";
/** Split items on two accounts, tax codes and tag groups, written out of id order. */
const SPLIT_NAMES = id(13);
/** Tags stored as something other than a list. */
const TAGS_NOT_A_LIST = id(14);
const OCTOBER = id(20);
const B_ENTRY = id(100);
const C_OLD = id(200);
const C_RECENT = id(201);

/**
 * Company A in November 2026 (the default period, "this month", at NOW), wallet EUR. Spend in EUR:
 * N1 10000 + N2 5000 + N3 3000 + N4 2000 + N9 2000 + N10 6000 = 28000 over 6 entries. Not summed:
 * USD 4000 and two SEK 1000 (other currencies, card purchases), a EUR wallet top-up and a NOK one (not
 * spend), and a deleted entry.
 */
const A_ENTRIES: EntrySeed[] = [
  {
    id: N1,
    performedAt: "2026-11-02T10:00:00Z",
    billMinors: 10000,
    employeeId: ADA,
    teamId: FINANCE,
    accountId: TRAVEL,
    taxCodeId: VAT,
    supplierName: "Café Norden",
    reviewStatus: "WAITING_FOR_REVIEWER",
    receiptCount: 0,
    tags: [{ tagGroupId: PROJECT, tagId: APOLLO }],
  },
  {
    id: N2,
    performedAt: "2026-11-03T10:00:00Z",
    billMinors: 5000,
    family: "OUT_OF_POCKET",
    employeeId: BO,
    teamId: UNNAMED_TEAM,
    accountId: UNKNOWN_ACCOUNT_ID,
  },
  {
    id: N3,
    performedAt: "2026-11-04T10:00:00Z",
    billMinors: 3000,
    family: "MILEAGE",
    accountCode: "9999",
    supplier: { documentNumber: "INV-7" },
    tags: [{ tagGroupId: DEPARTMENT, tagId: SALES }],
  },
  {
    id: N4,
    performedAt: "2026-11-05T10:00:00Z",
    billMinors: 2000,
    employeeId: ADA,
    teamId: UNNAMED_TEAM,
    accountId: NOT_SYNCED_ACCOUNT,
    accountCode: "7777",
    taxCodeId: NOT_SYNCED_TAX,
    tags: [{ tagGroupId: PROJECT, tagId: NOT_SYNCED_TAG }],
  },
  {
    id: N9,
    performedAt: "2026-11-06T10:00:00Z",
    billMinors: 2000,
    employeeId: NOT_SYNCED_EMPLOYEE,
    accountId: OFFICE,
    tags: [{ tagGroupId: NOT_SYNCED_GROUP, tagId: GEMINI }],
  },
  {
    id: N10,
    performedAt: "2026-11-07T10:00:00Z",
    billMinors: 6000,
    employeeId: BO,
    accountId: TRAVEL,
    splitItems: [
      {
        id: "5b000000-0000-4000-8000-000000000001",
        accountId: TRAVEL,
        billMinors: 4000,
        tags: [{ tagGroupId: PROJECT, tagId: APOLLO }],
      },
      { id: "5b000000-0000-4000-8000-000000000002", accountId: null, billMinors: 2000, tags: [] },
    ],
  },
  { performedAt: "2026-11-08T10:00:00Z", billMinors: 4000, billCurrency: "USD" },
  { performedAt: "2026-11-09T10:00:00Z", billMinors: 1000, billCurrency: "SEK" },
  { performedAt: "2026-11-10T10:00:00Z", billMinors: 1000, billCurrency: "SEK" },
  { performedAt: "2026-11-11T10:00:00Z", billMinors: 50000, family: "WALLET" },
  { performedAt: "2026-11-12T10:00:00Z", billMinors: 50000, family: "WALLET", billCurrency: "NOK" },
  { performedAt: "2026-11-12T11:00:00Z", billMinors: 77777, deletedAt: "2026-11-13T00:00:00Z" },
  // Last month (the comparison), and older months for the 12-month chart.
  { id: OCTOBER, performedAt: "2026-10-10T10:00:00Z", billMinors: 7000, employeeId: ADA, accountId: TRAVEL },
  { performedAt: "2026-10-11T10:00:00Z", billMinors: 9000, billCurrency: "USD" },
  { performedAt: "2026-01-15T10:00:00Z", billMinors: 1500 },
  // Older than the chart's 12 months (Dec 2025 – Nov 2026).
  { performedAt: "2025-11-15T10:00:00Z", billMinors: 800 },
];

/** B: the same currency and the same days, other amounts, its own directory. */
const B_ENTRIES: EntrySeed[] = [
  {
    id: B_ENTRY,
    performedAt: "2026-11-02T10:00:00Z",
    billMinors: 99900,
    employeeId: B_EMPLOYEE,
    teamId: FINANCE.replace("0001", "00bb"),
    accountId: B_ACCOUNT,
    tags: [{ tagGroupId: B_GROUP, tagId: B_TAG }],
  },
  { performedAt: "2026-10-10T10:00:00Z", billMinors: 88800, employeeId: B_EMPLOYEE },
];

describe("the dashboard's reads (lib/expenses/data.ts)", () => {
  let database: TestDatabase;
  let scopeA: DashboardScope;
  const filters = (f: Partial<ExpenseFilters> = {}): ExpenseFilters => ({ ...DEFAULT_FILTERS, ...f });

  beforeAll(async () => {
    database = await createTestDatabase("pglite-copy", { processDatabase: true });
    const prisma = database.prisma;
    await seedCompany(prisma, {
      id: A,
      name: "Alpha",
      currency: "EUR",
      timeZone: "Europe/Copenhagen",
      employees: [
        { id: ADA, firstName: "Ada", lastName: "Lovelace" },
        { id: BO, firstName: "Bo", lastName: "Zed" },
        { id: ADA_B, firstName: "Ada", lastName: "Byron" },
        { id: CY, firstName: "Cy", lastName: "Abbott" },
      ],
      // Not in name order: the lists must sort them.
      teams: [
        { id: FINANCE, name: "Finance" },
        { id: ACCOUNTS_TEAM, name: "Accounts" },
        { id: LONELY_TEAM, name: null },
      ],
      accounts: [
        { id: TRAVEL, name: "Travel", code: "6100" },
        { id: MEALS, name: "Meals" },
        { id: OFFICE, name: "Office", code: "1000" },
        { id: BANK, name: "Bank fees" },
      ],
      taxCodes: [
        { id: VAT, name: "VAT", rate: "0.25", code: "VAT25" },
        { id: REDUCED, name: "Reduced", rate: "0.125" },
      ],
      tagGroups: [
        { id: REGION, name: "Region", tags: [{ id: NORTH, name: "North" }] },
        {
          id: PROJECT,
          name: "Project",
          tags: [
            { id: GEMINI, name: "Gemini" },
            { id: APOLLO, name: "Apollo" },
            { id: MERCURY, name: "Mercury" },
          ],
        },
        { id: DEPARTMENT, name: "Department", tags: [{ id: SALES, name: "Sales" }] },
        { id: NO_TAGS_GROUP, name: "Empty group", tags: [] },
      ],
    });
    await prisma.ledgerAccount.update({ where: { id: MEALS }, data: { archived: true } });
    await prisma.tagGroup.update({ where: { id: DEPARTMENT }, data: { archived: true } });
    await prisma.tag.update({ where: { id: GEMINI }, data: { archived: true } });
    await seedCompany(prisma, {
      id: B,
      name: "Beta",
      currency: "EUR",
      employees: [{ id: B_EMPLOYEE, firstName: "Aaron", lastName: "Other" }],
      accounts: [{ id: B_ACCOUNT, name: "Other's account", code: "0001" }],
      taxCodes: [{ id: B_TAX, name: "B's VAT", rate: "0.2" }],
      tagGroups: [{ id: B_GROUP, name: "Another project", tags: [{ id: B_TAG, name: "Borealis" }] }],
    });
    await prisma.tag.create({ data: { id: B_TAG_IN_A_GROUP, tagGroupId: PROJECT, companyId: B, name: "Zulu" } });
    await prisma.tag.create({ data: { id: CROSSED_TAG, tagGroupId: B_GROUP, companyId: A, name: "Crossed" } });
    await seedEntries(prisma, A, "EUR", A_ENTRIES);
    await seedEntries(prisma, A, "EUR", [
      // Tags as Pleo may send them: ids that are not uuids, and a reference without a tag id.
      {
        id: ODD_TAGS,
        performedAt: "2025-06-01T10:00:00Z",
        billMinors: 1,
        tags: [
          { tagGroupId: "not-a-uuid", tagId: "nor-this" },
          { tagGroupId: PROJECT } as { tagGroupId: string; tagId: string },
          { tagId: APOLLO } as { tagGroupId: string; tagId: string },
        ],
      },
    ]);
    await seedEntries(prisma, A, "EUR", [
      {
        id: CROSSED,
        performedAt: "2024-06-01T10:00:00Z",
        billMinors: 500,
        employeeId: B_EMPLOYEE,
        accountId: B_ACCOUNT,
        taxCodeId: B_TAX,
        tags: [
          { tagGroupId: PROJECT, tagId: B_TAG },
          { tagGroupId: B_GROUP, tagId: APOLLO },
        ],
      },
      {
        id: SPLIT_NAMES,
        performedAt: "2024-07-01T10:00:00Z",
        billMinors: 500,
        accountId: MEALS,
        taxCodeId: VAT,
        tags: [{ tagGroupId: PROJECT, tagId: APOLLO }],
        splitItems: [
          { id: "5b000000-0000-4000-8000-000000000004", accountId: MEALS, billMinors: 200, tags: [] },
          {
            id: "5b000000-0000-4000-8000-000000000003",
            accountId: TRAVEL,
            billMinors: 300,
            tags: [{ tagGroupId: DEPARTMENT, tagId: SALES }],
          },
        ],
      },
      { id: TAGS_NOT_A_LIST, performedAt: "2024-08-01T10:00:00Z", billMinors: 100, family: "WALLET" },
    ]);
    await prisma.splitItem.update({
      where: { id: "5b000000-0000-4000-8000-000000000003" },
      data: { taxCodeId: REDUCED },
    });
    await prisma.accountingEntry.update({ where: { id: TAGS_NOT_A_LIST }, data: { tags: { not: "a list" } } });
    // A null among the references (the seed cannot write one).
    await prisma.$executeRaw`UPDATE "AccountingEntry" SET "tags" = "tags" || '[null]'::jsonb WHERE "id" = ${ODD_TAGS}::uuid`;
    await seedEntries(prisma, B, "EUR", B_ENTRIES);

    await seedCompany(prisma, { id: C, currency: "XXX" });
    await prisma.pleoCompany.update({ where: { id: C }, data: { currency: null } });
    await seedEntries(prisma, C, "SEK", [
      { id: C_OLD, performedAt: "2026-01-10T10:00:00Z", billMinors: 100, billCurrency: "SEK" },
      { id: C_RECENT, performedAt: "2026-11-01T10:00:00Z", billMinors: 100, billCurrency: "DKK" },
      { performedAt: "2026-11-02T10:00:00Z", billMinors: 100, billCurrency: "NOK", deletedAt: "2026-11-03T00:00:00Z" },
    ]);
    const user = await prisma.user.create({ data: { email: "owner@example.test" } });
    await prisma.pleoConnection.create({
      data: {
        user: { connect: { id: user.id } },
        account: { create: { userId: user.id, type: "oauth", provider: "pleo", providerAccountId: C } },
        company: { connect: { id: C } },
        scopes: [],
        accessTokenEnc: "not-read-here",
        refreshTokenEnc: "not-read-here",
        accessTokenExpiresAt: NOW,
        refreshTokenIssuedAt: NOW,
        historyMonths: 2,
      },
    });
    // A zone Intl does not know (the database would refuse it for a company with entries).
    await seedCompany(prisma, { id: EMPTY, currency: "XXX", timeZone: "Mars/Olympus_Mons" });
    await prisma.pleoCompany.update({ where: { id: EMPTY }, data: { currency: null } });
  });
  afterAll(() => database?.drop());
  beforeEach(async () => {
    // Every read computes here: a cached answer from an earlier test would hide what this one checks.
    clearWidgetCache();
    const scope = await dashboardScope(A, DEFAULT_FILTERS, NOW);
    expect(scope).not.toBeNull();
    scopeA = scope!;
  });

  describe("the company's context and the view's scope", () => {
    it("A: its wallet currency, its zone, its data version, no history window", async () => {
      const context = await fetchCompanyContext(A);
      expect(context).toEqual({
        currency: "EUR",
        timeZone: "Europe/Copenhagen",
        timeZoneKnown: true,
        dataVersion: expect.any(Number),
        historyMonths: null,
      });
      expect(context.dataVersion).toBeGreaterThan(0);
    });

    it("no stored currency: the newest live entry's; no zone reads as UTC, marked unknown", async () => {
      expect(await fetchCompanyContext(C)).toEqual({
        currency: "DKK",
        timeZone: "UTC",
        timeZoneKnown: false,
        dataVersion: expect.any(Number),
        historyMonths: 2,
      });
      expect(await fetchCompanyContext(B)).toMatchObject({ currency: "EUR", timeZone: "UTC", timeZoneKnown: false });
    });

    it("a company with nothing (and a zone that is not one), or one that does not exist, has no currency and the defaults", async () => {
      const nothing = { currency: null, timeZone: "UTC", timeZoneKnown: false, dataVersion: 0, historyMonths: null };
      expect(await fetchCompanyContext(EMPTY)).toEqual(nothing);
      expect(await fetchCompanyContext("eeeeeeee-0000-4000-8000-00000000000e")).toEqual(nothing);
      expect(await dashboardScope(EMPTY, DEFAULT_FILTERS, NOW)).toBeNull();
    });

    it("the scope carries the company, its currency and zone, the period in that zone and the window's start", async () => {
      const context = await fetchCompanyContext(A);
      expect(scopeA).toEqual({
        companyId: A,
        currency: "EUR",
        timeZone: "Europe/Copenhagen",
        dataVersion: context.dataVersion,
        historyStart: null,
        period: periodOf(DEFAULT_FILTERS, NOW, "Europe/Copenhagen"),
        now: NOW,
        context,
      });
      // November in Copenhagen starts at 23:00 UTC the day before.
      expect(scopeA.period.current?.start).toEqual(new Date("2026-10-31T23:00:00Z"));

      const scopeC = await dashboardScope(C, filters({ period: "last-month" }), NOW);
      // Two months in C's zone (UTC): October and November.
      expect(scopeC?.historyStart).toBe(Date.parse("2026-10-01T00:00:00Z"));
      expect(scopeC?.period).toEqual(periodOf(filters({ period: "last-month" }), NOW, "UTC"));
    });
  });

  describe("fetchKpis", () => {
    it("sums the wallet currency's spend, counts the other currencies apart and every live entry for the table", async () => {
      const kpis = await fetchKpis(scopeA, DEFAULT_FILTERS);
      expect({
        ...kpis,
        otherCurrencies: [...kpis.otherCurrencies].sort((a, b) => a.currency.localeCompare(b.currency)),
      }).toEqual({
        currency: "EUR",
        current: { total: 28000n, count: 6, average: 4667n, waiting: 1, missingReceipt: 1 },
        previous: { total: 7000n, count: 1, average: 7000n, waiting: 0, missingReceipt: 0 },
        // 6 EUR spend + USD + 2 SEK + 2 wallet top-ups; not the deleted one.
        entries: 11,
        // Last month's USD entry is not this period's; the NOK top-up is no spend.
        otherCurrencies: [
          { currency: "SEK", count: 2 },
          { currency: "USD", count: 1 },
        ],
      });
    });

    it("each filter is its own read: a second filter in the same view is not served the first one's figures", async () => {
      expect((await fetchKpis(scopeA, DEFAULT_FILTERS)).current.total).toBe(28000n);
      expect((await fetchKpis(scopeA, filters({ family: "MILEAGE" }))).current).toMatchObject({
        total: 3000n,
        count: 1,
      });
      expect((await fetchKpis(scopeA, filters({ q: "lovelace" }))).current).toMatchObject({ total: 12000n, count: 2 });
      expect((await fetchMonthlySpend(scopeA, DEFAULT_FILTERS))[11].total).toBe(28000n);
      expect((await fetchMonthlySpend(scopeA, filters({ family: "MILEAGE" })))[11].total).toBe(3000n);
      expect(await fetchBreakdown(scopeA, DEFAULT_FILTERS, "employee")).toHaveLength(4);
      expect((await fetchBreakdown(scopeA, filters({ employee: BO }), "employee")).map((b) => b.key)).toEqual([BO]);
    });

    it("a period without a comparison has no previous figures", async () => {
      const all = filters({ period: "all" });
      const scope = (await dashboardScope(A, all, NOW))!;
      const kpis = await fetchKpis(scope, all);
      expect(kpis.previous).toBeNull();
      // Everything ever, in EUR: November's 28000, October's 7000, January's 1500, the 800 of a year ago, the 1, 500 and 500.
      expect(kpis.current).toEqual({ total: 38301n, count: 12, average: 3192n, waiting: 1, missingReceipt: 1 });
    });

    it("a failed read is logged with what failed and rethrown without the SQL", async () => {
      const capture = captureLogger();
      setProcessLogger(capture.logger);
      try {
        // A company id that is not a uuid makes the statement fail (its ::uuid cast).
        const broken = { ...scopeA, companyId: "not-a-uuid" };
        await expect(fetchKpis(broken, DEFAULT_FILTERS)).rejects.toThrow(/^Could not load the key figures\.$/);
        await expect(fetchMonthlySpend(broken, DEFAULT_FILTERS)).rejects.toThrow(/^Could not load monthly spend\.$/);
        await expect(readFilters(broken, filters({ q: "ada" }))).rejects.toThrow(/^Could not load search\.$/);
        await expect(fetchEntriesPage(broken, filters({ page: 2 }))).rejects.toThrow(/^Could not load expenses\.$/);
        // Reads whose statement fails after the company's own reads succeed: an id that is not a uuid.
        await expect(fetchBreakdown(scopeA, filters({ employee: "not-a-uuid" }), "category")).rejects.toThrow(
          /^Could not load spend by category, tag, team, employee and type\.$/,
        );
        await expect(fetchEntryDetail(A, "not-a-uuid")).rejects.toThrow(/^Could not load the expense\.$/);
        // The filter choices (also read by the tag breakdown) fail the same way as every other read.
        await expect(fetchFilterOptions(broken)).rejects.toThrow(/^Could not load the filter choices\.$/);
        await expect(fetchTagBreakdown(broken, DEFAULT_FILTERS)).rejects.toThrow(
          /^Could not load the filter choices\.$/,
        );
        // The page's count read runs alongside; joining it (the cache shares a load in flight) lets it finish here.
        await fetchKpis(broken, filters({ page: 2 })).catch(() => undefined);
      } finally {
        setProcessLogger(undefined);
      }
      const failed = capture.lines().filter((l) => l.msg === "dashboard read failed");
      expect(failed.map((l) => l.what)).toEqual(
        expect.arrayContaining([
          "the key figures",
          "monthly spend",
          "search",
          "expenses",
          "spend by category, tag, team, employee and type",
          "the expense",
          "the filter choices",
        ]),
      );
      expect(failed[0]).toMatchObject({ module: "expenses", what: "the key figures", level: 50 });
      // The database's own error, for the operator (the visitor only sees the sentence above).
      expect(failed[0].err).toMatchObject({ message: expect.stringContaining("$queryRaw") });
    });
  });

  it("averageMinors: rounded half away from zero, refunds (negative totals) included; nothing over no entries", () => {
    expect(averageMinors(5n, 2)).toBe(3n);
    expect(averageMinors(-5n, 2)).toBe(-3n);
    expect(averageMinors(7n, 3)).toBe(2n);
    expect(averageMinors(-7n, 3)).toBe(-2n);
    expect(averageMinors(-8n, 3)).toBe(-3n);
    expect(averageMinors(-4n, 2)).toBe(-2n);
    expect(averageMinors(0n, 3)).toBe(0n);
    expect(averageMinors(100n, 0)).toBe(0n);
  });

  it("fetchMonthlySpend: twelve local months up to now, zero where nothing was spent", async () => {
    const points = await fetchMonthlySpend(scopeA, DEFAULT_FILTERS);
    expect(points).toHaveLength(12);
    expect(points[0]).toEqual({ month: "2025-12", start: new Date("2025-11-30T23:00:00Z"), total: 0n, count: 0 });
    expect(points[11]).toMatchObject({
      month: "2026-11",
      start: new Date("2026-10-31T23:00:00Z"),
      total: 28000n,
      count: 6,
    });
    const spent = points.filter((p) => p.count > 0).map((p) => [p.month, p.total, p.count]);
    expect(spent).toEqual([
      ["2026-01", 1500n, 1],
      ["2026-10", 7000n, 1],
      ["2026-11", 28000n, 6],
    ]);
  });

  describe("breakdowns", () => {
    it('by category: names, the "I don\'t know" account, no category, an account not synced; ties by id', async () => {
      expect(await fetchBreakdown(scopeA, DEFAULT_FILTERS, "category")).toEqual([
        // N1, and N10's first split item: split items that add up go to their own accounts.
        { key: TRAVEL, label: "6100 Travel", total: 14000n, count: 2 },
        // N3 (no account), and N10's second split item; level with the next, and no key sorts first.
        { key: null, label: "Uncategorised", total: 5000n, count: 2 },
        { key: UNKNOWN_ACCOUNT_ID, label: "“I don't know”", total: 5000n, count: 1 },
        { key: OFFICE, label: "1000 Office", total: 2000n, count: 1 },
        { key: NOT_SYNCED_ACCOUNT, label: "Unknown category", total: 2000n, count: 1 },
      ]);
    });

    it("by team, employee and type: each entry once, with labels for what has no name", async () => {
      expect(await fetchBreakdown(scopeA, DEFAULT_FILTERS, "team")).toEqual([
        { key: null, label: "No team", total: 11000n, count: 3 },
        { key: FINANCE, label: "Finance", total: 10000n, count: 1 },
        // No documented name: the id's start and the employees seen on it, the latest first.
        { key: UNNAMED_TEAM, label: "Team 70000000 · Ada Lovelace, Bo Zed", total: 7000n, count: 2 },
      ]);
      expect(await fetchBreakdown(scopeA, DEFAULT_FILTERS, "employee")).toEqual([
        { key: ADA, label: "Ada Lovelace", total: 12000n, count: 2 },
        { key: BO, label: "Bo Zed", total: 11000n, count: 2 },
        { key: null, label: "No employee", total: 3000n, count: 1 },
        { key: NOT_SYNCED_EMPLOYEE, label: "Unknown employee", total: 2000n, count: 1 },
      ]);
      expect(await fetchBreakdown(scopeA, DEFAULT_FILTERS, "family")).toEqual([
        { key: "CARD_PURCHASE", label: "Card purchase", total: 20000n, count: 4 },
        { key: "OUT_OF_POCKET", label: "Out of pocket", total: 5000n, count: 1 },
        { key: "MILEAGE", label: "Mileage", total: 3000n, count: 1 },
      ]);
    });

    it("the top N and the rest summed as Other, so the bars add up; no Other when all fit", async () => {
      const all = await fetchBreakdown(scopeA, DEFAULT_FILTERS, "category");
      expect(await fetchBreakdown(scopeA, DEFAULT_FILTERS, "category", 2)).toEqual([
        all[0],
        all[1],
        { key: null, label: "Other (3)", total: 9000n, count: 3, isOther: true },
      ]);
      expect(await fetchBreakdown(scopeA, DEFAULT_FILTERS, "category", 5)).toEqual(all);
      expect(await fetchBreakdown(scopeA, DEFAULT_FILTERS, "category", 4)).toEqual([
        ...all.slice(0, 4),
        { key: null, label: "Other (1)", total: 2000n, count: 1, isOther: true },
      ]);
    });

    it("by tag: the first group unless the view names another of the company's; no tag reads with the group's name", async () => {
      // By name, the archived one last.
      const groups = [
        { id: PROJECT, name: "Project" },
        { id: REGION, name: "Region" },
        { id: DEPARTMENT, name: "Department (archived)" },
      ];
      const project = await fetchTagBreakdown(scopeA, DEFAULT_FILTERS);
      expect(project).toEqual({
        groups,
        group: groups[0],
        items: [
          // N1 and N10's first split item.
          { key: APOLLO, label: "Apollo", total: 14000n, count: 2 },
          // N2, N3 (a Department tag only), N9 (its tag names a group that is not synced), N10's second split item.
          { key: null, label: "No Project tag", total: 12000n, count: 4 },
          { key: NOT_SYNCED_TAG, label: "Unknown tag", total: 2000n, count: 1 },
        ],
      });
      const department = await fetchTagBreakdown(scopeA, filters({ tagGroup: DEPARTMENT }));
      expect(department.group).toEqual(groups[2]);
      expect(department.items).toEqual([
        { key: null, label: "No Department (archived) tag", total: 25000n, count: 5 },
        { key: SALES, label: "Sales", total: 3000n, count: 1 },
      ]);
      // Another company's group, or no group at all, is not a choice: the first group is shown.
      expect((await fetchTagBreakdown(scopeA, filters({ tagGroup: B_GROUP }))).group).toEqual(groups[0]);
      expect((await fetchTagBreakdown(scopeA, filters({ tagGroup: NO_TAGS_GROUP }))).group).toEqual(groups[0]);
      const top1 = await fetchTagBreakdown(scopeA, DEFAULT_FILTERS, 1);
      expect(top1.items).toEqual([
        project.items[0],
        { key: null, label: "Other (2)", total: 14000n, count: 5, isOther: true },
      ]);
    });

    it("a view with no spend has empty breakdowns", async () => {
      const none = filters({ family: "PER_DIEM" });
      expect(await fetchBreakdown(scopeA, none, "category")).toEqual([]);
      expect((await fetchTagBreakdown(scopeA, none)).items).toEqual([]);
    });

    it("a company without tag groups has no tag breakdown, and its other breakdowns still read", async () => {
      const scopeB = (await dashboardScope(B, DEFAULT_FILTERS, NOW))!;
      // B has a group; C has none.
      expect((await fetchTagBreakdown(scopeB, DEFAULT_FILTERS)).group).toEqual({
        id: B_GROUP,
        name: "Another project",
      });
      const scopeC = (await dashboardScope(C, DEFAULT_FILTERS, NOW))!;
      expect(await fetchTagBreakdown(scopeC, DEFAULT_FILTERS)).toEqual({ groups: [], group: null, items: [] });
      expect(await fetchBreakdown(scopeC, DEFAULT_FILTERS, "family")).toEqual([
        { key: "CARD_PURCHASE", label: "Card purchase", total: 100n, count: 1 },
      ]);
    });

    it("ids of another company's directory on an entry are labelled unknown, never with that company's names", async () => {
      const all = filters({ period: "all" });
      const scope = (await dashboardScope(A, all, NOW))!;
      const crossed = (items: { key: string | null; label: string }[], key: string) =>
        items.filter((i) => i.key === key).map((i) => i.label);
      expect(crossed(await fetchBreakdown(scope, all, "employee"), B_EMPLOYEE)).toEqual(["Unknown employee"]);
      expect(crossed(await fetchBreakdown(scope, all, "category"), B_ACCOUNT)).toEqual(["Unknown category"]);
      expect(crossed((await fetchTagBreakdown(scope, all)).items, B_TAG)).toEqual(["Unknown tag"]);
      expect(await fetchEntryDetail(A, CROSSED)).toMatchObject({
        employeeName: null,
        categoryName: "Unknown category",
        taxCodeName: "Tax code not synced",
        tagNames: [
          { group: "Project", name: "Unknown tag" },
          // A's own tag under B's group id: the tag is named, the group is not.
          { group: "Tag group", name: "Apollo" },
        ],
      });
    });

    it("ties in a breakdown sort by key, whatever order the rows come in", async () => {
      const categories = await fetchBreakdown(scopeA, filters({ period: "all", sort: "amount" }), "category");
      const keys = categories.filter((t) => t.total === 2000n).map((t) => t.key);
      expect(keys).toEqual([OFFICE, NOT_SYNCED_ACCOUNT]);
    });
  });

  it("ties of several keys, and of a key with none, sort by key (none first) whatever order the rows come in", async () => {
    // A company of its own: five entries of the same amount, four employees and none.
    const D = "dddddddd-0000-4000-8000-0000000000d4";
    const people = ["e1", "e4", "e2", "e3"].map((n) => `e0000000-0000-4000-8000-0000000000${n}`);
    await seedCompany(database.prisma, {
      id: D,
      currency: "EUR",
      employees: people.map((p, i) => ({ id: p, firstName: `P${i}`, lastName: "Tie" })),
    });
    await seedEntries(database.prisma, D, "EUR", [
      ...people.map((employeeId) => ({ performedAt: "2026-11-02T10:00:00Z", billMinors: 100, employeeId })),
      { performedAt: "2026-11-03T10:00:00Z", billMinors: 100 },
    ]);
    const scopeD = (await dashboardScope(D, DEFAULT_FILTERS, NOW))!;
    const keys = (await fetchBreakdown(scopeD, DEFAULT_FILTERS, "employee")).map((b) => b.key);
    expect(keys).toEqual([null, ...[...people].sort()]);
  });

  describe("fetchEntriesPage", () => {
    it("a page of rows at its offset, with the view's total and the page count", async () => {
      const first = await fetchEntriesPage(scopeA, DEFAULT_FILTERS);
      expect(first).toMatchObject({ total: 11, page: 1, pageSize: 25, pageCount: 1 });
      expect(first.rows).toHaveLength(11);
      const second = await fetchEntriesPage(scopeA, filters({ page: 2 }), 4);
      expect(second).toMatchObject({ total: 11, page: 2, pageSize: 4, pageCount: 3 });
      expect(second.rows.map((r) => r.id)).toEqual(first.rows.slice(4, 8).map((r) => r.id));
      const last = await fetchEntriesPage(scopeA, filters({ page: 3 }), 4);
      expect(last.rows.map((r) => r.id)).toEqual(first.rows.slice(8).map((r) => r.id));
      expect(first.rows.find((r) => r.id === N1)).toMatchObject({
        employeeName: "Ada Lovelace",
        accountName: "Travel",
        accountCode: "6100",
        billMinors: 10000n,
      });
    });

    it("a view that matches nothing is one empty page", async () => {
      const none = await fetchEntriesPage(scopeA, filters({ family: "PER_DIEM" }));
      expect(none).toEqual({ rows: [], total: 0, page: 1, pageSize: 25, pageCount: 1 });
    });
  });

  describe("names and choices", () => {
    it("readFilters: no search, the filters as given; a search adds the ids of the names it matches", async () => {
      const plain = filters({ family: "CARD_PURCHASE" });
      expect(await readFilters(scopeA, plain)).toBe(plain);
      expect(await readFilters(scopeA, filters({ q: "ADA" }))).toMatchObject({
        q: "ADA",
        matches: { employees: expect.arrayContaining([ADA, ADA_B]), teams: [], accounts: [], tags: [] },
      });
      const travel = await readFilters(scopeA, filters({ q: "travel" }));
      expect(travel).toMatchObject({ matches: { employees: [], teams: [], accounts: [TRAVEL], tags: [] } });
      expect((await readFilters(scopeA, filters({ q: "fin" }))).matches).toEqual({
        employees: [],
        teams: [FINANCE],
        accounts: [],
        tags: [],
      });
      expect((await readFilters(scopeA, filters({ q: "apol" }))).matches).toMatchObject({ tags: [APOLLO] });
    });

    it("fetchTeamLabels: a name where there is one, else the id's start and the members", async () => {
      expect(await fetchTeamLabels(scopeA)).toEqual(
        new Map([
          [FINANCE, "Finance"],
          [ACCOUNTS_TEAM, "Accounts"],
          // No name and no members seen: the id's start alone.
          [LONELY_TEAM, "Team 70000000"],
          [UNNAMED_TEAM, "Team 70000000 · Ada Lovelace, Bo Zed"],
        ]),
      );
    });

    it("fetchFilterOptions: people by name, teams by label, categories by code, tag groups with tags, archived last", async () => {
      expect(await fetchFilterOptions(scopeA)).toEqual({
        employees: [
          { id: ADA_B, name: "Ada Byron" },
          { id: ADA, name: "Ada Lovelace" },
          { id: BO, name: "Bo Zed" },
          { id: CY, name: "Cy Abbott" },
        ],
        teams: [
          { id: ACCOUNTS_TEAM, name: "Accounts" },
          { id: FINANCE, name: "Finance" },
          { id: LONELY_TEAM, name: "Team 70000000" },
          { id: UNNAMED_TEAM, name: "Team 70000000 · Ada Lovelace, Bo Zed" },
        ],
        // By code, then by name among those without one.
        categories: [
          { id: OFFICE, name: "1000 Office" },
          { id: TRAVEL, name: "6100 Travel" },
          { id: BANK, name: "Bank fees" },
          { id: MEALS, name: "Meals (archived)" },
        ],
        // The group without tags is left out; the archived group comes after the others.
        tagGroups: [
          {
            id: PROJECT,
            name: "Project",
            // The company's tags only (not B's "Zulu" filed under this group), by name.
            tags: [
              { id: APOLLO, name: "Apollo" },
              { id: GEMINI, name: "Gemini (archived)" },
              { id: MERCURY, name: "Mercury" },
            ],
          },
          { id: REGION, name: "Region", tags: [{ id: NORTH, name: "North" }] },
          { id: DEPARTMENT, name: "Department (archived)", tags: [{ id: SALES, name: "Sales" }] },
        ],
      });
    });

    it("fetchTagNames: \"Group: Tag\" for the company's tags, never a tag filed under another company's group", async () => {
      expect(await fetchTagNames(A)).toEqual(
        new Map([
          [GEMINI, "Project: Gemini"],
          [APOLLO, "Project: Apollo"],
          [MERCURY, "Project: Mercury"],
          [SALES, "Department: Sales"],
          [NORTH, "Region: North"],
        ]),
      );
      expect(await fetchTagNames(B)).toEqual(new Map([[B_TAG, "Another project: Borealis"]]));
    });

    it("fetchEntryCompanyId: the owner of an entry id in any case; nothing for an unknown or malformed id", async () => {
      expect(await fetchEntryCompanyId(N1)).toBe(A);
      expect(await fetchEntryCompanyId(B_ENTRY.toUpperCase())).toBe(B);
      expect(await fetchEntryCompanyId(CROSSED.toUpperCase())).toBe(A);
      expect(await fetchEntryCompanyId(id(999))).toBeNull();
      expect(await fetchEntryCompanyId("not-an-id")).toBeNull();
    });
  });

  describe("fetchEntryDetail", () => {
    it("an entry deleted between the visibility check and the read of its row is not found", async () => {
      const [id] = await seedEntries(database.prisma, A, "EUR", [
        { performedAt: "2026-11-02T10:00:00Z", billMinors: 1 },
      ]);
      // The real database, with the entry deleted just after the query that found it visible.
      let deleted = false;
      const prisma = database.prisma;
      const racing = withMember(prisma, "$queryRaw", async (...args: Parameters<typeof prisma.$queryRaw>) => {
        const rows = await prisma.$queryRaw<Array<{ id?: string }>>(...args);
        if (!deleted && rows.some((r) => r.id === id)) {
          await prisma.accountingEntry.delete({ where: { id } });
          deleted = true;
        }
        return rows;
      });
      expect(await withProcessPrisma(database, racing, () => fetchEntryDetail(A, id))).toBeNull();
      expect(deleted).toBe(true);
    });

    it("names for everything the entry refers to", async () => {
      const detail = await fetchEntryDetail(A, N1);
      expect(detail).toMatchObject({
        id: N1,
        companyId: A,
        supplierLabel: "Café Norden",
        employeeName: "Ada Lovelace",
        employeeEmail: "ada@example.test",
        teamName: "Finance",
        categoryName: "6100 Travel",
        taxCodeName: "VAT · 25% (VAT25)",
        tagNames: [{ group: "Project", name: "Apollo" }],
        splits: [],
      });
    });

    it("what has no name reads as such: Pleo's \"I don't know\", a team without a name, no tax code, no tags", async () => {
      expect(await fetchEntryDetail(A, N2)).toMatchObject({
        employeeName: "Bo Zed",
        teamName: "Team 70000000 · Ada Lovelace, Bo Zed",
        categoryName: "“I don't know”",
        taxCodeName: null,
        tagNames: [],
        supplierLabel: null,
      });
      expect(await fetchEntryDetail(A, N3)).toMatchObject({
        employeeName: null,
        employeeEmail: null,
        teamName: null,
        // No account, but Pleo sent its code.
        categoryName: "Account 9999",
        supplierLabel: "Document INV-7",
        // The group's own name (the filter list marks it archived, the detail does not).
        tagNames: [{ group: "Department", name: "Sales" }],
      });
    });

    it("ids that are not synced read as unknown, with Pleo's code where it sent one", async () => {
      expect(await fetchEntryDetail(A, N4)).toMatchObject({
        categoryName: "Unknown category (7777)",
        taxCodeName: "Tax code not synced",
        tagNames: [{ group: "Project", name: "Unknown tag" }],
      });
      expect(await fetchEntryDetail(A, N9)).toMatchObject({
        employeeName: null,
        categoryName: "1000 Office",
        tagNames: [{ group: "Tag group", name: "Gemini" }],
      });
    });

    it("split items, in id order, each with its own category, tax code and tags", async () => {
      const detail = await fetchEntryDetail(A, N10);
      expect(detail?.categoryName).toBe("6100 Travel");
      expect(detail?.splits.map((s) => [s.id, s.categoryName, s.taxCodeName, s.tagNames])).toEqual([
        ["5b000000-0000-4000-8000-000000000001", "6100 Travel", null, [{ group: "Project", name: "Apollo" }]],
        ["5b000000-0000-4000-8000-000000000002", "Uncategorised", null, []],
      ]);
    });

    it("split items on other accounts, tax codes and tag groups than the entry's are each named as their own", async () => {
      const detail = await fetchEntryDetail(A, SPLIT_NAMES);
      expect(detail).toMatchObject({
        categoryName: "Meals",
        taxCodeName: "VAT · 25% (VAT25)",
        tagNames: [{ group: "Project", name: "Apollo" }],
      });
      // Written out of id order: listed in id order.
      expect(detail?.splits.map((s) => [s.id, s.categoryName, s.taxCodeName, s.tagNames])).toEqual([
        [
          "5b000000-0000-4000-8000-000000000003",
          "6100 Travel",
          "Reduced · 12.5%",
          [{ group: "Department", name: "Sales" }],
        ],
        ["5b000000-0000-4000-8000-000000000004", "Meals", null, []],
      ]);
    });

    it("tags stored as something other than a list read as none", async () => {
      expect((await fetchEntryDetail(A, TAGS_NOT_A_LIST))?.tagNames).toEqual([]);
    });

    it("tag references that are not uuids, lack a tag id or a group id, or are null, do not break the read", async () => {
      const detail = await fetchEntryDetail(A, ODD_TAGS);
      expect(detail?.tagNames).toEqual([{ group: "Tag group", name: "Unknown tag" }]);
      expect(detail?.categoryName).toBe("Uncategorised");
    });

    it("another company's entry, an unknown one, or one before the company's history window is not shown", async () => {
      expect(await fetchEntryDetail(A, B_ENTRY)).toBeNull();
      expect(await fetchEntryDetail(B, N1)).toBeNull();
      expect(await fetchEntryDetail(A, id(999))).toBeNull();
      // C keeps two months: its January entry is hidden, its November one is not.
      expect(await fetchEntryDetail(C, C_OLD)).toBeNull();
      expect(await fetchEntryDetail(C, C_RECENT)).toMatchObject({ id: C_RECENT, billCurrency: "DKK" });
    });
  });
});
