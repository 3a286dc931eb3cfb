/**
 * lib/expenses/csv.ts's export stream on its own: the exact file (byte-order mark, header, every column
 * of every row, newest first), the formula guard on every text column, names read for the company only,
 * the view's period and filters, batches whose boundary falls between two entries of the same instant,
 * reading lazily (a batch only when the consumer asks), and a read that fails mid-stream. One small
 * PGlite database; a second company in the same currency with entries on the same days, so an export
 * that lost its company condition would show.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clearWidgetCache } from "@/lib/expenses/cache";
import { exportEntriesCsv } from "@/lib/expenses/csv";
import { dashboardScope, type DashboardScope } from "@/lib/expenses/data";
import { DEFAULT_FILTERS, type ExpenseFilters } from "@/lib/expenses/filters";
import { createTestDatabase, type TestDatabase } from "@/tests/support/db";
import { seedCompany, seedEntries } from "@/tests/support/expense-seed";
import { captureLogger, setProcessLogger } from "@/tests/support/logs";

const NOW = new Date("2026-11-15T12:00:00Z");
const A = "aaaaaaaa-0000-4000-8000-0000000000c1";
const B = "bbbbbbbb-0000-4000-8000-0000000000c2";

const ADA = "e0000000-0000-4000-8000-0000000000c1";
const DASH = "e0000000-0000-4000-8000-0000000000c2";
const B_EMPLOYEE = "e0000000-0000-4000-8000-0000000000cb";
const FINANCE = "70000000-0000-4000-8000-0000000000c1";
const FORMULA_TEAM = "70000000-0000-4000-8000-0000000000c2";
/** No name: labelled by the id's start and the members seen on it. */
const UNNAMED_TEAM = "71000000-0000-4000-8000-0000000000c3";
const TRAVEL = "ac000000-0000-4000-8000-0000000000c1";
const FEES = "ac000000-0000-4000-8000-0000000000c2";
const B_ACCOUNT = "ac000000-0000-4000-8000-0000000000cb";
const VAT = "7c000000-0000-4000-8000-0000000000c1";
const FORMULA_TAX = "7c000000-0000-4000-8000-0000000000c2";
const NOT_SYNCED_TAX = "7c000000-0000-4000-8000-0000000000c9";
const B_TAX = "7c000000-0000-4000-8000-0000000000cb";
const PROJECT = "96000000-0000-4000-8000-0000000000c1";
const OPS = "96000000-0000-4000-8000-0000000000c2";
const B_GROUP = "96000000-0000-4000-8000-0000000000cb";
const APOLLO = "7a000000-0000-4000-8000-0000000000c1";
const NIGHT = "7a000000-0000-4000-8000-0000000000c2";
const NOT_SYNCED_TAG = "7a000000-0000-4000-8000-0000000000c9";
const B_TAG = "7a000000-0000-4000-8000-0000000000cb";

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
/** Newest first: E1 … E6 in November (Copenhagen), E4 and E3 at the same instant (E4's id is higher). */
const E1 = id(1);
const E2 = id(2);
const E3 = id(3);
const E4 = id(4);
const E5 = id(5);
/** 1 November 00:30 in Copenhagen: still 31 October in UTC. */
const E6 = id(6);
/** 31 October 23:30 in Copenhagen: last month. */
const OCTOBER = id(7);
const DELETED = id(8);
const B_ENTRY = id(100);
const B_ENTRY_2 = id(101);

const HEADER =
  "\uFEFFid,performed_at,settled_at,family,sub_family,status,review_status,export_status,supplier,supplier_id," +
  "document_number,note,employee,team,category_code,category,tax_code,amount,currency,original_amount," +
  "original_currency,receipts,tags";

