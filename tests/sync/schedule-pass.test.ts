/**
 * lib/sync/scheduler.ts on its own: which companies are due (status, sync switch, next run, lease,
 * order, limit), a scheduling pass (how many it starts, what it skips) and the ticking scheduler
 * (first pass soon after start, failures logged, stop). Three sandbox companies on PGlite; runs are
 * real and held at their first page where a test needs them running.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resetShutdownForTests, shutdown } from "@/lib/ops/shutdown";
import { dueCompanies, scheduleDueSyncs, startSyncScheduler } from "@/lib/sync/scheduler";
import { requestSync, runningSync, runningSyncCount, stopAllSyncs } from "@/lib/sync/trigger";
import { sleep } from "@/lib/util/async";
import { DEMO_SECOND_COMPANY_ID, LARGE_COMPANY_ID, SOLO_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { captureLogger, setProcessLogger } from "@/tests/support/logs";
import { createWorld, type World } from "@/tests/support/world";
import { holdDatabase, SYNC_ENV } from "./support";

const A = SOLO_COMPANY_ID;
const B = DEMO_SECOND_COMPANY_ID;
const C = LARGE_COMPANY_ID;
const ALL = [A, B, C];
const HOUR = 3_600_000;

async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(25);
  }
}

describe("the schedule: due companies, scheduling passes, the ticking scheduler (pglite)", () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld({
      database: "pglite",
      sandbox: { entries: 40, rateLimit: false },
      env: SYNC_ENV,
      companies: ALL,
    });
  });
  afterAll(async () => {
    await stopAllSyncs();
    await world?.close();
  });
  beforeEach(async () => {
    await world.prisma.pleoConnection.updateMany({ data: { status: "CONNECTED", syncEnabled: true } });
    await world.prisma.syncState.deleteMany();
  });
  afterEach(async () => {
    resetShutdownForTests();
    setProcessLogger(undefined);
    await stopAllSyncs();
    expect(runningSyncCount()).toBe(0);
  });

  const setState = (
    companyId: string,
    data: { nextRunAt?: Date | null; leaseOwner?: string | null; leaseExpiresAt?: Date | null },
  ) => world.prisma.syncState.upsert({ where: { companyId }, create: { companyId, ...data }, update: data });

  it("never synced, or no next run set: due at once; a next run in the future: not yet", async () => {
    const now = new Date();
    expect((await dueCompanies(10, now)).sort()).toEqual([...ALL].sort());
    expect((await dueCompanies(10)).sort()).toEqual([...ALL].sort());
    await setState(A, { nextRunAt: null });
    await setState(B, { nextRunAt: new Date(now.getTime() + HOUR) });
    await setState(C, { nextRunAt: now });
    expect((await dueCompanies(10, now)).sort()).toEqual([A, C].sort());
    // Without a time: now.
    expect((await dueCompanies(10)).sort()).toEqual([A, C].sort());
    // Later, B is due too; earlier, C is not.
    expect((await dueCompanies(10, new Date(now.getTime() + 2 * HOUR))).sort()).toEqual([...ALL].sort());
    expect(await dueCompanies(10, new Date(now.getTime() - 1_000))).toEqual([A]);
  });

  it("only connected companies with sync on are due", async () => {
    await world.prisma.pleoConnection.update({ where: { companyId: A }, data: { status: "NEEDS_REAUTH" } });
    await world.prisma.pleoConnection.update({ where: { companyId: B }, data: { status: "DISCONNECTED" } });
    expect(await dueCompanies(10)).toEqual([C]);
    await world.prisma.pleoConnection.update({ where: { companyId: C }, data: { syncEnabled: false } });
    expect(await dueCompanies(10)).toEqual([]);
  });

  it("a live lease keeps a company off the list; an expired one, or an owner without an expiry, does not", async () => {
    await setState(A, { leaseOwner: "other:1:a", leaseExpiresAt: new Date(Date.now() + 60_000) });
    await setState(B, { leaseOwner: "other:1:b", leaseExpiresAt: new Date(Date.now() - 1_000) });
    await setState(C, { leaseOwner: "other:1:c", leaseExpiresAt: null });
    expect((await dueCompanies(10)).sort()).toEqual([B, C].sort());
    await setState(A, { leaseOwner: null, leaseExpiresAt: new Date(Date.now() + 60_000) });
    expect((await dueCompanies(10)).sort()).toEqual([...ALL].sort());
  });

  it("the longest-waiting come first (never synced before all), and the limit is kept", async () => {
    const now = Date.now();
    await setState(A, { nextRunAt: new Date(now - 1_000) });
    await setState(B, { nextRunAt: new Date(now - 3_000) });
    expect(await dueCompanies(10)).toEqual([C, B, A]);
    expect(await dueCompanies(2)).toEqual([C, B]);
    expect(await dueCompanies(1)).toEqual([C]);
    await setState(C, { nextRunAt: null });
    expect((await dueCompanies(10))[2]).toBe(A);
  });

  it("a pass starts at most the free slots, takes the longest-waiting, and records them as scheduled runs", async () => {
    const now = new Date();
    await setState(A, { nextRunAt: new Date(now.getTime() - 3_000) });
    await setState(B, { nextRunAt: new Date(now.getTime() - 2_000) });
    await setState(C, { nextRunAt: new Date(now.getTime() - 1_000) });
    expect(await scheduleDueSyncs(0, now)).toEqual([]);
    expect(await scheduleDueSyncs(-1, now)).toEqual([]);
    expect(runningSyncCount()).toBe(0);
    const started = await scheduleDueSyncs(1, now);
    expect(started).toEqual([A]);
    expect(runningSyncCount()).toBe(1);
    await runningSync(A);
    const second = await scheduleDueSyncs(2, now);
    expect(second).toEqual([B, C]);
    await Promise.all(second.map((id) => runningSync(id)));
    const runs = await world.prisma.syncRun.findMany({ where: { companyId: { in: ALL } } });
    expect(runs).toHaveLength(3);
    expect(runs.every((r) => r.trigger === "schedule")).toBe(true);
  });

  it("runs under way use up slots; a company this process is running is skipped and the next one taken", async () => {
    const now = Date.now();
    await setState(A, { nextRunAt: new Date(now - 3_000) });
    await setState(B, { nextRunAt: new Date(now - 2_000) });
    await setState(C, { nextRunAt: new Date(now - 1_000) });
    const runsOfC = await world.prisma.syncRun.count({ where: { companyId: C } });
    let release!: () => void;
    const open = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const there = new Promise<void>((r) => (reached = r));
    expect(
      await requestSync(A, "manual", {
        onPage: async () => {
          reached();
          await open;
        },
      }),
    ).toEqual({ started: true });
    try {
      await there;
      // One run under way and at most one allowed: no room.
      expect(await scheduleDueSyncs(1)).toEqual([]);
      // Its lease looks expired to the database (a stall): A is listed first but this process is running it.
      await setState(A, { leaseExpiresAt: new Date(now - 1_000) });
      expect((await dueCompanies(10))[0]).toBe(A);
      expect(await scheduleDueSyncs(2)).toEqual([B]);
    } finally {
      release();
    }
    await Promise.all([runningSync(A), runningSync(B)]);
    expect(await world.prisma.syncRun.count({ where: { companyId: C } })).toBe(runsOfC);
  });

  it("a due company the run refuses (another pass took it meanwhile) is not counted as started", async () => {
    const now = new Date();
    await setState(A, { nextRunAt: new Date(now.getTime() - 1_000) });
    await setState(B, { nextRunAt: new Date(now.getTime() + HOUR) });
    await setState(C, { nextRunAt: new Date(now.getTime() + HOUR) });
    // Two passes at once see the same due list: one of them starts A, the other is refused.
    const passes = await Promise.all([scheduleDueSyncs(3, now), scheduleDueSyncs(3, now)]);
    expect(passes.flat()).toEqual([A]);
    await runningSync(A);
    // The pass's own time decides what is due: two hours on, all three.
    const later = new Date(now.getTime() + 2 * HOUR);
    const next = await scheduleDueSyncs(3, later);
    expect(next.sort()).toEqual([...ALL].sort());
    await Promise.all(next.map((id) => runningSync(id)));
  });

  it("the scheduler's first pass comes soon after start, not a tick later; stop ends its runs as a shutdown", async () => {
    // A one-page company would finish before it could be stopped: leave it out.
    await world.prisma.pleoConnection.update({ where: { companyId: C }, data: { syncEnabled: false } });
    // A tick of ten minutes: only the first pass (after at most two seconds) can start anything.
    const scheduler = startSyncScheduler({ tickMs: 600_000, maxConcurrent: 1 });
    try {
      await until(() => runningSyncCount() === 1, 8_000);
      const id = ALL.find((c) => runningSync(c));
      expect(id).toBeDefined();
      const pending = runningSync(id!)!;
      await scheduler.stop();
      expect(runningSyncCount()).toBe(0);
      expect(await pending).toMatchObject({ started: true, status: "aborted", error: "shutdown" });
      const run = await world.prisma.syncRun.findFirstOrThrow({
        where: { companyId: id! },
        orderBy: { startedAt: "desc" },
      });
      expect(run.trigger).toBe("schedule");
    } finally {
      await scheduler.stop();
    }
  });

  it("the scheduler keeps ticking: companies that become due are started on a later tick; nothing after stop", async () => {
    const scheduler = startSyncScheduler({ tickMs: 100, maxConcurrent: 3 });
    try {
      await until(async () => (await world.prisma.syncRun.count({ where: { companyId: { in: ALL } } })) >= 3);
      await until(() => runningSyncCount() === 0);
      // Due again: the next ticks take them (a backfill is followed straight away by an incremental pass).
      await until(async () => (await world.prisma.syncRun.count({ where: { companyId: { in: ALL } } })) >= 6);
      await scheduler.stop();
      const count = await world.prisma.syncRun.count();
      await world.prisma.syncState.updateMany({ data: { nextRunAt: null } });
      await sleep(400);
      expect(runningSyncCount()).toBe(0);
      expect(await world.prisma.syncRun.count()).toBe(count);
    } finally {
      await scheduler.stop();
    }
  });

  it("a pass that fails is logged and the scheduler goes on ticking", async () => {
    const capture = captureLogger();
    setProcessLogger(capture.logger);
    const failures = () => capture.lines().filter((l) => l.msg === "sync: scheduling pass failed");
    // The database refuses the due-companies query while the table is away.
    await world.prisma.$executeRawUnsafe(`ALTER TABLE "SyncState" RENAME TO "SyncStateAway"`);
    const scheduler = startSyncScheduler({ tickMs: 50, maxConcurrent: 3 });
    try {
      try {
        await until(() => failures().length >= 2);
      } finally {
        await world.prisma.$executeRawUnsafe(`ALTER TABLE "SyncStateAway" RENAME TO "SyncState"`);
      }
      expect(failures()[0]).toMatchObject({ module: "sync", level: 50 });
      expect(JSON.stringify(failures()[0].err)).toContain("PrismaClientKnownRequestError");
      // Back: the next ticks start the due companies.
      await until(() => capture.lines().some((l) => l.msg === "sync: run started"));
    } finally {
      await scheduler.stop();
    }
  });

  it("a tick while the last pass is still under way starts no second pass: the slots are never overcommitted", async () => {
    const since = new Date();
    const release = await holdDatabase(world);
    // One slot, ticks every 20 ms: passes that overlapped would each see the slot free and start a run.
    const scheduler = startSyncScheduler({ tickMs: 20, maxConcurrent: 1 });
    try {
      await sleep(400);
      await release();
      const ours = { startedAt: { gte: since } };
      await until(
        async () => (await world.prisma.syncRun.count({ where: { ...ours, finishedAt: { not: null } } })) >= 2,
      );
      await scheduler.stop();
      const runs = await world.prisma.syncRun.findMany({ where: ours, orderBy: { startedAt: "asc" } });
      expect(runs.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < runs.length; i++) {
        // Each run starts after the one before it has finished.
        expect(runs[i - 1].finishedAt).not.toBeNull();
        expect(runs[i].startedAt.getTime()).toBeGreaterThanOrEqual(runs[i - 1].finishedAt!.getTime());
      }
    } finally {
      await release();
      await scheduler.stop();
    }
  });

  it("stop waits for a pass under way, which starts nothing more: no run after stop returns", async () => {
    const runsBefore = await world.prisma.syncRun.count();
    const release = await holdDatabase(world);
    const scheduler = startSyncScheduler({ tickMs: 50, maxConcurrent: 3 });
    let stopped = false;
    try {
      // The first pass (at 50 ms) waits for the database.
      await sleep(300);
      const stopping = scheduler.stop().then(() => (stopped = true));
      await sleep(100);
      await release();
      await stopping;
      expect(stopped).toBe(true);
      expect(runningSyncCount()).toBe(0);
      // The pass found three due companies once the database answered, and started none of them.
      expect(await world.prisma.syncRun.count()).toBe(runsBefore);
      await sleep(500);
      expect(runningSyncCount()).toBe(0);
      expect(await world.prisma.syncRun.count()).toBe(runsBefore);
    } finally {
      await release();
      await scheduler.stop();
    }
  });

  it("while the process shuts down no pass runs: the scheduler leaves the database alone", async () => {
    const capture = captureLogger();
    setProcessLogger(capture.logger);
    const failures = () => capture.lines().filter((l) => l.msg === "sync: scheduling pass failed");
    // A pass would fail on the missing table, and say so.
    await world.prisma.$executeRawUnsafe(`ALTER TABLE "SyncState" RENAME TO "SyncStateAway"`);
    try {
      expect((await shutdown({ reason: "test", timeoutMs: 5_000 })).clean).toBe(true);
      const scheduler = startSyncScheduler({ tickMs: 20, maxConcurrent: 3 });
      try {
        await sleep(400);
        expect(failures()).toEqual([]);
        // The same scheduler, once the process is no longer shutting down: its passes run (and fail here).
        resetShutdownForTests();
        await until(() => failures().length >= 1, 5_000);
      } finally {
        await scheduler.stop();
      }
    } finally {
      await world.prisma.$executeRawUnsafe(`ALTER TABLE "SyncStateAway" RENAME TO "SyncState"`);
    }
  });
});
