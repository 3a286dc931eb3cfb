/**
 * The SyncState and SyncRun transitions the other sync suites do not reach: a saved cursor Pleo
 * rejects, failures in a row, and pruning old runs; and which kind of run comes next by default.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYNC_DEFAULTS } from "@/lib/sync/config";
import { chooseKind, runSync } from "@/lib/sync/run";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { DATABASE_KINDS, databaseUnavailable } from "@/tests/support/db";
import { captureLogger } from "@/tests/support/logs";
import { createWorld, type World } from "@/tests/support/world";
import { expectEqualToSandbox, SYNC_ENV } from "./support";

/** Milliseconds from now until the company's next scheduled run. */
async function nextRunIn(world: World): Promise<number> {
  const state = await world.prisma.syncState.findUniqueOrThrow({ where: { companyId: LARGE_COMPANY_ID } });
  return state.nextRunAt!.getTime() - Date.now();
}

for (const kind of DATABASE_KINDS) {
  describe.skipIf(databaseUnavailable(kind))(`sync state and run history (${kind})`, () => {
    let world: World;
    beforeAll(async () => {
      world = await createWorld({
        database: kind,
        sandbox: { entries: 300, rateLimit: false },
        env: SYNC_ENV,
        companies: [LARGE_COMPANY_ID],
      });
    });
    afterAll(async () => {
      await world?.close();
    });

    it("a saved cursor Pleo rejects restarts the backfill from the newest entry; an incremental run is due at once", async () => {
      const before = new Date();
      await world.prisma.syncState.create({
        data: {
          companyId: LARGE_COMPANY_ID,
          backfillCursor: "AAAAAAAA",
          backfillSynced: 42,
          backfillStartedAt: new Date("2020-01-01T00:00:00Z"),
        },
      });
      const { logger, lines } = captureLogger();
      const result = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "schedule", logger });
      const summary = await world.sandbox.control.summary(LARGE_COMPANY_ID);
      expect(result).toMatchObject({ started: true, kind: "backfill", status: "succeeded", pages: 3, entries: 300 });
      expect(lines().some((l) => l.msg === "sync: saved backfill cursor rejected, restarting backfill")).toBe(true);
      const state = await world.prisma.syncState.findUniqueOrThrow({ where: { companyId: LARGE_COMPANY_ID } });
      expect(state).toMatchObject({ backfillSynced: summary.countIncludingDeleted, backfillTotal: 300 });
      expect(state.backfillStartedAt!.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1_000);
      expect(state.backfillCompletedAt).not.toBeNull();
      // The backfill counts as the day's full scan.
      expect(state.lastReconcileAt).toEqual(state.backfillCompletedAt);
      expect(await nextRunIn(world)).toBeLessThanOrEqual(0);
      await expectEqualToSandbox(world, LARGE_COMPANY_ID);
    });

    it("each failure in a row doubles the wait for the next attempt, capped at the interval; a success clears it", async () => {
      const failOnce = async () => {
        // More consecutive 500s than the client retries.
        await world.sandbox.control.fault({ path: "/v1/accounting-entries:search", status: 500, times: 8 });
        const r = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "schedule" });
        await world.sandbox.control.clearFaults();
        expect(r).toMatchObject({ started: true, kind: "incremental", status: "failed" });
        if (!r.started) throw new Error("not started");
        return r.error;
      };
      await failOnce();
      expect(await nextRunIn(world)).toBeGreaterThan(20_000);
      expect(await nextRunIn(world)).toBeLessThanOrEqual(30_000);
      await failOnce();
      expect(await nextRunIn(world)).toBeGreaterThan(50_000);
      expect(await nextRunIn(world)).toBeLessThanOrEqual(60_000);
      // With a 1-minute interval the third wait (120 s doubled) is cut to the interval.
      await world.prisma.pleoConnection.update({
        where: { companyId: LARGE_COMPANY_ID },
        data: { syncIntervalMinutes: 1 },
      });
      const error = await failOnce();
      const failing = await world.prisma.syncState.findUniqueOrThrow({ where: { companyId: LARGE_COMPANY_ID } });
      expect(failing).toMatchObject({ consecutiveFailures: 3, lastError: error });
      expect(await nextRunIn(world)).toBeGreaterThan(50_000);
      expect(await nextRunIn(world)).toBeLessThanOrEqual(60_000);

      const ok = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "schedule" });
      expect(ok).toMatchObject({ started: true, kind: "incremental", status: "succeeded" });
      const healed = await world.prisma.syncState.findUniqueOrThrow({ where: { companyId: LARGE_COMPANY_ID } });
      expect(healed).toMatchObject({ consecutiveFailures: 0, lastError: null });
      expect(healed.lastSuccessAt!.getTime()).toBeGreaterThan(failing.lastErrorAt!.getTime());
      expect(await nextRunIn(world)).toBeGreaterThan(50_000);
      expect(await nextRunIn(world)).toBeLessThanOrEqual(60_000);
    });

    it("keeps only the newest runs of a company", async () => {
      const old = Array.from({ length: SYNC_DEFAULTS.keepRuns + 10 }, (_, i) => ({
        companyId: LARGE_COMPANY_ID,
        kind: "incremental",
        trigger: "schedule",
        status: "succeeded",
        startedAt: new Date(Date.UTC(2020, 0, 1) + i * 60_000),
      }));
      const earlier = await world.prisma.syncRun.count({ where: { companyId: LARGE_COMPANY_ID } });
      await world.prisma.syncRun.createMany({ data: old });
      const result = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "manual" });
      expect(result).toMatchObject({ started: true, status: "succeeded" });
      expect(await world.prisma.syncRun.count({ where: { companyId: LARGE_COMPANY_ID } })).toBe(SYNC_DEFAULTS.keepRuns);
      const oldest = await world.prisma.syncRun.findFirstOrThrow({
        where: { companyId: LARGE_COMPANY_ID },
        orderBy: { startedAt: "asc" },
      });
      // What was cut is the oldest: the new run and the earlier ones stay, the oldest of the old go.
      expect(oldest.startedAt).toEqual(old[old.length + earlier + 1 - SYNC_DEFAULTS.keepRuns].startedAt);
      if (!result.started) throw new Error("not started");
      expect(await world.prisma.syncRun.findUnique({ where: { id: result.runId } })).not.toBeNull();
    });
  });
}

describe("the next run's kind with the default reconcile interval", () => {
  it("a full reconcile at most once a day: incremental until a day has passed since the last", () => {
    const now = new Date("2026-11-30T12:00:00Z");
    const done = new Date("2026-01-01T00:00:00Z");
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const day = 86_400_000;
    expect(chooseKind({ backfillCompletedAt: null, lastReconcileAt: null }, now)).toBe("backfill");
    expect(chooseKind({ backfillCompletedAt: done, lastReconcileAt: null }, now)).toBe("reconcile");
    expect(chooseKind({ backfillCompletedAt: done, lastReconcileAt: ago(60_000) }, now)).toBe("incremental");
    expect(chooseKind({ backfillCompletedAt: done, lastReconcileAt: ago(day - 1) }, now)).toBe("incremental");
    expect(chooseKind({ backfillCompletedAt: done, lastReconcileAt: ago(day) }, now)).toBe("reconcile");
  });
});