/** The expected data lines, by entry. */
const LINES: Record<string, string> = {
  [E1]: [
    E1,
    "2026-11-10T09:00:00.000Z",
    "2026-11-11T08:30:00.000Z",
    "CARD_PURCHASE",
    "ONLINE",
    "COMPLETED",
    "OK",
    "EXPORTED",
    "'=1+1",
    "'+SUP-1",
    "'@INV-1",
    '"Lunch, ""team""\nsecond line"',
    "Ada Lovelace",
    "Finance",
    "6100",
    "Travel",
    "VAT · 25% (VAT25)",
    "123.45",
    "EUR",
    "15.00",
    "USD",
    "2",
    // A tag of a group that is not synced reads as its id.
    `Project: Apollo; ${NOT_SYNCED_TAG}`,
  ].join(","),
  [E2]: [
    E2,
    "2026-11-08T12:00:00.000Z",
    "",
    "OUT_OF_POCKET",
    "",
    "PENDING",
    "WAITING_FOR_REVIEWER",
    "NOT_EXPORTED",
    "",
    "",
    "",
    "'\tTabbed",
    "'-Dash Rendar",
    "'=Team",
    "'+6200",
    "'@Fees",
    "'=Tax · 10%",
    // A refund: amounts are not text, so no guard on the minus.
    "-50.00",
    "EUR",
    "-6789",
    "JPY",
    "0",
    "'-Ops: Night",
  ].join(","),
  // Nothing but the required fields; its tags hold a null, a reference without a tag id, one whose id is not text.
  [E4]: [
    E4,
    "2026-11-05T10:00:00.123Z",
    "",
    "WALLET",
    "",
    "COMPLETED",
    "NOT_REQUIRED",
    "NOT_EXPORTED",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "100.00",
    "EUR",
    "100.00",
    "EUR",
    "1",
    "Project: Apollo",
  ].join(","),
  [E3]: [
    E3,
    "2026-11-05T10:00:00.123Z",
    "",
    "CARD_PURCHASE",
    "",
    "COMPLETED",
    "NOT_REQUIRED",
    "NOT_EXPORTED",
    "",
    "",
    "'=doc",
    "",
    "'-Dash Rendar",
    "Team 71000000 · -Dash Rendar",
    "9999",
    "",
    NOT_SYNCED_TAX,
    "7.00",
    "EUR",
    "7.00",
    "EUR",
    "1",
    "",
  ].join(","),
  // Another company's employee, account, tax code and tag on A's entry: none of their names is shown.
  [E5]: [
    E5,
    "2026-11-03T10:00:00.000Z",
    "",
    "CARD_PURCHASE",
    "",
    "COMPLETED",
    "NOT_REQUIRED",
    "NOT_EXPORTED",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    B_TAX,
    "3.00",
    "EUR",
    "3.00",
    "EUR",
    "1",
    B_TAG,
  ].join(","),
  // Its tags are not a list.
  [E6]: [
    E6,
    "2026-10-31T23:30:00.000Z",
    "",
    "CARD_PURCHASE",
    "",
    "COMPLETED",
    "NOT_REQUIRED",
    "NOT_EXPORTED",
    "Café Ørsted",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "0.01",
    "EUR",
    "0.01",
    "EUR",
    "1",
    "",
  ].join(","),
};

/** The whole file as a string, the byte-order mark kept. */
async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(await new Response(stream).arrayBuffer());
}

/** Header and data lines (every line ends with CRLF; quoted cells here hold LF only). */
function linesOf(csv: string): string[] {
  expect(csv.endsWith("\r\n")).toBe(true);
  return csv.slice(0, -2).split("\r\n");
}

