import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { acquireLease, newLeaseOwner, releaseLease } from "@/lib/sync/lease";
import { countStoredEntries, deleteCompanyData, deleteHiddenEntries } from "@/lib/sync/company-data";
import { createTestDatabase, withBusyProcessDatabase, type TestDatabase } from "@/tests/support/db";
import { seedCompany, seedEntries } from "@/tests/support/expense-seed";

// A company's synced data as a whole (lib/sync/company-data.ts), on a real PGlite database with two
// companies in the same currency over the same dates, so a write that loses its company condition shows.

const at = (iso: string) => new Date(iso);
const WINDOW_START = at("2026-06-01T00:00:00Z");
// Three entries before the window (one of them deleted in Pleo), two inside it.
const ENTRIES = [
  { performedAt: "2026-03-10T12:00:00Z", billMinors: 100 },
  { performedAt: "2026-05-31T23:59:59.999Z", billMinors: 200 },
  { performedAt: "2026-04-01T08:00:00Z", billMinors: 300, deletedAt: "2026-04-02T08:00:00Z" },
  { performedAt: "2026-06-01T00:00:00Z", billMinors: 400 },
  { performedAt: "2026-11-01T10:00:00Z", billMinors: 500 },
];

describe("a company's synced data", () => {
  let database: TestDatabase;
  let company: string;
  let other: string;
  beforeAll(async () => {
    database = await createTestDatabase("pglite", { processDatabase: true });
  });
  afterAll(() => database?.drop());
  beforeEach(async () => {
    company = randomUUID();
    other = randomUUID();
    for (const id of [company, other]) {
      await seedCompany(database.prisma, { id, currency: "DKK", timeZone: "Europe/Copenhagen" });
      await seedEntries(database.prisma, id, "DKK", ENTRIES);
    }
  });

  const entryDates = async (companyId: string) =>
    (
      await database.prisma.accountingEntry.findMany({
        where: { companyId },
        select: { performedAt: true },
        orderBy: { performedAt: "asc" },
      })
    ).map((e) => e.performedAt.toISOString());

  describe("countStoredEntries", () => {
    it("counts the company's entries, deleted ones included, and those before the window start", async () => {
      expect(await countStoredEntries(company, WINDOW_START)).toEqual({ total: 5, hidden: 3 });
    });

    it("with no window nothing is hidden", async () => {
      expect(await countStoredEntries(company, null)).toEqual({ total: 5, hidden: 0 });
    });

    it("a window starting a millisecond after an entry hides it", async () => {
      expect(await countStoredEntries(company, at("2026-06-01T00:00:00.001Z"))).toEqual({ total: 5, hidden: 4 });
    });

    it("a company with nothing stored counts zero", async () => {
      expect(await countStoredEntries(randomUUID(), WINDOW_START)).toEqual({ total: 0, hidden: 0 });
    });
  });

  describe("deleteCompanyData", () => {
    it("removes the company, its entries and its rollup rows; the other company keeps all of its own", async () => {
      const rollup = (companyId: string) => database.prisma.spendMonthly.count({ where: { companyId } });
      expect(await rollup(company)).toBeGreaterThan(0);
      const otherRollup = await rollup(other);

      await database.prisma.$transaction((tx) => deleteCompanyData(tx, company));

      expect(await database.prisma.pleoCompany.count({ where: { id: company } })).toBe(0);
      expect(await database.prisma.accountingEntry.count({ where: { companyId: company } })).toBe(0);
      expect(await rollup(company)).toBe(0);
      expect(await database.prisma.pleoCompany.count({ where: { id: other } })).toBe(1);
      expect(await entryDates(other)).toHaveLength(ENTRIES.length);
      expect(await rollup(other)).toBe(otherRollup);
    });

    it("runs in the caller's transaction: a failure after it keeps everything", async () => {
      await expect(
        database.prisma.$transaction(async (tx) => {
          await deleteCompanyData(tx, company);
          throw new Error("the disconnect failed later");
        }),
      ).rejects.toThrow("the disconnect failed later");
      expect(await database.prisma.pleoCompany.count({ where: { id: company } })).toBe(1);
      expect(await entryDates(company)).toHaveLength(ENTRIES.length);
      expect(await database.prisma.spendMonthly.count({ where: { companyId: company } })).toBeGreaterThan(0);
    });
  });

  describe("deleteHiddenEntries", () => {
    const coverage = async (companyId: string) =>
      (await database.prisma.syncState.findUnique({ where: { companyId } }))?.coveredFrom ?? null;

    it("deletes the entries before the window, moves the coverage there, and gives the lease back", async () => {
      await database.prisma.syncState.create({ data: { companyId: company, coveredFrom: at("2026-01-01T00:00:00Z") } });

      expect(await deleteHiddenEntries(company, WINDOW_START)).toEqual({ ok: true, deleted: 3 });

      expect(await entryDates(company)).toEqual(["2026-06-01T00:00:00.000Z", "2026-11-01T10:00:00.000Z"]);
      expect(await coverage(company)).toEqual(WINDOW_START);
      expect(await entryDates(other)).toHaveLength(ENTRIES.length);
      const state = await database.prisma.syncState.findUniqueOrThrow({ where: { companyId: company } });
      expect(state).toMatchObject({ leaseOwner: null, leaseExpiresAt: null });
      // The lease is free: a sync can take it at once.
      expect(await acquireLease(database.prisma, company, newLeaseOwner(), 60_000)).toBe(true);
    });

    it("is idempotent: a second call deletes nothing", async () => {
      expect(await deleteHiddenEntries(company, WINDOW_START)).toEqual({ ok: true, deleted: 3 });
      // A company never synced (no state row, coverage unknown) is now covered from the cut.
      expect(await coverage(company)).toEqual(WINDOW_START);
      expect(await deleteHiddenEntries(company, WINDOW_START)).toEqual({ ok: true, deleted: 0 });
      expect(await entryDates(company)).toHaveLength(2);
    });

    it("never widens the coverage: a company covered from later than the cut keeps its start", async () => {
      await database.prisma.syncState.create({ data: { companyId: company, coveredFrom: at("2026-09-01T00:00:00Z") } });
      expect(await deleteHiddenEntries(company, WINDOW_START)).toEqual({ ok: true, deleted: 3 });
      expect(await coverage(company)).toEqual(at("2026-09-01T00:00:00Z"));
    });

    it("waits for another transaction on the database (a sync page's commit) past Prisma's 2 s default", async () => {
      const deleting = withBusyProcessDatabase(database, 2_500, () => deleteHiddenEntries(company, WINDOW_START));
      expect(await deleting).toEqual({ ok: true, deleted: 3 });
      expect(await entryDates(company)).toHaveLength(2);
    });

    it("refuses while a sync holds the company's lease, and deletes nothing", async () => {
      const syncing = newLeaseOwner();
      expect(await acquireLease(database.prisma, company, syncing, 60_000)).toBe(true);

      expect(await deleteHiddenEntries(company, WINDOW_START)).toEqual({ ok: false, reason: "sync_running" });

      expect(await entryDates(company)).toHaveLength(ENTRIES.length);
      // The sync's lease is untouched.
      expect(await database.prisma.syncState.findUniqueOrThrow({ where: { companyId: company } })).toMatchObject({
        leaseOwner: syncing,
      });
      await releaseLease(database.prisma, company, syncing);
      expect(await deleteHiddenEntries(company, WINDOW_START)).toEqual({ ok: true, deleted: 3 });
    });
  });
});
