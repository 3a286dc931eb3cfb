/**
 * The CSV export at 200,000 entries: every row exactly once, read lazily batch by batch (the stream
 * fetches the next batch only when the consumer asks), so memory holds one batch, never the file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSV_BATCH_SIZE, exportEntriesCsv } from "@/lib/expenses/csv";
import { DEFAULT_FILTERS, periodOf, type ExpenseFilters } from "@/lib/expenses/filters";
import { createTestDatabase, type TestDatabase } from "@/tests/support/db";
import { seedCompany } from "@/tests/support/expense-seed";

const C = "cccccccc-0000-4000-8000-0000000000c5";
const ROWS = 200_000;
const NOW = new Date("2026-11-15T12:00:00Z");
const all: ExpenseFilters = { ...DEFAULT_FILTERS, period: "all" };
const scope = {
  companyId: C,
  currency: "DKK",
  timeZone: "UTC",
  dataVersion: 0,
  historyStart: null,
  now: NOW,
  period: periodOf(all, NOW),
};

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase("pglite", { processDatabase: true });
  await seedCompany(tdb.prisma, { id: C, currency: "DKK" });
  // Bulk insert in SQL (the test is about reading); many entries share a timestamp so the keyset
  // pagination's id tie-break is exercised.
  await tdb.prisma
    .$executeRawUnsafe(`INSERT INTO "AccountingEntry" (id, "companyId", family, status, "exportStatus", "reviewStatus", "performedAt", "pleoCreatedAt", "pleoUpdatedAt", "transactionCurrency", "transactionMinors", "billCurrency", "billMinors", note)
    SELECT gen_random_uuid(), '${C}', 'CARD_PURCHASE', 'COMPLETED', 'EXPORTED', 'OK', timestamp '2026-11-01' - ((i / 7) || ' minutes')::interval, now(), now(), 'DKK', i, 'DKK', i, 'Note, "quoted" ' || i
    FROM generate_series(1, ${ROWS}) i`);
}, 300_000);

afterAll(async () => {
  await tdb?.drop();
});

describe("exportEntriesCsv at 200,000 entries", () => {
  it("pulls batches only as they are read", async () => {
    let batches = 0;
    const reader = exportEntriesCsv(scope, all, { onBatch: () => batches++ }).getReader();
    await reader.read(); // header
    await reader.read(); // first batch
    await reader.read(); // second batch
    await new Promise((r) => setTimeout(r, 200)); // give a greedy stream time to run ahead
    expect(batches).toBeLessThanOrEqual(3);
    await reader.cancel();
  });

  it("streams every row exactly once", async () => {
    let batches = 0;
    const reader = exportEntriesCsv(scope, all, { onBatch: () => batches++ }).getReader();
    const decoder = new TextDecoder();
    const ids = new Set<string>();
    let lines = 0;
    let carry = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const parts = (carry + decoder.decode(value, { stream: true })).split("\r\n");
      carry = parts.pop() ?? "";
      for (const line of parts) {
        lines++;
        if (lines > 1) ids.add(line.slice(0, 36));
      }
    }
    expect(carry).toBe("");
    expect(lines).toBe(ROWS + 1);
    expect(ids.size).toBe(ROWS);
    expect(batches).toBe(Math.floor(ROWS / CSV_BATCH_SIZE) + 1);
  }, 300_000);
});
