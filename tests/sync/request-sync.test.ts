/**
 * lib/sync/trigger.ts on its own: what `requestSync` refuses and why, the one run per company this
 * process keeps (and gives back however the start ends), the options it hands the run, and stopping
 * runs. Runs are real (a small sandbox company over HTTP, PGlite); a run is held at its first page by
 * its own `onPage` where a test needs it running.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Logger } from "@/lib/log";
import { resetShutdownForTests, shutdown } from "@/lib/ops/shutdown";
import { SYNC_DEFAULTS } from "@/lib/sync/config";
import { sleep } from "@/lib/util/async";
import { requestSync, runningSync, runningSyncCount, stopAllSyncs, stopSync } from "@/lib/sync/trigger";
import { SOLO_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { captureLogger, setProcessLogger } from "@/tests/support/logs";
import { createWorld, type World } from "@/tests/support/world";
import { SYNC_ENV } from "./support";

const UNKNOWN_COMPANY = "00000000-0000-4000-8000-000000000000";

/** Every gate's release, opened after each test so a test that failed early leaves no run held. */
const openGates: Array<() => void> = [];

/**
 * An `onPage` that holds the run at its first page until `release()`; `reached` resolves when it is
 * there, and fails after 10 s (a run that never gets there fails the test instead of hanging it).
 */
function gate() {
  let release!: () => void;
  let arrived!: () => void;
  const open = new Promise<void>((r) => (release = r));
  openGates.push(release);
  const reached = Promise.race([
    new Promise<void>((r) => (arrived = r)),
    sleep(10_000).then(() => {
      throw new Error("the run never reached its first page");
    }),
  ]);
  reached.catch(() => {});
  let pages = 0;
  return {
    onPage: async () => {
      pages++;
      arrived();
      await open;
    },
    reached,
    release: () => release(),
    pages: () => pages,
  };
}

