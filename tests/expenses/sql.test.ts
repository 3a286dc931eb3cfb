/**
 * lib/expenses/sql.ts on its own: each statement run against a small PGlite database, with exact rows.
 * The base condition (the company's live rows, its history window from the first instant), a range's
 * two ends, every filter (ids in any case, split items' accounts and tags), the text search with and
 * without the names looked up first (LIKE's wildcards matched literally), the KPI, monthly and
 * breakdown aggregates, and the table's sort orders and pages. A second company in the same currency,
 * with the same names and entries on the same days, so a statement that lost its company condition
 * would show. What data.ts makes of these rows is tested in data.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_FILTERS, type ExpenseFilters } from "@/lib/expenses/filters";
import { last12Months, type DateRange } from "@/lib/expenses/period";
import type { KpiRow, ReadFilters, SearchMatches, Sql, SqlScope } from "@/lib/expenses/sql";
import { createTestDatabase, type TestDatabase } from "@/tests/support/db";
import { seedCompany, seedEntries } from "@/tests/support/expense-seed";

/**
 * The module is imported (awaited) while the file is collected, so Stryker counts the SQL it builds at import
 * (its module-level fragments) as static, reached by every test; a failure there is handed to each test rather
 * than to the collection, so a mutant that breaks those fragments fails tests instead of the file (README →
 * Mutation testing).
 */
const loaded = await import("@/lib/expenses/sql").then(
  (module) => ({ module, error: null }),
  (error: unknown) => ({ module: null, error }),
);
const statements = () => {
  if (!loaded.module) throw loaded.error;
  return loaded.module;
};

const A = "aaaaaaaa-0000-4000-8000-0000000000d1";
const B = "bbbbbbbb-0000-4000-8000-0000000000d2";
const ZONE = "Europe/Copenhagen";

const ADA = "e0000000-0000-4000-8000-0000000000d1";
const BO = "e0000000-0000-4000-8000-0000000000d2";
const FINANCE = "70000000-0000-4000-8000-0000000000d1";
const TRAVEL = "ac000000-0000-4000-8000-0000000000d1";
const MEALS = "ac000000-0000-4000-8000-0000000000d2";
const PROJECT = "96000000-0000-4000-8000-0000000000d1";
const DEPT = "96000000-0000-4000-8000-0000000000d2";
const APOLLO = "7a000000-0000-4000-8000-0000000000d1";
const SALES = "7a000000-0000-4000-8000-0000000000d2";
// B's directory: the same names as A's.
const B_ADA = "e0000000-0000-4000-8000-0000000000db";
const B_FINANCE = "70000000-0000-4000-8000-0000000000db";
const B_TRAVEL = "ac000000-0000-4000-8000-0000000000db";
const B_PROJECT = "96000000-0000-4000-8000-0000000000db";
const B_APOLLO = "7a000000-0000-4000-8000-0000000000db";

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
// Ids deliberately not in date order.
const OLD = id(2); // 1969: before any window a test gives
const P4 = id(3);
const P2 = id(5);
const P6 = id(7);
const P1 = id(12);
const O1 = id(15);
const O2 = id(16);
const SEPT = id(17);
const W = id(18);
const P3 = id(20);
const P7 = id(25);
const S = id(31);
const P5 = id(40);
const DELETED = id(50);
const E = id(60);
const B1 = id(100);
const B2 = id(101);

/** November 2026 and October 2026 in Copenhagen. */
const NOV: DateRange = { start: new Date("2026-10-31T23:00:00Z"), end: new Date("2026-11-30T23:00:00Z") };
const OCT: DateRange = { start: new Date("2026-09-30T22:00:00Z"), end: NOV.start };
/** October's first instant in Copenhagen: a two-month window at NOW. */
const WINDOW = Date.parse("2026-09-30T22:00:00Z");

