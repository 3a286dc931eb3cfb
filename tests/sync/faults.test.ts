import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSync, type RunSyncResult } from "@/lib/sync/run";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { DATABASE_KINDS, databaseUnavailable } from "@/tests/support/db";
import { captureLogger } from "@/tests/support/logs";
import { createWorld, type World } from "@/tests/support/world";
import { compareWithSandbox, SYNC_ENV } from "./support";

/** Run until a run succeeds (a run that exhausts its retry budget fails; the next one resumes). */
async function syncUntilSucceeded(max = 6): Promise<RunSyncResult[]> {
  const results: RunSyncResult[] = [];
  for (let i = 0; i < max; i++) {
    const r = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "schedule" });
    results.push(r);
    if (r.started && r.status === "succeeded") return results;
  }
  throw new Error(`no successful run in ${max}: ${JSON.stringify(results)}`);
}

for (const kind of DATABASE_KINDS) {
  describe.skipIf(databaseUnavailable(kind))(`sync under injected faults (${kind})`, () => {
    let world: World;
    beforeAll(async () => {
      world = await createWorld({
        database: kind,
        sandbox: { entries: 1500, rateLimit: false },
        env: SYNC_ENV,
        companies: [LARGE_COMPANY_ID],
      });
    });
    afterAll(async () => {
      await world.sandbox.control.clearFaults();
      await world?.close();
    });

    it("5xx bursts, 429s and dropped connections during the backfill: the final data equals the sandbox's", async () => {
      const before = await world.sandbox.control.stats();
      // The sandbox applies the first matching fault: the 503 burst, then the 429s, then random drops.
      await world.sandbox.control.fault({ path: "/v1/accounting-entries:search", status: 503, times: 3 });
      await world.sandbox.control.fault({ path: "/v1/accounting-entries:search", status: 429, times: 2 });
      await world.sandbox.control.fault({ path: "/v1/accounting-entries:search", reset: true, rate: 0.2 });
      await world.sandbox.control.fault({ path: "/v2/employees", status: 502, times: 2 });
      const results = await syncUntilSucceeded();
      await world.sandbox.control.clearFaults();
      const after = await world.sandbox.control.stats();
      expect(after.faultsApplied - before.faultsApplied).toBeGreaterThanOrEqual(7);

      const { remote, local } = await compareWithSandbox(world, LARGE_COMPANY_ID);
      expect(local).toEqual({
        count: remote.count,
        checksum: remote.checksum,
        countIncludingDeleted: remote.countIncludingDeleted,
      });
      // Nothing was written twice: across all runs each entry was created exactly once.
      const created = results.reduce((n, r) => n + (r.started ? r.created + r.deleted : 0), 0);
      expect(created).toBe(remote.countIncludingDeleted);
    });

    it("a failure beyond the retry budget fails the run cleanly, records it, and the next run completes the work", async () => {
      await world.sandbox.control.activity(LARGE_COMPANY_ID, { created: 5, updated: 40, deleted: 10 });
      const { logger, lines } = captureLogger();
      // More consecutive 500s than the client retries: this run must fail, not hang or half-write.
      await world.sandbox.control.fault({ path: "/v1/accounting-entries:search", status: 500, times: 8 });
      const failed = await runSync({
        companyId: LARGE_COMPANY_ID,
        trigger: "schedule",
        logger,
        reconcileIntervalMs: 0,
      });
      expect(failed).toMatchObject({ started: true, kind: "reconcile", status: "failed" });
      if (!failed.started) throw new Error("not started");
      // A stable code is stored, never the error's text (which names endpoints and statuses): that is logged.
      expect(failed.error).toBe("pleo_unavailable");
      const state = await world.prisma.syncState.findUniqueOrThrow({ where: { companyId: LARGE_COMPANY_ID } });
      expect(state).toMatchObject({ consecutiveFailures: 1, lastError: failed.error, leaseOwner: null });
      // Backoff: retried soon, not at once and not a whole interval later.
      expect(state.nextRunAt!.getTime() - Date.now()).toBeGreaterThan(20_000);
      expect(state.nextRunAt!.getTime() - Date.now()).toBeLessThanOrEqual(30_000);
      const logged = lines().find((l) => l.msg === "sync: run failed" && l.runId === failed.runId);
      expect((logged?.err as { message?: string } | undefined)?.message).toMatch(/HTTP 500/);
      const run = await world.prisma.syncRun.findUniqueOrThrow({ where: { id: failed.runId } });
      expect(run).toMatchObject({ status: "failed", error: failed.error });
      expect(run.finishedAt).not.toBeNull();

      await world.sandbox.control.clearFaults();
      const ok = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "schedule", reconcileIntervalMs: 0 });
      expect(ok).toMatchObject({ started: true, kind: "reconcile", status: "succeeded" });
      const { remote, local } = await compareWithSandbox(world, LARGE_COMPANY_ID);
      expect(local.count).toBe(remote.count);
      expect(local.checksum).toBe(remote.checksum);
      const healed = await world.prisma.syncState.findUniqueOrThrow({ where: { companyId: LARGE_COMPANY_ID } });
      expect(healed).toMatchObject({ consecutiveFailures: 0, lastError: null });
    });
  });
}