describe("requestSync: one run per company in this process (pglite)", () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld({
      database: "pglite",
      sandbox: { entries: 40, rateLimit: false },
      env: SYNC_ENV,
      companies: [SOLO_COMPANY_ID],
    });
  });
  afterAll(async () => {
    await stopAllSyncs();
    await world?.close();
  });
  beforeEach(async () => {
    await world.prisma.pleoConnection.update({
      where: { companyId: SOLO_COMPANY_ID },
      data: { status: "CONNECTED", syncEnabled: true },
    });
    await world.prisma.syncState.updateMany({ data: { leaseOwner: null, leaseExpiresAt: null, nextRunAt: null } });
  });
  afterEach(async () => {
    for (const release of openGates.splice(0)) release();
    resetShutdownForTests();
    setProcessLogger(undefined);
    await stopAllSyncs();
    expect(runningSyncCount()).toBe(0);
  });

  it("a manual request starts a run and returns while it runs; the run ends on its own and frees the slot", async () => {
    const g = gate();
    expect(runningSyncCount()).toBe(0);
    expect(runningSync(SOLO_COMPANY_ID)).toBeUndefined();
    expect(await requestSync(SOLO_COMPANY_ID, "manual", { onPage: g.onPage })).toEqual({ started: true });
    expect(runningSyncCount()).toBe(1);
    const pending = runningSync(SOLO_COMPANY_ID);
    expect(pending).toBeInstanceOf(Promise);
    await g.reached;
    g.release();
    expect(await pending).toMatchObject({ started: true, status: "succeeded" });
    expect(g.pages()).toBeGreaterThan(0);
    expect(runningSync(SOLO_COMPANY_ID)).toBeUndefined();
    expect(runningSyncCount()).toBe(0);
    const run = await world.prisma.syncRun.findFirstOrThrow({
      where: { companyId: SOLO_COMPANY_ID },
      orderBy: { startedAt: "desc" },
    });
    expect(run.trigger).toBe("manual");
  });

  it("refuses a second request while this process runs the company, before looking at the connection", async () => {
    const g = gate();
    expect(await requestSync(SOLO_COMPANY_ID, "manual", { onPage: g.onPage })).toEqual({ started: true });
    await g.reached;
    // Disconnected meanwhile: the answer is still about the run under way.
    await world.prisma.pleoConnection.update({
      where: { companyId: SOLO_COMPANY_ID },
      data: { status: "DISCONNECTED" },
    });
    expect(await requestSync(SOLO_COMPANY_ID, "manual")).toEqual({
      started: false,
      reason: "A sync is already running",
    });
    expect(await requestSync(SOLO_COMPANY_ID, "schedule")).toEqual({
      started: false,
      reason: "A sync is already running",
    });
    expect(runningSyncCount()).toBe(1);
    g.release();
    await runningSync(SOLO_COMPANY_ID);
  });

  it("two requests racing past the first check: one starts, the other is refused and leaves the run's slot alone", async () => {
    const runsBefore = await world.prisma.syncRun.count({ where: { companyId: SOLO_COMPANY_ID, trigger: "schedule" } });
    const g = gate();
    const answers = await Promise.all([
      requestSync(SOLO_COMPANY_ID, "schedule", { onPage: g.onPage }),
      requestSync(SOLO_COMPANY_ID, "schedule", { onPage: g.onPage }),
    ]);
    expect(answers).toEqual([{ started: true }, { started: false, reason: "A sync is already running" }]);
    await g.reached;
    const pending = runningSync(SOLO_COMPANY_ID);
    expect(pending).toBeDefined();
    expect(runningSyncCount()).toBe(1);
    g.release();
    expect(await pending).toMatchObject({ started: true, status: "succeeded" });
    expect(await world.prisma.syncRun.count({ where: { companyId: SOLO_COMPANY_ID, trigger: "schedule" } })).toBe(
      runsBefore + 1,
    );
  });

  it("says why a company cannot sync: not connected, disconnected, needs reconnecting", async () => {
    const runsBefore = await world.prisma.syncRun.count({ where: { companyId: SOLO_COMPANY_ID } });
    expect(await requestSync(UNKNOWN_COMPANY, "manual")).toEqual({
      started: false,
      reason: "This company is not connected",
    });
    await world.prisma.pleoConnection.update({
      where: { companyId: SOLO_COMPANY_ID },
      data: { status: "DISCONNECTED" },
    });
    expect(await requestSync(SOLO_COMPANY_ID, "manual")).toEqual({
      started: false,
      reason: "This company is disconnected",
    });
    await world.prisma.pleoConnection.update({
      where: { companyId: SOLO_COMPANY_ID },
      data: { status: "NEEDS_REAUTH" },
    });
    expect(await requestSync(SOLO_COMPANY_ID, "manual")).toEqual({
      started: false,
      reason: "The Pleo connection needs to be reconnected",
    });
    expect(await requestSync(SOLO_COMPANY_ID, "schedule")).toEqual({
      started: false,
      reason: "The Pleo connection needs to be reconnected",
    });
    expect(runningSyncCount()).toBe(0);
    expect(await world.prisma.syncRun.count({ where: { companyId: SOLO_COMPANY_ID } })).toBe(runsBefore);
  });

  it("sync turned off refuses the schedule only; Sync now and a settings run still start", async () => {
    await world.prisma.pleoConnection.update({ where: { companyId: SOLO_COMPANY_ID }, data: { syncEnabled: false } });
    expect(await requestSync(SOLO_COMPANY_ID, "schedule")).toEqual({ started: false, reason: "Sync is turned off" });
    expect(runningSyncCount()).toBe(0);
    expect(await requestSync(SOLO_COMPANY_ID, "manual")).toEqual({ started: true });
    expect(await runningSync(SOLO_COMPANY_ID)).toMatchObject({ status: "succeeded" });
    expect(await requestSync(SOLO_COMPANY_ID, "settings")).toEqual({ started: true });
    expect(await runningSync(SOLO_COMPANY_ID)).toMatchObject({ status: "succeeded" });
  });

  it("a draining server starts nothing, whatever the trigger", async () => {
    await shutdown({ reason: "test", timeoutMs: 5_000 });
    for (const trigger of ["manual", "schedule"] as const) {
      expect(await requestSync(SOLO_COMPANY_ID, trigger)).toEqual({
        started: false,
        reason: "This server is restarting: try again in a moment",
      });
    }
    expect(runningSyncCount()).toBe(0);
  });

  it("a lease held by another process: refused with the trigger's reason, and nothing kept in this process", async () => {
    await world.prisma.syncState.update({
      where: { companyId: SOLO_COMPANY_ID },
      data: { leaseOwner: "other-host:1:beef", leaseExpiresAt: new Date(Date.now() + 60_000) },
    });
    expect(await requestSync(SOLO_COMPANY_ID, "manual")).toEqual({
      started: false,
      reason: "A sync is already running",
    });
    expect(runningSync(SOLO_COMPANY_ID)).toBeUndefined();
    expect(await requestSync(SOLO_COMPANY_ID, "schedule")).toEqual({
      started: false,
      reason: "Not due, or a sync is already running",
    });
    expect(runningSync(SOLO_COMPANY_ID)).toBeUndefined();
    expect(runningSyncCount()).toBe(0);
    const state = await world.prisma.syncState.findUniqueOrThrow({ where: { companyId: SOLO_COMPANY_ID } });
    expect(state.leaseOwner).toBe("other-host:1:beef");
  });

  it("a scheduled request starts only if the company is due at the scheduler's time; Sync now ignores the schedule", async () => {
    const nextRunAt = new Date(Date.now() + 3_600_000);
    await world.prisma.syncState.upsert({
      where: { companyId: SOLO_COMPANY_ID },
      create: { companyId: SOLO_COMPANY_ID, nextRunAt },
      update: { nextRunAt },
    });
    // Due "now" means not due: the next run is an hour away.
    expect(await requestSync(SOLO_COMPANY_ID, "schedule")).toEqual({
      started: false,
      reason: "Not due, or a sync is already running",
    });
    expect(await requestSync(SOLO_COMPANY_ID, "schedule", { dueAt: new Date(Date.now() + 60_000) })).toEqual({
      started: false,
      reason: "Not due, or a sync is already running",
    });
    expect(runningSyncCount()).toBe(0);
    // The scheduler's "now" past the next run: due.
    expect(await requestSync(SOLO_COMPANY_ID, "schedule", { dueAt: new Date(nextRunAt.getTime() + 1_000) })).toEqual({
      started: true,
    });
    expect(await runningSync(SOLO_COMPANY_ID)).toMatchObject({ status: "succeeded" });
    // Not due again (the run set the next one an interval away), but Sync now runs anyway.
    const state = await world.prisma.syncState.findUniqueOrThrow({ where: { companyId: SOLO_COMPANY_ID } });
    expect(state.nextRunAt!.getTime()).toBeGreaterThan(Date.now());
    expect(await requestSync(SOLO_COMPANY_ID, "manual")).toEqual({ started: true });
    expect(await runningSync(SOLO_COMPANY_ID)).toMatchObject({ status: "succeeded" });
  });

  it("a start that fails taking the lease throws, and leaves no run behind in this process", async () => {
    // An invalid scheduler time fails inside the lease statement's arguments.
    await expect(requestSync(SOLO_COMPANY_ID, "schedule", { dueAt: new Date(Number.NaN) })).rejects.toThrow(RangeError);
    expect(runningSync(SOLO_COMPANY_ID)).toBeUndefined();
    expect(runningSyncCount()).toBe(0);
    expect(await requestSync(SOLO_COMPANY_ID, "manual")).toEqual({ started: true });
    expect(await runningSync(SOLO_COMPANY_ID)).toMatchObject({ status: "succeeded" });
  });

  it("hands the run its lease time, logger, page callback and the user who asked", async () => {
    const g = gate();
    const { logger, lines } = captureLogger();
    const { userId } = await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: SOLO_COMPANY_ID } });
    const before = Date.now();
    expect(
      await requestSync(SOLO_COMPANY_ID, "manual", {
        onPage: g.onPage,
        logger,
        leaseTtlMs: 600_000,
        requestedBy: userId,
      }),
    ).toEqual({ started: true });
    await g.reached;
    const held = await world.prisma.syncState.findUniqueOrThrow({ where: { companyId: SOLO_COMPANY_ID } });
    expect(held.leaseOwner).not.toBeNull();
    // Ten minutes, not the default minute.
    expect(held.leaseExpiresAt!.getTime()).toBeGreaterThan(before + 500_000);
    g.release();
    expect(await runningSync(SOLO_COMPANY_ID)).toMatchObject({ status: "succeeded" });
    expect(lines().some((l) => l.msg === "sync: run started" && l.companyId === SOLO_COMPANY_ID)).toBe(true);
    const event = await world.prisma.connectionEvent.findFirstOrThrow({
      where: { companyId: SOLO_COMPANY_ID, type: "sync_succeeded" },
      orderBy: { id: "desc" },
    });
    expect(event).toMatchObject({ actor: "user", actorUserId: userId });
  });

  it("without a lease time the run holds the default lease", async () => {
    const g = gate();
    const before = Date.now();
    expect(await requestSync(SOLO_COMPANY_ID, "manual", { onPage: g.onPage })).toEqual({ started: true });
    await g.reached;
    const held = await world.prisma.syncState.findUniqueOrThrow({ where: { companyId: SOLO_COMPANY_ID } });
    expect(held.leaseExpiresAt!.getTime()).toBeGreaterThanOrEqual(before + SYNC_DEFAULTS.leaseTtlMs - 5_000);
    expect(held.leaseExpiresAt!.getTime()).toBeLessThan(before + SYNC_DEFAULTS.leaseTtlMs + 30_000);
    g.release();
    expect(await runningSync(SOLO_COMPANY_ID)).toMatchObject({ status: "succeeded" });
  });

  it("a run that crashes is logged with its company, resolves to nothing and frees the slot", async () => {
    const capture = captureLogger();
    setProcessLogger(capture.logger);
    const broken = {
      child() {
        throw new Error("logger broke");
      },
    } as unknown as Logger;
    expect(await requestSync(SOLO_COMPANY_ID, "manual", { logger: broken })).toEqual({ started: true });
    const pending = runningSync(SOLO_COMPANY_ID);
    expect(pending).toBeDefined();
    await expect(pending).resolves.toBeUndefined();
    expect(runningSync(SOLO_COMPANY_ID)).toBeUndefined();
    const crashed = capture.lines().filter((l) => l.msg === "sync: run crashed");
    expect(crashed).toHaveLength(1);
    expect(crashed[0]).toMatchObject({ module: "sync", companyId: SOLO_COMPANY_ID, level: 50 });
    expect(JSON.stringify(crashed[0].err)).toContain("logger broke");
  });

  it("stopSync stops that company's run after its page and waits for it; other companies and no run are fine", async () => {
    await stopSync(UNKNOWN_COMPANY);
    const g = gate();
    expect(await requestSync(SOLO_COMPANY_ID, "manual", { onPage: g.onPage })).toEqual({ started: true });
    await g.reached;
    const pending = runningSync(SOLO_COMPANY_ID)!;
    await stopSync(UNKNOWN_COMPANY);
    expect(runningSync(SOLO_COMPANY_ID)).toBe(pending);
    const stopped = stopSync(SOLO_COMPANY_ID);
    g.release();
    await stopped;
    // stopSync waited for the run: it is over when stopSync returns.
    expect(runningSync(SOLO_COMPANY_ID)).toBeUndefined();
    expect(await pending).toMatchObject({ started: true, status: "aborted", error: "stopped" });
  });

  it("stopAllSyncs stops every run with the reason given (default: stopped) and waits for them", async () => {
    await stopAllSyncs();
    for (const [reason, expected] of [
      [undefined, "stopped"],
      ["shutdown", "shutdown"],
    ] as const) {
      const g = gate();
      expect(await requestSync(SOLO_COMPANY_ID, "manual", { onPage: g.onPage })).toEqual({ started: true });
      await g.reached;
      const pending = runningSync(SOLO_COMPANY_ID)!;
      const stopped = stopAllSyncs(reason);
      g.release();
      await stopped;
      expect(runningSyncCount()).toBe(0);
      expect(await pending).toMatchObject({ started: true, status: "aborted", error: expected });
    }
  });
});
