/**
 * localEntrySummary (lib/sync/verify.ts), the figure every sync suite compares with the sandbox's
 * summary: computed here by hand from the documented definition, so a change to either side's format
 * cannot pass by changing both. Live entries only in the count and checksum, sorted `${id}:${ISO}`
 * lines joined by "\n"; every row of the company (deleted too) in countIncludingDeleted; other
 * companies' rows in neither.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localEntrySummary } from "@/lib/sync/verify";
import { createTestDatabase, DATABASE_KINDS, databaseUnavailable, type TestDatabase } from "@/tests/support/db";
import { seedCompany, seedEntries } from "@/tests/support/expense-seed";

const A = "a0000000-0000-4000-8000-0000000000f1";
const B = "b0000000-0000-4000-8000-0000000000f2";
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

for (const kind of DATABASE_KINDS) {
  describe.skipIf(databaseUnavailable(kind))(`localEntrySummary (${kind})`, () => {
    let tdb: TestDatabase;
    beforeAll(async () => {
      tdb = await createTestDatabase(kind);
      await seedCompany(tdb.prisma, { id: A, currency: "DKK" });
      await seedCompany(tdb.prisma, { id: B, currency: "DKK" });
    });
    afterAll(async () => {
      await tdb?.drop();
    });

    it("an empty company: no entries, the checksum of nothing", async () => {
      expect(await localEntrySummary(tdb.prisma, A)).toEqual({
        count: 0,
        checksum: sha256(""),
        countIncludingDeleted: 0,
      });
    });

    it("counts and checksums the company's live entries in id order; deleted ones only in the full count", async () => {
      // Inserted out of id order, with milliseconds in the timestamps (the ISO form keeps them).
      await seedEntries(tdb.prisma, A, "DKK", [
        { id: "e0000000-0000-4000-8000-000000000003", performedAt: "2026-03-01T10:00:00.250Z", billMinors: 1 },
        { id: "e0000000-0000-4000-8000-000000000001", performedAt: "2026-01-01T10:00:00.000Z", billMinors: 1 },
        {
          id: "e0000000-0000-4000-8000-000000000009",
          performedAt: "2026-04-01T10:00:00.000Z",
          billMinors: 1,
          deletedAt: "2026-05-01T00:00:00Z",
        },
        { id: "e0000000-0000-4000-8000-000000000002", performedAt: "2026-02-01T10:00:00.999Z", billMinors: 1 },
      ]);
      await seedEntries(tdb.prisma, B, "DKK", [
        { id: "e0000000-0000-4000-8000-0000000000b1", performedAt: "2026-01-05T10:00:00Z", billMinors: 1 },
      ]);
      const lines = [
        "e0000000-0000-4000-8000-000000000001:2026-01-01T10:00:00.000Z",
        "e0000000-0000-4000-8000-000000000002:2026-02-01T10:00:00.999Z",
        "e0000000-0000-4000-8000-000000000003:2026-03-01T10:00:00.250Z",
      ];
      expect(await localEntrySummary(tdb.prisma, A)).toEqual({
        count: 3,
        checksum: sha256(lines.join("\n")),
        countIncludingDeleted: 4,
      });
      expect(await localEntrySummary(tdb.prisma, B)).toEqual({
        count: 1,
        checksum: sha256("e0000000-0000-4000-8000-0000000000b1:2026-01-05T10:00:00.000Z"),
        countIncludingDeleted: 1,
      });
    });
  });
}
