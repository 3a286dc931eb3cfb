/**
 * Text search over a large company does not read the whole table: with 40,000 entries and planner
 * statistics in place, the count and the page of a search use the trigram index on "searchText" (and
 * the small name tables), never a sequential scan of AccountingEntry, on PGlite and PostgreSQL. The
 * results are checked against a plain scan so the index cannot change what is found.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_FILTERS, periodOf, type ExpenseFilters } from "@/lib/expenses/filters";
import {
  kpiQuery,
  searchMatchesQuery,
  tableCountQuery,
  tablePageQuery,
  type ReadFilters,
  type SearchMatches,
  type Sql,
} from "@/lib/expenses/sql";
import {
  createTestDatabase,
  DATABASE_KINDS,
  databaseUnavailable,
  type DatabaseKind,
  type TestDatabase,
} from "@/tests/support/db";
import { seedCompany } from "@/tests/support/expense-seed";

const A = "aaaaaaaa-0000-4000-8000-0000000000e1";
const OTHER = "aaaaaaaa-0000-4000-8000-0000000000e2";
const ROWS = 40_000;
const NOW = new Date("2026-11-15T12:00:00Z");

function planOn(kind: DatabaseKind) {
  let tdb: TestDatabase;
  const explain = async (q: Sql) =>
    (await tdb.prisma.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN ${q.text}`, ...q.values))
      .map((r) => r["QUERY PLAN"])
      .join("\n");

  beforeAll(async () => {
    tdb = await createTestDatabase(kind, { processDatabase: true });
    for (const id of [A, OTHER]) {
      await seedCompany(tdb.prisma, {
        id,
        currency: "DKK",
        employees: [{ id: id.replace("aaaaaaaa", "eeeeeeee"), firstName: "Mette", lastName: "Coffeeberg" }],
      });
      await tdb.prisma
        .$executeRawUnsafe(`INSERT INTO "AccountingEntry" (id, "companyId", family, status, "exportStatus", "reviewStatus", "performedAt", "pleoCreatedAt", "pleoUpdatedAt", "transactionCurrency", "transactionMinors", "billCurrency", "billMinors", note, supplier)
        SELECT gen_random_uuid(), '${id}', 'CARD_PURCHASE', 'COMPLETED', 'EXPORTED', 'OK', timestamp '2026-11-01' - (i || ' minutes')::interval, now(), now(), 'DKK', i, 'DKK', i,
          (ARRAY['Team lunch', 'Taxi from the airport', 'Coffee with candidate', 'Printer ink', 'Monthly subscription', 'Hotel during client visit', 'Train to Aarhus', 'Snacks for the workshop', 'Annual plan renewal', 'Laptop replacement', 'Mobile subscription', 'Conference ticket', 'Metro tickets', 'Notebooks and pens', 'Legal review', 'Campaign for launch', 'Fuel for rental car', 'USB-C hub', 'Office internet', 'Client lunch', 'Dinner with partners', 'Kitchen supplies', 'Whiteboard markers', 'Sponsored post', 'Online course', 'Monitor for new hire', 'Keyboard and mouse', 'Usage-based invoice', 'Extra seats', 'Metro card', 'Breakfast', 'Flight to Stockholm', 'Two nights', 'Conference hotel', 'Drive to Odense', 'Retargeting', 'Card fee', 'Misc', 'Printer paper', 'Water delivery', 'Flowers', 'Courier', 'Parking', 'Bridge toll', 'Ferry', 'Bike repair', 'Postage', 'Domain renewal', 'Stock photos', 'Fonts'])[1 + i % 50],
          jsonb_build_object('externalSupplierId', 'SUP-' || lpad((i % 400)::text, 4, '0'))
        FROM generate_series(1, ${ROWS}) i`);
    }
    await tdb.prisma.$executeRawUnsafe("ANALYZE");
  }, 300_000);
  afterAll(async () => {
    await tdb?.drop();
  });

  const scope = { companyId: A, timeZone: "UTC", historyStart: null };
  const view = (q: string): ExpenseFilters => ({ ...DEFAULT_FILTERS, period: "all", q });
  /** The filters as the page's reads use them: the names the text matches looked up first (data.ts). */
  const resolved = async (q: string): Promise<ReadFilters> => {
    const rows = await tdb.prisma.$queryRaw<{ kind: keyof SearchMatches; id: string }[]>(searchMatchesQuery(scope, q));
    const matches: SearchMatches = { employees: [], teams: [], accounts: [], tags: [] };
    for (const r of rows) matches[r.kind].push(r.id);
    return { ...view(q), matches };
  };

  it.each(["coffee", "sup-0123", "12.34", "mette"])(
    'searching "%s" uses the trigram index, not a sequential scan of the entries',
    async (q) => {
      const { current: range, previous } = periodOf(view(q), NOW);
      const f = await resolved(q);
      for (const query of [
        tableCountQuery(scope, view(q), range),
        tablePageQuery(scope, view(q), range, 25, 0),
        kpiQuery(scope, f, range, previous),
        tablePageQuery(scope, f, range, 25, 0),
      ]) {
        const plan = await explain(query);
        expect(plan, plan).not.toMatch(/Seq Scan on "AccountingEntry"/);
      }
      expect(await explain(tableCountQuery(scope, view(q), range))).toMatch(/AccountingEntry_searchText_trgm_idx/);
      expect(await explain(kpiQuery(scope, f, range, previous))).toMatch(/AccountingEntry_searchText_trgm_idx/);
      // Sorted by amount too: the matches, then a sort; not a walk down the amount index testing every entry.
      const byAmount = await explain(tablePageQuery(scope, { ...f, sort: "amount" }, range, 25, 50));
      expect(byAmount, byAmount).toMatch(/AccountingEntry_searchText_trgm_idx/);
    },
  );

  it("finds exactly what a plain scan finds", async () => {
    const count = async (q: string) =>
      (await tdb.prisma.$queryRaw<{ count: number }[]>(tableCountQuery(scope, view(q), null)))[0].count;
    const truth = async (where: string) =>
      (
        await tdb.prisma.$queryRawUnsafe<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM "AccountingEntry" WHERE "companyId" = '${A}' AND ${where}`,
        )
      )[0].n;
    expect(await count("coffee")).toBe(await truth(`lower(note) LIKE '%coffee%'`));
    expect(await count("coffee")).toBe(ROWS / 50);
    expect(await count("SUP-0123")).toBe(await truth(`supplier ->> 'externalSupplierId' = 'SUP-0123'`));
    // 1234 minor units is 12.34 (also written 12,34); 11234 is 112.34.
    expect(await count("12,34")).toBe(await truth(`"billMinors" % 10000 = 1234`));
    // An employee's name matches all of their entries: none here, so only the notes with the word.
    expect(await count("coffeeberg")).toBe(0);
    // With the names looked up first (the page's path) the same entries are found.
    for (const q of ["coffee", "SUP-0123", "12,34", "mette"]) {
      const rows = await tdb.prisma.$queryRaw<{ entries: number }[]>(kpiQuery(scope, await resolved(q), null, null));
      expect(
        rows.reduce((n, r) => n + r.entries, 0),
        q,
      ).toBe(await count(q));
    }
  });
}

for (const kind of DATABASE_KINDS) describe.skipIf(databaseUnavailable(kind))(`search on ${kind}`, () => planOn(kind));