const scope: SqlScope = { companyId: A, timeZone: ZONE, historyStart: null };
const windowed: SqlScope = { ...scope, historyStart: WINDOW };
const f = (x: Partial<ReadFilters> = {}): ReadFilters => ({ ...DEFAULT_FILTERS, ...x });

describe("the dashboard's SQL (lib/expenses/sql.ts)", () => {
  let database: TestDatabase;
  const query = <T>(q: Sql) => database.prisma.$queryRaw<T[]>(q);
  /** The ids of the table page (every live entry matching, sorted). */
  const page = async (s: SqlScope, filters: ReadFilters, range: DateRange | null, limit = 100, offset = 0) =>
    (await query<{ id: string }>(statements().tablePageQuery(s, filters, range, limit, offset))).map((r) => r.id);
  /** The search's names looked up first, as data.ts's readFilters does. */
  const matchesOf = async (q: string): Promise<SearchMatches> => {
    const m: SearchMatches = { employees: [], teams: [], accounts: [], tags: [] };
    for (const r of await query<{ kind: keyof SearchMatches; id: string }>(statements().searchMatchesQuery(scope, q))) {
      m[r.kind].push(r.id);
    }
    return m;
  };

  beforeAll(async () => {
    database = await createTestDatabase("pglite-copy");
    const prisma = database.prisma;
    await seedCompany(prisma, {
      id: A,
      currency: "EUR",
      timeZone: ZONE,
      employees: [
        { id: ADA, firstName: "Ada", lastName: "Lovelace" },
        { id: BO, firstName: "Bo", lastName: "Zed" },
      ],
      teams: [{ id: FINANCE, name: "Finance" }],
      accounts: [
        { id: TRAVEL, name: "Travel", code: "6100" },
        { id: MEALS, name: "Meals" },
      ],
      tagGroups: [
        { id: PROJECT, name: "Project", tags: [{ id: APOLLO, name: "Apollo" }] },
        { id: DEPT, name: "Department", tags: [{ id: SALES, name: "Sales" }] },
      ],
    });
    await seedCompany(prisma, {
      id: B,
      currency: "EUR",
      timeZone: ZONE,
      employees: [{ id: B_ADA, firstName: "Ada", lastName: "Lovelace" }],
      teams: [{ id: B_FINANCE, name: "Finance" }],
      accounts: [{ id: B_TRAVEL, name: "Travel", code: "6100" }],
      tagGroups: [{ id: B_PROJECT, name: "Project", tags: [{ id: B_APOLLO, name: "Apollo" }] }],
    });
    await seedEntries(prisma, A, "EUR", [
      { id: OLD, performedAt: "1969-07-20T20:17:00Z", billMinors: 1 },
      { id: SEPT, performedAt: "2026-09-10T10:00:00Z", billMinors: 250 },
      // October's first instant in Copenhagen, and its last millisecond.
      { id: W, performedAt: "2026-09-30T22:00:00Z", billMinors: 10 },
      {
        id: O1,
        performedAt: "2026-10-15T10:00:00Z",
        billMinors: 4000,
        reviewStatus: "WAITING_FOR_REVIEWER",
        receiptCount: 0,
      },
      { id: O2, performedAt: "2026-10-31T22:59:59.999Z", billMinors: 300 },
      // November's first instant in Copenhagen (still October in UTC).
      { id: S, performedAt: "2026-10-31T23:00:00Z", billMinors: 100 },
      {
        id: P1,
        performedAt: "2026-11-02T10:00:00Z",
        billMinors: 1000,
        reviewStatus: "WAITING_FOR_REVIEWER",
        receiptCount: 0,
        employeeId: ADA,
        teamId: FINANCE,
        accountId: TRAVEL,
        tags: [{ tagGroupId: PROJECT, tagId: APOLLO }],
        note: "Taxi a_b",
        supplierName: "Zeta",
      },
      {
        id: P2,
        performedAt: "2026-11-03T10:00:00Z",
        billMinors: 2000,
        family: "OUT_OF_POCKET",
        status: "PENDING",
        reviewStatus: "OK",
        employeeId: BO,
        accountId: MEALS,
        tags: [{ tagGroupId: DEPT, tagId: SALES }],
        supplier: { documentNumber: "DOC-B" },
        note: "axb c\\d",
      },
      {
        id: P3,
        performedAt: "2026-11-04T10:00:00Z",
        billMinors: 500,
        transactionCurrency: "USD",
        transactionMinors: 600,
        family: "MILEAGE",
        receiptCount: 0,
        accountCode: "9999",
        supplier: { externalSupplierId: "EXT-A" },
        note: "cd 5% off",
      },
      { id: P4, performedAt: "2026-11-05T10:00:00Z", billMinors: 9500, family: "WALLET" },
      {
        id: P5,
        performedAt: "2026-11-06T10:00:00Z",
        billMinors: 300,
        status: "CANCELLED",
        reviewStatus: "WAITING_FOR_TAG_REVIEWER",
        receiptCount: 0,
        employeeId: BO,
        teamId: FINANCE,
      },
      // Another currency; it names B's employee and account (ids Pleo should never send A).
      {
        id: P6,
        performedAt: "2026-11-07T10:00:00Z",
        billMinors: 700,
        billCurrency: "SEK",
        employeeId: B_ADA,
        accountId: B_TRAVEL,
      },
      {
        id: P7,
        performedAt: "2026-11-08T10:00:00Z",
        billMinors: 1000,
        employeeId: ADA,
        accountId: TRAVEL,
        supplierName: "Alpha",
        splitItems: [
          { accountId: TRAVEL, billMinors: 600, tags: [{ tagGroupId: PROJECT, tagId: APOLLO }] },
          { accountId: MEALS, billMinors: 400, tags: [{ tagGroupId: DEPT, tagId: SALES }] },
        ],
      },
      { id: DELETED, performedAt: "2026-11-09T10:00:00Z", billMinors: 800, deletedAt: "2026-11-10T00:00:00Z" },
      // December's first instant in Copenhagen.
      { id: E, performedAt: "2026-11-30T23:00:00Z", billMinors: 60 },
    ]);
    // B: the same names and texts on the same days.
    await seedEntries(prisma, B, "EUR", [
      {
        id: B1,
        performedAt: "2026-11-02T10:00:00Z",
        billMinors: 5000,
        reviewStatus: "WAITING_FOR_REVIEWER",
        receiptCount: 0,
        employeeId: B_ADA,
        teamId: B_FINANCE,
        accountId: B_TRAVEL,
        tags: [{ tagGroupId: B_PROJECT, tagId: B_APOLLO }],
        note: "Taxi a_b cd 5% off",
        supplierName: "Zeta",
      },
      { id: B2, performedAt: "2026-10-15T10:00:00Z", billMinors: 7000 },
    ]);
  });
  afterAll(() => database?.drop());

  const NOVEMBER = [P7, P6, P5, P4, P3, P2, P1, S];

  describe("the base condition and ranges", () => {
    it("companyRows: the company's live rows, however old; with a window, from its first instant on", async () => {
      expect(await page(scope, f(), null)).toEqual([E, ...NOVEMBER, O2, O1, W, SEPT, OLD]);
      expect(await page(windowed, f(), null)).toEqual([E, ...NOVEMBER, O2, O1, W]);
      expect(await query(statements().tableCountQuery(windowed, f(), null))).toEqual([{ count: 12 }]);
    });

    it("a range: from its first instant, its end excluded", async () => {
      expect(await page(scope, f(), NOV)).toEqual(NOVEMBER);
      expect(await page(scope, f(), OCT)).toEqual([O2, O1, W]);
      expect(await query(statements().tableCountQuery(scope, f(), NOV))).toEqual([{ count: 8 }]);
    });

    it("visibleEntryQuery: the company's live entry inside its window, nothing else", async () => {
      const visible = async (s: SqlScope, entry: string) =>
        (await query<{ id: string }>(statements().visibleEntryQuery(s, entry))).map((r) => r.id);
      expect(await visible(scope, P1)).toEqual([P1]);
      expect(await visible(scope, OLD)).toEqual([OLD]);
      expect(await visible(windowed, W)).toEqual([W]);
      expect(await visible(windowed, SEPT)).toEqual([]);
      expect(await visible(scope, DELETED)).toEqual([]);
      expect(await visible(scope, B1)).toEqual([]);
      expect(await visible({ ...scope, companyId: B }, B1)).toEqual([B1]);
    });

    it("the rollup's window starts at the window's month in the company's zone", async () => {
      const rows = async (s: SqlScope) =>
        (
          await query<{ isCurrent: boolean; currency: string; total: bigint; count: number; entries: number }>(
            statements().kpiFiguresQuery(s, f(), null, null),
          )
        ).sort((a, b) => a.currency.localeCompare(b.currency));
      // October on: W 10, O1 4000, O2 300; November: S 100, P1 1000, P2 2000, P3 500, P7 1000; December: E 60.
      expect(await rows(windowed)).toEqual([
        expect.objectContaining({ isCurrent: true, currency: "EUR", total: 8970n, count: 9, entries: 11 }),
        expect.objectContaining({ isCurrent: true, currency: "SEK", total: 700n, count: 1, entries: 1 }),
      ]);
      // Without one: September's 250 and 1969's 1 too.
      expect(await rows(scope)).toEqual([
        expect.objectContaining({ isCurrent: true, currency: "EUR", total: 9221n, count: 11, entries: 13 }),
        expect.objectContaining({ isCurrent: true, currency: "SEK", total: 700n, count: 1, entries: 1 }),
      ]);
    });
  });

  describe("filters", () => {
    it("each filter on its own", async () => {
      expect(await page(scope, f({ family: "OUT_OF_POCKET" }), NOV)).toEqual([P2]);
      expect(await page(scope, f({ status: "PENDING" }), NOV)).toEqual([P2]);
      // Any WAITING_FOR_… status, or one status exactly.
      expect(await page(scope, f({ review: "WAITING" }), NOV)).toEqual([P5, P1]);
      expect(await page(scope, f({ review: "OK" }), NOV)).toEqual([P2]);
      expect(await page(scope, f({ employee: ADA }), NOV)).toEqual([P7, P1]);
      expect(await page(scope, f({ team: FINANCE }), NOV)).toEqual([P5, P1]);
      // The entry's own account or one of its split items'; ids in any case.
      expect(await page(scope, f({ category: MEALS.toUpperCase() }), NOV)).toEqual([P7, P2]);
      expect(await page(scope, f({ category: TRAVEL }), NOV)).toEqual([P7, P1]);
      expect(await page(scope, f({ category: "none" }), NOV)).toEqual([P5, P4, P3, S]);
      expect(await page(scope, f({ tag: APOLLO.toUpperCase() }), NOV)).toEqual([P7, P1]);
      expect(await page(scope, f({ tag: SALES }), NOV)).toEqual([P7, P2]);
      // The purchase's currency, not the bill's.
      expect(await page(scope, f({ currency: "USD" }), NOV)).toEqual([P3]);
      expect(await page(scope, f({ currency: "SEK" }), NOV)).toEqual([P6]);
      // A family that needs a receipt, with none (not the mileage).
      expect(await page(scope, f({ receipt: "missing" }), NOV)).toEqual([P5, P1]);
    });

    it("filters together, and the count agrees with the page", async () => {
      const both = f({ employee: BO, review: "WAITING" });
      expect(await page(scope, both, NOV)).toEqual([P5]);
      expect(await query(statements().tableCountQuery(scope, both, NOV))).toEqual([{ count: 1 }]);
    });
  });

  describe("text search", () => {
    const CASES: [string, string[]][] = [
      // Names: employee, team, category (code and name, or the name alone), tag; A's own only.
      ["LOVELACE", [P7, P1]],
      ["finance", [P5, P1]],
      ["6100 trav", [P7, P1]],
      ["meals", [P7, P2]],
      ["apollo", [P7, P1]],
      ["sales", [P7, P2]],
      // The entry's own text: supplier name, document number, supplier id, note.
      ["zeta", [P1]],
      ["doc-b", [P2]],
      ["ext-a", [P3]],
      // LIKE's wildcards and escape, matched literally ("axb", "cd" and every amount with a 5 must not match).
      ["a_b", [P1]],
      ["c\\d", [P2]],
      ["5%", [P3]],
      ["nothing like it", []],
    ];

    it("with the names looked up first (searchMatchesQuery): A's names only", async () => {
      expect(await matchesOf("ada love")).toEqual({ employees: [ADA], teams: [], accounts: [], tags: [] });
      expect(await matchesOf("FIN")).toEqual({ employees: [], teams: [FINANCE], accounts: [], tags: [] });
      expect(await matchesOf("6100 travel")).toEqual({ employees: [], teams: [], accounts: [TRAVEL], tags: [] });
      expect(await matchesOf("meal")).toEqual({ employees: [], teams: [], accounts: [MEALS], tags: [] });
      expect(await matchesOf("pollo")).toEqual({ employees: [], teams: [], accounts: [], tags: [APOLLO] });
      expect(await matchesOf("_")).toEqual({ employees: [], teams: [], accounts: [], tags: [] });
    });

    it("finds the same entries with the names looked up first as with the statement's own lookups", async () => {
      for (const [q, expected] of CASES) {
        expect(await page(scope, f({ q, matches: await matchesOf(q) }), null), `${q} (looked up)`).toEqual(expected);
        expect(await page(scope, f({ q }), null), q).toEqual(expected);
      }
      // And counted the same way.
      expect(
        await query(
          statements().tableCountQuery(scope, f({ q: "lovelace", matches: await matchesOf("lovelace") }), null),
        ),
      ).toEqual([{ count: 2 }]);
    });

    it("a search sorted by amount, or by date, is sorted as asked", async () => {
      const meals = await matchesOf("meals");
      expect(await page(scope, f({ q: "meals", matches: meals }), null)).toEqual([P7, P2]);
      expect(await page(scope, f({ q: "meals", matches: meals, sort: "amount" }), null)).toEqual([P2, P7]);
      expect(await page(scope, f({ q: "meals", matches: meals, sort: "amount", dir: "asc" }), null)).toEqual([P7, P2]);
    });
  });

  describe("the table", () => {
    it("sorted by each column both ways, id as the tie-break; a supplier sort puts entries without one last", async () => {
      const sorted = (sort: ExpenseFilters["sort"], dir: ExpenseFilters["dir"]) => page(scope, f({ sort, dir }), NOV);
      expect(await sorted("date", "desc")).toEqual(NOVEMBER);
      expect(await sorted("date", "asc")).toEqual([...NOVEMBER].reverse());
      expect(await sorted("amount", "desc")).toEqual([P4, P2, P7, P1, P6, P3, P5, S]);
      expect(await sorted("amount", "asc")).toEqual([S, P5, P3, P6, P1, P7, P2, P4]);
      // Name, else document number, else supplier id.
      expect(await sorted("supplier", "desc")).toEqual([P1, P3, P2, P7, P5, S, P6, P4]);
      expect(await sorted("supplier", "asc")).toEqual([P7, P2, P3, P1, P4, P6, S, P5]);
      expect(await sorted("family", "asc")).toEqual([P6, P1, P7, S, P5, P3, P2, P4]);
      expect(await sorted("status", "desc")).toEqual([P2, S, P7, P3, P1, P6, P4, P5]);
    });

    it("a page at its offset; names joined within the company", async () => {
      expect(await page(scope, f(), NOV, 3, 2)).toEqual([P5, P4, P3]);
      const rows = await query<Record<string, unknown>>(statements().tablePageQuery(scope, f(), NOV, 100, 0));
      const byId = new Map(rows.map((r) => [r.id, r]));
      expect(byId.get(P1)).toMatchObject({
        employeeName: "Ada Lovelace",
        accountName: "Travel",
        accountCode: "6100",
        billMinors: 1000n,
        teamId: FINANCE,
        splitCount: 0,
      });
      expect(byId.get(P3)).toMatchObject({ employeeName: null, accountName: null, accountCode: "9999" });
      // B's employee and account on A's entry: no names.
      expect(byId.get(P6)).toMatchObject({ employeeName: null, accountName: null, accountCode: null });
      expect(byId.get(P7)).toMatchObject({ splitCount: 2 });
    });

    it("exportBatchQuery: newest first, strictly after the given row, at most the limit", async () => {
      const batch = async (after: { performedAt: Date; id: string } | null, limit: number) =>
        (await query<{ id: string }>(statements().exportBatchQuery(scope, f(), NOV, after, limit))).map((r) => r.id);
      expect(await batch(null, 3)).toEqual([P7, P6, P5]);
      expect(await batch({ performedAt: new Date("2026-11-06T10:00:00Z"), id: P5 }, 3)).toEqual([P4, P3, P2]);
      expect(await batch({ performedAt: new Date("2026-11-02T10:00:00Z"), id: P1 }, 3)).toEqual([S]);
    });
  });

  describe("aggregates", () => {
    const kpis = async (filters: ReadFilters, current: DateRange | null, previous: DateRange | null) =>
      (await query<KpiRow>(statements().kpiQuery(scope, filters, current, previous))).sort(
        (a, b) => Number(b.isCurrent) - Number(a.isCurrent) || a.currency.localeCompare(b.currency),
      );
    // November in EUR: spend S 100, P1 1000, P2 2000 (pending counts), P3 500, P7 1000; not the wallet
    // top-up P4 or the cancelled P5. Waiting: P1 (P5 is no spend). Missing a receipt: P1 (P3 is mileage).
    const NOV_EUR = { currency: "EUR", total: 4600n, count: 5, waiting: 1, missingReceipt: 1, entries: 7 };
    const NOV_SEK = { currency: "SEK", total: 700n, count: 1, waiting: 0, missingReceipt: 0, entries: 1 };
    // October: W 10, O1 4000 (waiting, no receipt), O2 300.
    const OCT_EUR = { currency: "EUR", total: 4310n, count: 3, waiting: 1, missingReceipt: 1, entries: 3 };

    it("kpiQuery: the current and previous ranges in one pass, per bill currency", async () => {
      expect(await kpis(f(), NOV, OCT)).toEqual([
        { isCurrent: true, ...NOV_EUR },
        { isCurrent: true, ...NOV_SEK },
        { isCurrent: false, ...OCT_EUR },
      ]);
      expect(await kpis(f(), NOV, null)).toEqual([
        { isCurrent: true, ...NOV_EUR },
        { isCurrent: true, ...NOV_SEK },
      ]);
      // No range: everything, all current.
      expect(await kpis(f(), null, null)).toEqual([
        { isCurrent: true, currency: "EUR", total: 9221n, count: 11, waiting: 2, missingReceipt: 2, entries: 13 },
        { isCurrent: true, ...NOV_SEK },
      ]);
      expect(await kpis(f({ employee: ADA }), NOV, OCT)).toEqual([
        { isCurrent: true, currency: "EUR", total: 2000n, count: 2, waiting: 1, missingReceipt: 1, entries: 2 },
      ]);
      // The rollup gives the same rows where it can answer.
      const rollup = (await query<KpiRow>(statements().kpiFiguresQuery(scope, f(), NOV, OCT))).sort(
        (a, b) => Number(b.isCurrent) - Number(a.isCurrent) || a.currency.localeCompare(b.currency),
      );
      expect(rollup).toEqual(await kpis(f(), NOV, OCT));
    });

    it("monthlyQuery: spend per local month in one currency over the months given", async () => {
      const months = last12Months(new Date("2026-11-15T12:00:00Z"), ZONE);
      const monthly = async (filters: ReadFilters, currency: string) =>
        (
          await query<{ month: Date; total: bigint; count: number }>(
            statements().monthlyQuery(scope, filters, months, currency),
          )
        ).map((r) => [r.month.toISOString().slice(0, 10), r.total, r.count]);
      // O2 is October's last millisecond and S November's first instant in Copenhagen; E (December) and 1969 are outside.
      expect(await monthly(f(), "EUR")).toEqual([
        ["2026-09-01", 250n, 1],
        ["2026-10-01", 4310n, 3],
        ["2026-11-01", 4600n, 5],
      ]);
      expect(await monthly(f({ employee: ADA }), "EUR")).toEqual([["2026-11-01", 2000n, 2]]);
      expect(await monthly(f(), "SEK")).toEqual([["2026-11-01", 700n, 1]]);
      // Over three months only.
      const autumn = await query<{ total: bigint }>(statements().monthlyQuery(scope, f(), months.slice(9, 11), "EUR"));
      expect(autumn.map((r) => r.total)).toEqual([250n, 4310n]);
    });

    it("breakdownsQuery: split items to their own account and tag, every other dimension per entry", async () => {
      type Row = { dim: string; key: string | null; total: bigint; byCategory: number; byTag: number; byEntry: number };
      const breakdowns = async (group: string | null, filters = f()) =>
        (await query<Row>(statements().breakdownsQuery(scope, filters, NOV, "EUR", group)))
          .map((r) => ({
            dim: r.dim,
            key: r.key,
            total: r.total,
            count: r.dim === "category" ? r.byCategory : r.dim === "tag" ? r.byTag : r.byEntry,
          }))
          .sort((a, b) => `${a.dim}|${a.key ?? ""}`.localeCompare(`${b.dim}|${b.key ?? ""}`));
      expect(await breakdowns(PROJECT)).toEqual([
        // S and P3 have no account; P7's split items go to Travel 600 and Meals 400.
        { dim: "category", key: null, total: 600n, count: 2 },
        { dim: "category", key: TRAVEL, total: 1600n, count: 2 },
        { dim: "category", key: MEALS, total: 2400n, count: 2 },
        { dim: "employee", key: null, total: 600n, count: 2 },
        { dim: "employee", key: ADA, total: 2000n, count: 2 },
        { dim: "employee", key: BO, total: 2000n, count: 1 },
        { dim: "family", key: "CARD_PURCHASE", total: 2100n, count: 3 },
        { dim: "family", key: "MILEAGE", total: 500n, count: 1 },
        { dim: "family", key: "OUT_OF_POCKET", total: 2000n, count: 1 },
        { dim: "tag", key: null, total: 3000n, count: 4 },
        { dim: "tag", key: APOLLO, total: 1600n, count: 2 },
        { dim: "team", key: null, total: 3600n, count: 4 },
        { dim: "team", key: FINANCE, total: 1000n, count: 1 },
      ]);
      const dept = (await breakdowns(DEPT)).filter((r) => r.dim === "tag");
      expect(dept).toEqual([
        { dim: "tag", key: null, total: 2200n, count: 4 },
        { dim: "tag", key: SALES, total: 2400n, count: 2 },
      ]);
      // No group: every entry under no tag.
      expect((await breakdowns(null)).filter((r) => r.dim === "tag")).toEqual([
        { dim: "tag", key: null, total: 4600n, count: 5 },
      ]);
      // Filters apply.
      expect((await breakdowns(PROJECT, f({ employee: BO }))).filter((r) => r.dim === "family")).toEqual([
        { dim: "family", key: "OUT_OF_POCKET", total: 2000n, count: 1 },
      ]);
    });
  });
});
