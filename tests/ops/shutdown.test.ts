/**
 * Graceful shutdown in one process (lib/ops/shutdown.ts) with the real background jobs, sandbox and
 * database: draining stops new work, a running sync ends at a page boundary with its lease released,
 * resources close only after work and requests, and the deadline holds. The real SIGTERM to a real
 * server is in e2e/cluster/shutdown.spec.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isShuttingDown, onShutdown, resetShutdownForTests, shutdown } from "@/lib/ops/shutdown";
import { startBackgroundJobs } from "@/lib/sync/background";
import { runSync } from "@/lib/sync/run";
import { requestSync, runningSyncCount } from "@/lib/sync/trigger";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { createWorld, type World } from "@/tests/support/world";
import { expectEqualToSandbox, SYNC_ENV } from "../sync/support";

afterEach(() => resetShutdownForTests());

describe("shutdown ordering and deadline (units)", () => {
  it("work steps, then the requests, then close steps; idempotent", async () => {
    const order: string[] = [];
    let finishRequests!: () => void;
    const requestsDone = new Promise<void>((r) => (finishRequests = r));
    const leave = [
      onShutdown("close", "db", async () => void order.push("close")),
      onShutdown("work", "jobs", async () => {
        await new Promise((r) => setTimeout(r, 20));
        order.push("work");
      }),
    ];
    expect(isShuttingDown()).toBe(false);
    const done = shutdown({ reason: "test", timeoutMs: 5_000, requestsDone });
    expect(isShuttingDown()).toBe(true);
    await new Promise((r) => setTimeout(r, 60));
    expect(order).toEqual(["work"]); // close waits for the requests
    finishRequests();
    const result = await done;
    expect(result.clean).toBe(true);
    expect(order).toEqual(["work", "close"]);
    expect(await shutdown({ reason: "again", timeoutMs: 5_000 })).toBe(result);
    for (const l of leave) l();
  });

  it("a step that never ends does not hold the process past the deadline", async () => {
    const leave = onShutdown("work", "stuck", () => new Promise<void>(() => {}));
    const started = Date.now();
    const result = await shutdown({ reason: "test", timeoutMs: 300 });
    expect(result.clean).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
    leave();
  });
});

describe("shutdown with a sync running (pglite)", () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld({
      database: "pglite",
      sandbox: { entries: 3000, rateLimit: false },
      env: SYNC_ENV,
      companies: [LARGE_COMPANY_ID],
    });
  });
  afterAll(async () => {
    await world?.close();
  });

  it("the sync ends after the page it is on, releases its lease, and the next run resumes from its cursor", async () => {
    // Slow pages, so the scheduler's first pass starts the backfill and it is mid-way when we stop.
    await world.sandbox.control.fault({ path: "/v1/accounting-entries:search", latencyMs: 150 });
    startBackgroundJobs();
    const prisma = world.prisma;
    const deadline = Date.now() + 30_000;
    const synced = async () =>
      (await prisma.syncState.findUnique({ where: { companyId: LARGE_COMPANY_ID } }))?.backfillSynced ?? 0;
    while ((await synced()) < 300) {
      if (Date.now() > deadline) throw new Error("the backfill did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(runningSyncCount()).toBe(1);

    let runningAtClose = -1;
    const leave = onShutdown("close", "probe", async () => void (runningAtClose = runningSyncCount()));
    const result = await shutdown({ reason: "SIGTERM", timeoutMs: 20_000 });
    leave();
    expect(result.clean).toBe(true);
    expect(runningAtClose).toBe(0); // work stopped before anything closed

    const state = await prisma.syncState.findUniqueOrThrow({ where: { companyId: LARGE_COMPANY_ID } });
    expect(state).toMatchObject({ leaseOwner: null, leaseExpiresAt: null, backfillCompletedAt: null });
    expect(state.backfillSynced % 100).toBe(0);
    expect(await prisma.accountingEntry.count()).toBe(state.backfillSynced);
    const run = await prisma.syncRun.findFirstOrThrow({ where: { companyId: LARGE_COMPANY_ID } });
    expect(run).toMatchObject({ status: "aborted", pages: state.backfillSynced / 100 });
    expect(run.error).toBe("shutdown");

    // Draining: nothing new starts here.
    expect(await requestSync(LARGE_COMPANY_ID, "manual")).toEqual({
      started: false,
      reason: "This server is restarting: try again in a moment",
    });

    // Another instance (here: the same process after the shutdown) resumes at once from the cursor.
    resetShutdownForTests();
    await world.sandbox.control.clearFaults();
    const summary = await world.sandbox.control.summary(LARGE_COMPANY_ID);
    const resumed = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "schedule" });
    expect(resumed).toMatchObject({ started: true, kind: "backfill", status: "succeeded", updated: 0 });
    if (!resumed.started) throw new Error("not started");
    expect(resumed.entries).toBe(summary.countIncludingDeleted - state.backfillSynced);
    await expectEqualToSandbox(world, LARGE_COMPANY_ID);
  }, 90_000);
});
