/**
 * A backfill page's rows and its saved cursor commit together (lib/sync/passes.ts → commitPage). The
 * failure is injected deterministically at a named point: a database trigger makes the cursor write of
 * the third page fail, inside the page's transaction. Nothing of that page may remain, the cursor must
 * stay after page two, and the next run resumes from it: nothing lost, nothing skipped, no duplicates.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSync } from "@/lib/sync/run";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { createWorld, type World } from "@/tests/support/world";
import { expectEqualToSandbox, SYNC_ENV } from "./support";

const ENTRIES = 600;

describe("a backfill page and its cursor are one commit (pglite)", () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld({
      database: "pglite",
      sandbox: { entries: ENTRIES, rateLimit: false },
      env: SYNC_ENV,
      companies: [LARGE_COMPANY_ID],
    });
  });
  afterAll(async () => {
    await world?.close();
  });

  const state = () => world.prisma.syncState.findUniqueOrThrow({ where: { companyId: LARGE_COMPANY_ID } });

  it("a failed cursor write takes the page's rows with it; the next run resumes after the last good page", async () => {
    // The injected fault: the cursor write that would record a third page (300 entries) fails.
    await world.prisma.$executeRawUnsafe(`
      CREATE FUNCTION test_fail_third_cursor() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW."backfillSynced" >= 300 THEN RAISE EXCEPTION 'injected: cursor write failed'; END IF;
        RETURN NEW;
      END $$`);
    await world.prisma.$executeRawUnsafe(`
      CREATE TRIGGER test_fail_third_cursor BEFORE UPDATE ON "SyncState" FOR EACH ROW
      WHEN (NEW."backfillCursor" IS DISTINCT FROM OLD."backfillCursor") EXECUTE FUNCTION test_fail_third_cursor()`);
    const pages: number[] = [];
    const failed = await runSync({
      companyId: LARGE_COMPANY_ID,
      trigger: "connect",
      onPage: (p) => void pages.push(p.pages),
    });
    expect(failed).toMatchObject({ started: true, kind: "backfill", status: "failed" });
    expect(pages).toEqual([1, 2]);

    const afterFailure = await state();
    expect(afterFailure).toMatchObject({ backfillSynced: 200, backfillCompletedAt: null, leaseOwner: null });
    expect(afterFailure.backfillCursor).toMatch(/^[A-Z2-7=~]+$/);
    // The third page's rows were rolled back with its cursor.
    expect(await world.prisma.accountingEntry.count({ where: { companyId: LARGE_COMPANY_ID } })).toBe(200);

    await world.prisma.$executeRawUnsafe(`DROP TRIGGER test_fail_third_cursor ON "SyncState"`);
    await world.prisma.$executeRawUnsafe(`DROP FUNCTION test_fail_third_cursor()`);

    const summary = await world.sandbox.control.summary(LARGE_COMPANY_ID);
    const resumed = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "schedule" });
    expect(resumed).toMatchObject({ started: true, kind: "backfill", status: "succeeded" });
    if (!resumed.started) throw new Error("not started");
    // Only what was not committed: the failed page is read again, nothing before it.
    expect(resumed.entries).toBe(summary.countIncludingDeleted - 200);
    expect(resumed.updated).toBe(0);
    expect(await state()).toMatchObject({ backfillSynced: summary.countIncludingDeleted });
    await expectEqualToSandbox(world, LARGE_COMPANY_ID);
  });
});
