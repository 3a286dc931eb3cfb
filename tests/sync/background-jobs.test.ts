/**
 * lib/sync/background.ts on its own: the first sync after a connect (and what is logged when it does
 * not start), one set of background jobs per process, what they do with test timings (the schedule's
 * ticks, the installation check and first sync on connect, activity-log pruning), and how they stop
 * (by hand or at shutdown). Real runs on PGlite against the sandbox's small companies.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { onCompanyConnected } from "@/lib/connections/events";
import { resetShutdownForTests, shutdown } from "@/lib/ops/shutdown";
import { resetTokenManagerForProcess } from "@/lib/pleo/tokens";
import { startBackgroundJobs, startSyncAfterConnect } from "@/lib/sync/background";
import { runningSync, runningSyncCount, stopAllSyncs } from "@/lib/sync/trigger";
import { sleep } from "@/lib/util/async";
import { DEMO_SECOND_COMPANY_ID, SOLO_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { captureLogger, setProcessLogger } from "@/tests/support/logs";
import { createWorld, type World } from "@/tests/support/world";
import { holdDatabase, SYNC_ENV } from "./support";

const UNKNOWN_COMPANY = "00000000-0000-4000-8000-000000000000";
const DAY = 24 * 3600 * 1000;

async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(25);
  }
}

describe("background jobs (pglite)", () => {
  let world: World;
  let jobs: { stop(): Promise<void> } | undefined;
  beforeAll(async () => {
    world = await createWorld({
      database: "pglite",
      sandbox: { entries: 40, rateLimit: false },
      env: SYNC_ENV,
      companies: [SOLO_COMPANY_ID, DEMO_SECOND_COMPANY_ID],
    });
  });
  afterAll(async () => {
    await stopAllSyncs();
    await world?.close();
  });
  beforeEach(async () => {
    // Nothing is due unless a test makes it so: the scheduler leaves these companies alone.
    await world.prisma.pleoConnection.updateMany({ data: { status: "CONNECTED", syncEnabled: false } });
    await world.prisma.syncState.updateMany({ data: { leaseOwner: null, leaseExpiresAt: null } });
  });
  afterEach(async () => {
    await jobs?.stop();
    jobs = undefined;
    resetShutdownForTests();
    setProcessLogger(undefined);
    await stopAllSyncs();
  });

  it("after a connect the first sync starts at once, as a connect run", async () => {
    const capture = captureLogger();
    setProcessLogger(capture.logger);
    await startSyncAfterConnect(SOLO_COMPANY_ID);
    const pending = runningSync(SOLO_COMPANY_ID);
    expect(pending).toBeDefined();
    expect(await pending).toMatchObject({ started: true, status: "succeeded" });
    const run = await world.prisma.syncRun.findFirstOrThrow({
      where: { companyId: SOLO_COMPANY_ID },
      orderBy: { startedAt: "desc" },
    });
    expect(run.trigger).toBe("connect");
    expect(capture.lines().filter((l) => l.msg === "sync: first sync not started")).toEqual([]);
  });

  it("a first sync that cannot start says why in the log", async () => {
    const capture = captureLogger();
    setProcessLogger(capture.logger);
    await startSyncAfterConnect(UNKNOWN_COMPANY);
    expect(runningSyncCount()).toBe(0);
    const lines = capture.lines().filter((l) => l.msg === "sync: first sync not started");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      module: "sync",
      companyId: UNKNOWN_COMPANY,
      reason: "This company is not connected",
    });
  });

  it("one set of jobs per process: a second start returns the running one; after stop a new one starts", async () => {
    const capture = captureLogger();
    setProcessLogger(capture.logger);
    const first = startBackgroundJobs({ schedulerTickMs: 60_000, keepAliveFirstMs: 60_000 });
    jobs = first;
    expect(startBackgroundJobs()).toBe(first);
    const started = capture.lines().filter((l) => String(l.msg).startsWith("background jobs started"));
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ module: "background", level: 30 });
    await first.stop();
    const second = startBackgroundJobs({ schedulerTickMs: 60_000, keepAliveFirstMs: 60_000 });
    jobs = second;
    expect(second).not.toBe(first);
  });

  it("a connect runs the first sync and the installation check; after stop a connect starts nothing", async () => {
    jobs = startBackgroundJobs({ schedulerTickMs: 60_000, keepAliveFirstMs: 60_000 });
    await world.prisma.pleoConnection.update({
      where: { companyId: SOLO_COMPANY_ID },
      data: { installationCheckedAt: null },
    });
    await onCompanyConnected(SOLO_COMPANY_ID);
    const pending = runningSync(SOLO_COMPANY_ID);
    expect(pending).toBeDefined();
    expect(await pending).toMatchObject({ started: true, status: "succeeded" });
    await until(
      async () =>
        (await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: SOLO_COMPANY_ID } }))
          .installationCheckedAt !== null,
    );
    await jobs.stop();
    jobs = undefined;
    await world.prisma.pleoConnection.update({
      where: { companyId: SOLO_COMPANY_ID },
      data: { installationCheckedAt: null },
    });
    await onCompanyConnected(SOLO_COMPANY_ID);
    expect(runningSync(SOLO_COMPANY_ID)).toBeUndefined();
    await sleep(300);
    const connection = await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: SOLO_COMPANY_ID } });
    expect(connection.installationCheckedAt).toBeNull();
  });

  it("the schedule ticks at the given interval: a company that becomes due is started within a tick", async () => {
    await world.prisma.pleoConnection.update({
      where: { companyId: DEMO_SECOND_COMPANY_ID },
      data: { syncEnabled: true },
    });
    const dueAt = new Date(Date.now() + 3_000);
    await world.prisma.syncState.upsert({
      where: { companyId: DEMO_SECOND_COMPANY_ID },
      create: { companyId: DEMO_SECOND_COMPANY_ID, nextRunAt: dueAt },
      update: { nextRunAt: dueAt },
    });
    const runsBefore = await world.prisma.syncRun.count({ where: { companyId: DEMO_SECOND_COMPANY_ID } });
    jobs = startBackgroundJobs({ schedulerTickMs: 100, keepAliveFirstMs: 60_000 });
    // Past the first pass (at most two seconds after start), only a short tick can start it in time.
    await until(
      async () => (await world.prisma.syncRun.count({ where: { companyId: DEMO_SECOND_COMPANY_ID } })) > runsBefore,
      8_000,
    );
    const run = await world.prisma.syncRun.findFirstOrThrow({
      where: { companyId: DEMO_SECOND_COMPANY_ID },
      orderBy: { startedAt: "desc" },
    });
    expect(run.trigger).toBe("schedule");
    expect(run.startedAt.getTime()).toBeGreaterThanOrEqual(dueAt.getTime() - 1_000);
  });

  it("the first hourly pass comes at the given delay: activity older than 90 days is pruned, newer kept", async () => {
    const now = Date.now();
    const old = await world.prisma.connectionEvent.create({
      data: { companyId: SOLO_COMPANY_ID, type: "sync_succeeded", actor: "scheduler", at: new Date(now - 91 * DAY) },
    });
    const recent = await world.prisma.connectionEvent.create({
      data: { companyId: SOLO_COMPANY_ID, type: "sync_succeeded", actor: "scheduler", at: new Date(now - 89 * DAY) },
    });
    const capture = captureLogger();
    setProcessLogger(capture.logger);
    jobs = startBackgroundJobs({ schedulerTickMs: 60_000, keepAliveFirstMs: 50 });
    await until(async () => (await world.prisma.connectionEvent.count({ where: { id: old.id } })) === 0, 5_000);
    expect(await world.prisma.connectionEvent.count({ where: { id: recent.id } })).toBe(1);
    expect(capture.lines().filter((l) => l.level === 50)).toEqual([]);
  });

  it("a shutdown stops the jobs (a step of its own): the next start is a new set", async () => {
    const capture = captureLogger();
    setProcessLogger(capture.logger);
    const first = startBackgroundJobs({ schedulerTickMs: 60_000, keepAliveFirstMs: 60_000 });
    jobs = first;
    const result = await shutdown({ reason: "test", timeoutMs: 10_000 });
    expect(result.clean).toBe(true);
    const steps = capture.lines().filter((l) => l.module === "shutdown" && l.step !== undefined);
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ level: 30, step: "background jobs", msg: "shutdown: background jobs stopped" });
    resetShutdownForTests();
    const second = startBackgroundJobs({ schedulerTickMs: 60_000, keepAliveFirstMs: 60_000 });
    jobs = second;
    expect(second).not.toBe(first);
    // The connect hook is registered once, by the new set only: one first sync.
    await onCompanyConnected(SOLO_COMPANY_ID);
    expect(runningSyncCount()).toBe(1);
    await runningSync(SOLO_COMPANY_ID);
  });

  it("stop waits for the scheduler's runs to end; a first hourly pass not yet due never runs", async () => {
    await world.prisma.pleoConnection.update({ where: { companyId: SOLO_COMPANY_ID }, data: { syncEnabled: true } });
    await world.prisma.syncState.updateMany({ data: { nextRunAt: null } });
    const old = await world.prisma.connectionEvent.create({
      data: {
        companyId: SOLO_COMPANY_ID,
        type: "sync_succeeded",
        actor: "scheduler",
        at: new Date(Date.now() - 91 * DAY),
      },
    });
    const started = startBackgroundJobs({ schedulerTickMs: 100, keepAliveFirstMs: 3_000 });
    jobs = started;
    await until(() => runningSyncCount() === 1, 8_000);
    await started.stop();
    jobs = undefined;
    expect(runningSyncCount()).toBe(0);
    await sleep(3_500);
    expect(await world.prisma.connectionEvent.count({ where: { id: old.id } })).toBe(1);
    await world.prisma.connectionEvent.delete({ where: { id: old.id } });
  });

  it("a pruning pass that fails is logged, and the jobs go on", async () => {
    const capture = captureLogger();
    setProcessLogger(capture.logger);
    await world.prisma.$executeRawUnsafe(`ALTER TABLE "ConnectionEvent" RENAME TO "ConnectionEventAway"`);
    try {
      jobs = startBackgroundJobs({ schedulerTickMs: 60_000, keepAliveFirstMs: 10 });
      await until(() => capture.lines().some((l) => l.msg === "activity pruning failed"), 5_000);
    } finally {
      await world.prisma.$executeRawUnsafe(`ALTER TABLE "ConnectionEventAway" RENAME TO "ConnectionEvent"`);
    }
    const line = capture.lines().find((l) => l.msg === "activity pruning failed")!;
    expect(line).toMatchObject({ module: "background", level: 50 });
    expect(line.err).toBeDefined();
  });

  it("owed uninstalls are retried at the given interval; a failed pass is logged and the next one tries again", async () => {
    const capture = captureLogger();
    setProcessLogger(capture.logger);
    const failures = () => capture.lines().filter((l) => l.msg === "uninstall retry pass failed");
    await world.prisma.$executeRawUnsafe(`ALTER TABLE "Disconnection" RENAME TO "DisconnectionAway"`);
    try {
      jobs = startBackgroundJobs({ schedulerTickMs: 60_000, keepAliveFirstMs: 60_000, uninstallRetryMs: 50 });
      await until(() => failures().length >= 2, 5_000);
      expect(failures()[0]).toMatchObject({ module: "background", level: 50 });
      expect(failures()[0].err).toMatchObject({ message: 'relation "public.Disconnection" does not exist' });
      await jobs.stop();
      jobs = undefined;
      const after = failures().length;
      await sleep(300);
      expect(failures()).toHaveLength(after);
    } finally {
      await world.prisma.$executeRawUnsafe(`ALTER TABLE "DisconnectionAway" RENAME TO "Disconnection"`);
    }
  });

  it("an installation check that fails after a connect (not an answer from Pleo) is logged with the company", async () => {
    const capture = captureLogger();
    setProcessLogger(capture.logger);
    jobs = startBackgroundJobs({ schedulerTickMs: 60_000, keepAliveFirstMs: 60_000 });
    // No connection: the client cannot get a token, which is no Pleo failure the check itself handles.
    await onCompanyConnected(UNKNOWN_COMPANY);
    await until(() => capture.lines().some((l) => l.msg === "installation check failed"), 5_000);
    const lines = capture.lines().filter((l) => l.msg === "installation check failed");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ module: "background", level: 50, companyId: UNKNOWN_COMPANY });
    expect(JSON.stringify(lines[0].err)).toContain("ConnectionNotFoundError");
  });

  it("the first hourly pass also keeps idle refresh tokens alive; a keep-alive pass that fails is logged", async () => {
    resetTokenManagerForProcess();
    const idleSince = new Date(Date.now() - 8 * DAY);
    await world.prisma.pleoConnection.update({
      where: { companyId: SOLO_COMPANY_ID },
      data: { refreshTokenIssuedAt: idleSince },
    });
    jobs = startBackgroundJobs({ schedulerTickMs: 60_000, keepAliveFirstMs: 50 });
    await until(
      async () =>
        (
          await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: SOLO_COMPANY_ID } })
        ).refreshTokenIssuedAt.getTime() > idleSince.getTime(),
      8_000,
    );
    await jobs.stop();
    jobs = undefined;

    const capture = captureLogger();
    setProcessLogger(capture.logger);
    const failed = () => capture.lines().filter((l) => l.msg === "token keep-alive pass failed");
    // The keep-alive's query of idle connections fails while the table is away.
    await world.prisma.$executeRawUnsafe(`ALTER TABLE "PleoConnection" RENAME TO "PleoConnectionAway"`);
    try {
      jobs = startBackgroundJobs({ schedulerTickMs: 60_000, keepAliveFirstMs: 10 });
      await until(() => failed().length > 0, 5_000);
      await jobs.stop();
      jobs = undefined;
    } finally {
      await world.prisma.$executeRawUnsafe(`ALTER TABLE "PleoConnectionAway" RENAME TO "PleoConnection"`);
    }
    expect(failed()).toHaveLength(1);
    expect(failed()[0]).toMatchObject({ module: "background", level: 50 });
    expect(failed()[0].err).toMatchObject({ message: 'relation "public.PleoConnection" does not exist' });
  });

  it("by default the hourly pass is minutes away and uninstalls are retried each minute: nothing in the first seconds", async () => {
    const capture = captureLogger();
    setProcessLogger(capture.logger);
    const old = await world.prisma.connectionEvent.create({
      data: {
        companyId: SOLO_COMPANY_ID,
        type: "sync_succeeded",
        actor: "scheduler",
        at: new Date(Date.now() - 91 * DAY),
      },
    });
    // An uninstall pass would fail on the missing table, and say so.
    await world.prisma.$executeRawUnsafe(`ALTER TABLE "Disconnection" RENAME TO "DisconnectionAway"`);
    try {
      jobs = startBackgroundJobs({ schedulerTickMs: 60_000 });
      await sleep(1_500);
      await jobs.stop();
      jobs = undefined;
    } finally {
      await world.prisma.$executeRawUnsafe(`ALTER TABLE "DisconnectionAway" RENAME TO "Disconnection"`);
    }
    expect(capture.lines().filter((l) => l.msg === "uninstall retry pass failed")).toEqual([]);
    expect(await world.prisma.connectionEvent.count({ where: { id: old.id } })).toBe(1);
    await world.prisma.connectionEvent.delete({ where: { id: old.id } });
  });

  it("an uninstall retry pass still under way when the next one is due is not started twice", async () => {
    const capture = captureLogger();
    setProcessLogger(capture.logger);
    const failures = () => capture.lines().filter((l) => l.msg === "uninstall retry pass failed");
    await world.prisma.$executeRawUnsafe(`ALTER TABLE "Disconnection" RENAME TO "DisconnectionAway"`);
    try {
      // The first pass waits for the database for twenty intervals; passes started meanwhile would queue
      // behind it and all fail together once it answers.
      const release = await holdDatabase(world);
      jobs = startBackgroundJobs({ schedulerTickMs: 60_000, keepAliveFirstMs: 60_000, uninstallRetryMs: 40 });
      await sleep(800);
      await release();
      await until(() => failures().length >= 3, 5_000);
      await jobs.stop();
      jobs = undefined;
      // One pass at a time: the first three failures come from three ticks, 40 ms apart (not milliseconds).
      const times = failures()
        .slice(0, 3)
        .map((l) => new Date(l.time as string | number).getTime());
      expect(times[2] - times[0]).toBeGreaterThanOrEqual(40);
    } finally {
      await world.prisma.$executeRawUnsafe(`ALTER TABLE "DisconnectionAway" RENAME TO "Disconnection"`);
    }
  });
});
