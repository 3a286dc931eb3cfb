import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSync } from "@/lib/sync/run";
import { getSyncProgress } from "@/lib/sync/progress";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { DATABASE_KINDS, databaseUnavailable } from "@/tests/support/db";
import { createWorld, type World } from "@/tests/support/world";
import { compareWithSandbox, SYNC_ENV } from "./support";

for (const kind of DATABASE_KINDS) {
  describe.skipIf(databaseUnavailable(kind))(`backfill (${kind})`, () => {
    let world: World;
    beforeAll(async () => {
      world = await createWorld({
        database: kind,
        sandbox: { entries: 1000, rateLimit: false },
        env: SYNC_ENV,
        companies: [LARGE_COMPANY_ID],
      });
    });
    afterAll(async () => {
      await world?.close();
    });

    it("copies every entry, with split items and tags, and the lookup tables; progress runs to pagination.total", async () => {
      const summary = await world.sandbox.control.summary(LARGE_COMPANY_ID);
      const seenProgress: Array<{ running: boolean; synced: number; total: number | null; phase: string }> = [];
      const result = await runSync({
        companyId: LARGE_COMPANY_ID,
        trigger: "connect",
        onPage: async () => {
          const p = await getSyncProgress(LARGE_COMPANY_ID);
          seenProgress.push({ running: p.running, synced: p.synced, total: p.total, phase: p.phase });
        },
      });

      expect(result).toMatchObject({ started: true, kind: "backfill", status: "succeeded", error: null });
      if (!result.started) throw new Error("not started");
      // Deleted entries come along (includeDeleted) and are stored marked, so totals stay right.
      expect(result.entries).toBe(summary.countIncludingDeleted);
      expect(result.pages).toBe(Math.ceil(summary.countIncludingDeleted / 100));
      expect(result.created + result.deleted).toBe(summary.countIncludingDeleted);
      expect(result.deleted).toBe(summary.deletedCount);

      const { remote, local } = await compareWithSandbox(world, LARGE_COMPANY_ID);
      expect(local.count).toBe(remote.count);
      expect(local.checksum).toBe(remote.checksum);
      expect(local.countIncludingDeleted).toBe(remote.countIncludingDeleted);

      // The dashboard's progress bar: synced grows page by page up to Pleo's total while running.
      expect(seenProgress.length).toBe(result.pages);
      expect(
        seenProgress.every((p) => p.running && p.phase === "backfill" && p.total === summary.countIncludingDeleted),
      ).toBe(true);
      expect(seenProgress.map((p) => p.synced)).toEqual(
        seenProgress.map((_, i) => Math.min((i + 1) * 100, summary.countIncludingDeleted)),
      );
      const done = await getSyncProgress(LARGE_COMPANY_ID);
      expect(done).toMatchObject({
        running: false,
        phase: "idle",
        synced: summary.countIncludingDeleted,
        total: summary.countIncludingDeleted,
        backfillComplete: true,
        lastError: null,
        lastRun: {
          kind: "backfill",
          status: "succeeded",
          created: result.created,
          deleted: result.deleted,
          updated: 0,
        },
      });
      expect(done.lastSuccessAt).toBeInstanceOf(Date);

      const prisma = world.prisma;
      const company = await prisma.pleoCompany.findUniqueOrThrow({ where: { id: LARGE_COMPANY_ID } });
      expect(company.currency).toBe(summary.currency);
      expect(await prisma.employee.count({ where: { companyId: LARGE_COMPANY_ID } })).toBe(summary.employees);
      expect(await prisma.team.count({ where: { companyId: LARGE_COMPANY_ID } })).toBe(summary.teams);
      expect(await prisma.ledgerAccount.count({ where: { companyId: LARGE_COMPANY_ID } })).toBe(summary.accounts);
      expect(await prisma.tagGroup.count({ where: { companyId: LARGE_COMPANY_ID } })).toBe(summary.tagGroups);
      expect(await prisma.tag.count({ where: { companyId: LARGE_COMPANY_ID } })).toBe(summary.tags);
    });

    it("stores entry fields, split items and tags exactly as the API returns them", async () => {
      const { sourceForCompany } = await import("@/lib/sync/source");
      const source = await sourceForCompany(LARGE_COMPANY_ID);
      const page = await source.searchAccountingEntries({
        limit: 100,
        includeDeleted: true,
        sortingKeys: ["performedAt"],
        sortingOrder: ["ASC"],
      });
      const withSplits = page.items.filter((e) => e.splitItems.length > 0);
      expect(withSplits.length).toBeGreaterThan(0);
      for (const e of page.items) {
        const row = await world.prisma.accountingEntry.findUniqueOrThrow({
          where: { id: e.id },
          include: { splitItems: true },
        });
        expect(row).toMatchObject({
          companyId: LARGE_COMPANY_ID,
          family: e.family,
          status: e.status,
          reviewStatus: e.reviewStatus,
          performedAt: e.performedAt,
          deletedAt: e.deletedAt,
          transactionCurrency: e.transactionValue.currency,
          transactionMinors: e.transactionValue.minors,
          billMinors: e.totalBillValue!.minors,
          note: e.note,
          supplierName: e.supplierName,
          receiptCount: e.receiptIds.length,
          tags: e.tags,
        });
        expect(row.splitItems.map((s) => s.id).sort()).toEqual(e.splitItems.map((s) => s.id).sort());
        for (const s of e.splitItems) {
          const stored = row.splitItems.find((x) => x.id === s.id)!;
          expect(stored.billMinors).toBe(s.totalBillValue?.minors ?? null);
          expect(stored.tags).toEqual(s.tags);
        }
      }
    });

    it("is idempotent: a second full pass writes nothing and duplicates nothing", async () => {
      const before = await world.sandbox.control.stats();
      const result = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "manual", kind: "backfill" });
      expect(result).toMatchObject({ started: true, status: "succeeded", created: 0, updated: 0, deleted: 0 });
      const after = await world.sandbox.control.stats();
      expect(after.apiRequests).toBeGreaterThan(before.apiRequests);
      const { remote, local } = await compareWithSandbox(world, LARGE_COMPANY_ID);
      expect(local).toEqual({
        count: remote.count,
        checksum: remote.checksum,
        countIncludingDeleted: remote.countIncludingDeleted,
      });
      const runs = await world.prisma.syncRun.findMany({
        where: { companyId: LARGE_COMPANY_ID },
        orderBy: { startedAt: "asc" },
      });
      expect(runs.map((r) => [r.kind, r.status])).toEqual([
        ["backfill", "succeeded"],
        ["backfill", "succeeded"],
      ]);
      expect(runs.every((r) => r.finishedAt !== null && r.pages === 10)).toBe(true);
    });
  });
}