describe("exportEntriesCsv (lib/expenses/csv.ts)", () => {
  let database: TestDatabase;
  const filters = (f: Partial<ExpenseFilters> = {}): ExpenseFilters => ({ ...DEFAULT_FILTERS, ...f });
  const scopeFor = async (f: ExpenseFilters, company = A): Promise<DashboardScope> => {
    const scope = await dashboardScope(company, f, NOW);
    expect(scope).not.toBeNull();
    return scope!;
  };

  beforeAll(async () => {
    database = await createTestDatabase("pglite-copy", { processDatabase: true });
    const prisma = database.prisma;
    await seedCompany(prisma, {
      id: A,
      currency: "EUR",
      timeZone: "Europe/Copenhagen",
      employees: [
        { id: ADA, firstName: "Ada", lastName: "Lovelace" },
        { id: DASH, firstName: "-Dash", lastName: "Rendar" },
      ],
      teams: [
        { id: FINANCE, name: "Finance" },
        { id: FORMULA_TEAM, name: "=Team" },
      ],
      accounts: [
        { id: TRAVEL, name: "Travel", code: "6100" },
        { id: FEES, name: "@Fees", code: "+6200" },
      ],
      taxCodes: [
        { id: VAT, name: "VAT", rate: "0.25", code: "VAT25" },
        { id: FORMULA_TAX, name: "=Tax", rate: "0.1" },
      ],
      tagGroups: [
        { id: PROJECT, name: "Project", tags: [{ id: APOLLO, name: "Apollo" }] },
        { id: OPS, name: "-Ops", tags: [{ id: NIGHT, name: "Night" }] },
      ],
    });
    await seedCompany(prisma, {
      id: B,
      currency: "EUR",
      employees: [{ id: B_EMPLOYEE, firstName: "Bea", lastName: "Other" }],
      accounts: [{ id: B_ACCOUNT, name: "B's account", code: "0001" }],
      taxCodes: [{ id: B_TAX, name: "B's VAT", rate: "0.2" }],
      tagGroups: [{ id: B_GROUP, name: "B group", tags: [{ id: B_TAG, name: "B tag" }] }],
    });
    await seedEntries(prisma, A, "EUR", [
      {
        id: E1,
        performedAt: "2026-11-10T09:00:00Z",
        billMinors: 12345,
        transactionCurrency: "USD",
        transactionMinors: 1500,
        exportStatus: "EXPORTED",
        reviewStatus: "OK",
        supplierName: "=1+1",
        supplier: { externalSupplierId: "+SUP-1", documentNumber: "@INV-1" },
        note: 'Lunch, "team"\nsecond line',
        employeeId: ADA,
        teamId: FINANCE,
        accountId: TRAVEL,
        taxCodeId: VAT,
        receiptCount: 2,
        tags: [
          { tagGroupId: PROJECT, tagId: APOLLO },
          { tagGroupId: "96000000-0000-4000-8000-0000000000c9", tagId: NOT_SYNCED_TAG },
        ],
      },
      {
        id: E2,
        performedAt: "2026-11-08T12:00:00Z",
        billMinors: -5000,
        transactionCurrency: "JPY",
        transactionMinors: -6789,
        family: "OUT_OF_POCKET",
        status: "PENDING",
        reviewStatus: "WAITING_FOR_REVIEWER",
        note: "\tTabbed",
        employeeId: DASH,
        teamId: FORMULA_TEAM,
        accountId: FEES,
        taxCodeId: FORMULA_TAX,
        receiptCount: 0,
        tags: [{ tagGroupId: OPS, tagId: NIGHT }],
      },
      {
        id: E3,
        performedAt: "2026-11-05T10:00:00.123Z",
        billMinors: 700,
        supplier: { documentNumber: "=doc" },
        employeeId: DASH,
        teamId: UNNAMED_TEAM,
        accountCode: "9999",
        taxCodeId: NOT_SYNCED_TAX,
      },
      { id: E4, performedAt: "2026-11-05T10:00:00.123Z", billMinors: 10000, family: "WALLET" },
      {
        id: E5,
        performedAt: "2026-11-03T10:00:00Z",
        billMinors: 300,
        employeeId: B_EMPLOYEE,
        accountId: B_ACCOUNT,
        taxCodeId: B_TAX,
        tags: [{ tagGroupId: B_GROUP, tagId: B_TAG }],
      },
      { id: E6, performedAt: "2026-10-31T23:30:00Z", billMinors: 1, supplierName: "Café Ørsted" },
      { id: OCTOBER, performedAt: "2026-10-31T22:30:00Z", billMinors: 900 },
      { id: DELETED, performedAt: "2026-11-09T10:00:00Z", billMinors: 800, deletedAt: "2026-11-10T00:00:00Z" },
    ]);
    await prisma.accountingEntry.update({
      where: { id: E1 },
      data: { subFamily: "ONLINE", settledAt: new Date("2026-11-11T08:30:00Z") },
    });
    // Tags as Pleo may send them: a null, a reference without a tag id, a tag id that is not text.
    await prisma.$executeRaw`UPDATE "AccountingEntry"
      SET "tags" = ${JSON.stringify([null, { tagGroupId: PROJECT }, { tagGroupId: PROJECT, tagId: 42 }, { tagGroupId: PROJECT, tagId: APOLLO }])}::jsonb
      WHERE "id" = ${E4}::uuid`;
    // Tags stored as something other than a list: no tags.
    await prisma.accountingEntry.update({ where: { id: E6 }, data: { tags: { not: "a list" } } });
    // B: the same currency, the same days.
    await seedEntries(prisma, B, "EUR", [
      { id: B_ENTRY, performedAt: "2026-11-10T09:00:00Z", billMinors: 99900, employeeId: B_EMPLOYEE },
      { id: B_ENTRY_2, performedAt: "2026-11-05T10:00:00.123Z", billMinors: 88800, accountId: B_ACCOUNT },
    ]);
  });
  afterAll(() => database?.drop());
  // Team labels and search matches are cached widget reads: each test reads them itself.
  beforeEach(() => clearWidgetCache());

  it("the view's entries, newest first (ties by id), every column, names the company's own", async () => {
    const csv = await readAll(exportEntriesCsv(await scopeFor(filters()), filters()));
    const lines = linesOf(csv);
    expect(lines[0]).toBe(HEADER);
    // This month in Copenhagen: E6 (1 November local) in, the October one, the deleted one and B's out.
    expect(lines.slice(1)).toEqual([E1, E2, E4, E3, E5, E6].map((e) => LINES[e]));
  });

  it("batches that end between two entries of the same instant resume after the last row, none twice", async () => {
    for (const batchSize of [1, 2, 3, 6]) {
      const sizes: number[] = [];
      const csv = await readAll(
        exportEntriesCsv(await scopeFor(filters()), filters(), { batchSize, onBatch: (n) => sizes.push(n) }),
      );
      expect(linesOf(csv).slice(1), `batch size ${batchSize}`).toEqual([E1, E2, E4, E3, E5, E6].map((e) => LINES[e]));
      // Full batches, then a short (or empty) one that ends the file.
      const full = Math.floor(6 / batchSize);
      expect(sizes).toEqual([...Array<number>(full).fill(batchSize), 6 - full * batchSize]);
    }
  });

  it("the view's period and filters apply; a search finds entries by the names it matches", async () => {
    const all = filters({ period: "all" });
    const everything = linesOf(await readAll(exportEntriesCsv(await scopeFor(all), all, { batchSize: 4 })));
    expect(everything.slice(1).map((l) => l.slice(0, 36))).toEqual([E1, E2, E4, E3, E5, E6, OCTOBER]);

    const outOfPocket = filters({ family: "OUT_OF_POCKET" });
    expect(linesOf(await readAll(exportEntriesCsv(await scopeFor(outOfPocket), outOfPocket)))).toEqual([
      HEADER,
      LINES[E2],
    ]);

    // "lovelace" is only in the employee's name: the search's name lookup must be applied.
    const search = filters({ q: "lovelace" });
    expect(linesOf(await readAll(exportEntriesCsv(await scopeFor(search), search)))).toEqual([HEADER, LINES[E1]]);
    const byTeam = filters({ q: "finance" });
    expect(linesOf(await readAll(exportEntriesCsv(await scopeFor(byTeam), byTeam)))).toEqual([HEADER, LINES[E1]]);

    const none = filters({ family: "PER_DIEM" });
    const sizes: number[] = [];
    const empty = await readAll(exportEntriesCsv(await scopeFor(none), none, { onBatch: (n) => sizes.push(n) }));
    expect(empty).toBe(`${HEADER}\r\n`);
    expect(sizes).toEqual([0]);
  });

  it("another company's export holds its own rows only", async () => {
    const all = filters({ period: "all" });
    const lines = linesOf(await readAll(exportEntriesCsv(await scopeFor(all, B), all)));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(HEADER);
    expect(lines.slice(1).map((l) => l.slice(0, 36))).toEqual([B_ENTRY, B_ENTRY_2]);
    expect(lines[1]).toContain(",Bea Other,");
    expect(lines[2]).toContain(",0001,B's account,");
  });

  it("reads lazily: the header first, then one batch each time the consumer asks", async () => {
    const sizes: number[] = [];
    const reader = exportEntriesCsv(await scopeFor(filters()), filters(), {
      batchSize: 2,
      onBatch: (n) => sizes.push(n),
    }).getReader();
    const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
    const settle = () => new Promise((r) => setTimeout(r, 100));
    await settle();
    // The stream has queued the header and fetched nothing.
    expect(sizes).toEqual([]);
    const header = await reader.read();
    expect(decoder.decode(header.value)).toBe(`${HEADER}\r\n`);
    const first = await reader.read();
    expect(decoder.decode(first.value)).toBe(`${LINES[E1]}\r\n${LINES[E2]}\r\n`);
    await settle();
    // At most one batch ahead of what was read.
    expect(sizes.length).toBeLessThanOrEqual(2);
    await reader.cancel();
  });

  it("a read that fails mid-stream errors the stream with a plain message and logs the database's error", async () => {
    const capture = captureLogger();
    setProcessLogger(capture.logger);
    const prisma = database.prisma;
    let renamed = false;
    try {
      let firstBatch!: () => void;
      const fetched = new Promise<void>((resolve) => (firstBatch = resolve));
      const reader = exportEntriesCsv(await scopeFor(filters()), filters(), {
        batchSize: 2,
        onBatch: () => firstBatch(),
      }).getReader();
      const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
      expect(decoder.decode((await reader.read()).value)).toBe(`${HEADER}\r\n`);
      // The first batch is read and queued; the next is fetched only once it is taken. Its statement
      // joins the accounts table: take that away first.
      await fetched;
      await prisma.$executeRawUnsafe(`ALTER TABLE "LedgerAccount" RENAME TO "LedgerAccountAway"`);
      renamed = true;
      expect(decoder.decode((await reader.read()).value)).toBe(`${LINES[E1]}\r\n${LINES[E2]}\r\n`);
      await expect(reader.read()).rejects.toThrow(/^Export failed$/);
    } finally {
      if (renamed) await prisma.$executeRawUnsafe(`ALTER TABLE "LedgerAccountAway" RENAME TO "LedgerAccount"`);
      setProcessLogger(undefined);
    }
    const failed = capture.lines().filter((l) => l.msg === "CSV export failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ module: "expenses", companyId: A, level: 50 });
    // The database's own error, for the operator (the visitor only sees the sentence above).
    expect(failed[0].err).toMatchObject({ message: expect.stringContaining("$queryRaw") });
  });

  it("a read that fails before the first row errors the stream the same way", async () => {
    const capture = captureLogger();
    setProcessLogger(capture.logger);
    try {
      const broken = { ...(await scopeFor(filters())), companyId: "not-a-uuid" };
      const reader = exportEntriesCsv(broken, filters()).getReader();
      expect((await reader.read()).done).toBe(false);
      await expect(reader.read()).rejects.toThrow(/^Export failed$/);
    } finally {
      setProcessLogger(undefined);
    }
    expect(capture.lines().filter((l) => l.msg === "CSV export failed")).toEqual([
      expect.objectContaining({ module: "expenses", companyId: "not-a-uuid", level: 50 }),
    ]);
  });
});
