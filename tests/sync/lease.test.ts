import { spawn } from "node:child_process";
import { hostname } from "node:os";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createDatabase } from "@/lib/db/connect";
import {
  acquireLease,
  expectHeld,
  LeaseLostError,
  leaseIsLive,
  newLeaseOwner,
  releaseLease,
  renewLease,
  startHeartbeat,
} from "@/lib/sync/lease";
import { runSync, type RunSyncResult } from "@/lib/sync/run";
import { requestSync, runningSync } from "@/lib/sync/trigger";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { sleep } from "@/lib/util/async";
import {
  createTestDatabase,
  DATABASE_KINDS,
  databaseUnavailable,
  hasPostgres,
  type TestDatabase,
} from "@/tests/support/db";
import { seedCompany } from "@/tests/support/expense-seed";
import { captureLogger } from "@/tests/support/logs";
import { createWorld, type World } from "@/tests/support/world";
import { expectEqualToSandbox, SYNC_ENV } from "./support";

const ENTRIES = 1000;

for (const kind of DATABASE_KINDS) {
  describe.skipIf(databaseUnavailable(kind))(`one sync per company (${kind})`, () => {
    let world: World;
    beforeAll(async () => {
      world = await createWorld({
        database: kind,
        sandbox: { entries: ENTRIES, rateLimit: false },
        env: SYNC_ENV,
        companies: [LARGE_COMPANY_ID],
      });
    });
    afterAll(async () => {
      await world?.close();
    });

    it("of many concurrent lease attempts exactly one wins, and a released lease can be taken again", async () => {
      const owners = Array.from({ length: 12 }, () => newLeaseOwner());
      const won = await Promise.all(owners.map((o) => acquireLease(world.prisma, LARGE_COMPANY_ID, o, 30_000)));
      expect(won.filter(Boolean)).toHaveLength(1);
      const winner = owners[won.indexOf(true)];
      // Releasing with the wrong owner does nothing; the holder's release frees it.
      await releaseLease(
        world.prisma,
        LARGE_COMPANY_ID,
        owners.find((o) => o !== winner)!,
      );
      expect(await acquireLease(world.prisma, LARGE_COMPANY_ID, newLeaseOwner(), 30_000)).toBe(false);
      await releaseLease(world.prisma, LARGE_COMPANY_ID, winner);
      const next = newLeaseOwner();
      expect(await acquireLease(world.prisma, LARGE_COMPANY_ID, next, 30_000)).toBe(true);
      await releaseLease(world.prisma, LARGE_COMPANY_ID, next);
    });

    it("two runs started together: one does the work, the other does not start", async () => {
      const results = await Promise.all([
        runSync({ companyId: LARGE_COMPANY_ID, trigger: "manual" }),
        runSync({ companyId: LARGE_COMPANY_ID, trigger: "schedule" }),
      ]);
      expect(results.filter((r) => r.started)).toHaveLength(1);
      expect(results.filter((r) => !r.started)).toEqual([{ started: false, reason: "already_running" }]);
      expect(results.find((r) => r.started)).toMatchObject({ kind: "backfill", status: "succeeded" });
      await expectEqualToSandbox(world, LARGE_COMPANY_ID);
      expect(await world.prisma.syncRun.count()).toBe(1);
    });

    it("requestSync refuses while a run holds the lease, and returns before the run ends", async () => {
      const first = await requestSync(LARGE_COMPANY_ID, "manual");
      expect(first).toEqual({ started: true });
      const pending = runningSync(LARGE_COMPANY_ID);
      expect(pending).toBeDefined();
      expect(await requestSync(LARGE_COMPANY_ID, "manual")).toEqual({
        started: false,
        reason: "A sync is already running",
      });
      const done = (await pending) as RunSyncResult;
      expect(done).toMatchObject({ started: true, status: "succeeded" });
      expect(runningSync(LARGE_COMPANY_ID)).toBeUndefined();
    });

    it("a run whose lease is taken over stops at once and rolls back the page it was writing", async () => {
      await world.prisma.syncState.update({
        where: { companyId: LARGE_COMPANY_ID },
        data: { backfillCompletedAt: null, backfillCursor: null },
      });
      await world.prisma.accountingEntry.deleteMany();
      const result = await runSync({
        companyId: LARGE_COMPANY_ID,
        trigger: "manual",
        onPage: async (p) => {
          if (p.pages === 2) {
            // Another process took the lease (as if ours had expired while we stalled).
            await world.prisma.syncState.update({
              where: { companyId: LARGE_COMPANY_ID },
              data: { leaseOwner: "other-host:2:cafe", leaseExpiresAt: new Date(Date.now() + 60_000) },
            });
          }
        },
      });
      expect(result).toMatchObject({
        started: true,
        status: "aborted",
        pages: 2,
        error: "lease_lost",
      });
      const state = await world.prisma.syncState.findUniqueOrThrow({ where: { companyId: LARGE_COMPANY_ID } });
      // Our release did not free the other holder's lease; rows match the saved progress.
      expect(state.leaseOwner).toBe("other-host:2:cafe");
      expect(await world.prisma.accountingEntry.count()).toBe(state.backfillSynced);
      expect(state.backfillSynced).toBe(200);
      await world.prisma.syncState.update({
        where: { companyId: LARGE_COMPANY_ID },
        data: { leaseOwner: null, leaseExpiresAt: null },
      });
    });
  });
}

describe.skipIf(!hasPostgres)("one sync per company across processes (postgres)", () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld({
      database: "postgres",
      sandbox: { entries: ENTRIES, rateLimit: false },
      env: SYNC_ENV,
      companies: [LARGE_COMPANY_ID],
    });
  });
  afterAll(async () => {
    await world?.close();
  });

  it("separate database connections racing for the lease: exactly one wins", async () => {
    const clients = Array.from({ length: 6 }, () => createDatabase({ kind: "postgres", url: world.database.url! }));
    try {
      const won = await Promise.all(
        clients.map((c) => acquireLease(c.prisma, LARGE_COMPANY_ID, newLeaseOwner(), 30_000)),
      );
      expect(won.filter(Boolean)).toHaveLength(1);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await world.prisma.syncState.update({
        where: { companyId: LARGE_COMPANY_ID },
        data: { leaseOwner: null, leaseExpiresAt: null },
      });
    }
  });

  it("two portal processes started at the same instant: one syncs, the other does not start", async () => {
    // Both wait for one instant well after their start-up; slow pages keep the winner's lease held
    // for seconds, so even a late loser still finds it taken.
    const startAt = Date.now() + 8_000;
    await world.sandbox.control.fault({ path: "/v1/accounting-entries:search", latencyMs: 300 });
    const runChild = () =>
      new Promise<RunSyncResult>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ["--conditions=react-server", "--import", "tsx", "tests/sync/child-sync.ts"],
          {
            env: {
              ...process.env,
              SYNC_CHILD_DATABASE_URL: world.database.url!,
              SYNC_CHILD_COMPANY_ID: LARGE_COMPANY_ID,
              SYNC_CHILD_START_AT: String(startAt),
              LOG_LEVEL: "silent",
            },
            stdio: ["ignore", "pipe", "inherit"],
          },
        );
        let out = "";
        child.stdout!.on("data", (d) => (out += String(d)));
        child.on("exit", (code) => {
          const done = out
            .split("\n")
            .filter(Boolean)
            .map((l) => JSON.parse(l) as { done?: RunSyncResult })
            .find((l) => l.done);
          if (code === 0 && done?.done) resolve(done.done);
          else reject(new Error(`child exited ${code}: ${out}`));
        });
      });
    const results = await Promise.all([runChild(), runChild()]).finally(() => world.sandbox.control.clearFaults());
    expect(results.filter((r) => r.started)).toHaveLength(1);
    expect(results.filter((r) => !r.started)).toEqual([{ started: false, reason: "already_running" }]);
    await expectEqualToSandbox(world, LARGE_COMPANY_ID);
    expect(await world.prisma.syncRun.count()).toBe(1);
  });
});

describe("the lease's parts", () => {
  it("an owner id names the host and process, and differs per call", () => {
    const a = newLeaseOwner();
    const prefix = `${hostname()}:${process.pid}:`;
    expect(a.startsWith(prefix)).toBe(true);
    expect(a.slice(prefix.length)).toMatch(/^[0-9a-f]{8}$/);
    expect(newLeaseOwner()).not.toBe(a);
  });

  it("expectHeld passes one updated row and throws LeaseLostError, naming the company, for none", () => {
    const lease = { companyId: "c0ffee00-0000-4000-8000-000000000001", owner: "me", ttlMs: 1_000 };
    expect(() => expectHeld(1, lease)).not.toThrow();
    expect(() => expectHeld(0, lease)).toThrow(LeaseLostError);
    expect(() => expectHeld(0, lease)).toThrow(`sync lease for company ${lease.companyId} was lost`);
    expect(new LeaseLostError(lease.companyId).name).toBe("LeaseLostError");
  });

  it("leaseIsLive: an owner and an expiry still ahead, nothing less", () => {
    const now = new Date("2026-11-30T12:00:00Z");
    const later = new Date(now.getTime() + 1);
    expect(leaseIsLive({ leaseOwner: "me", leaseExpiresAt: later }, now)).toBe(true);
    expect(leaseIsLive({ leaseOwner: "me", leaseExpiresAt: now }, now)).toBe(false);
    expect(leaseIsLive({ leaseOwner: "me", leaseExpiresAt: new Date(now.getTime() - 1) }, now)).toBe(false);
    expect(leaseIsLive({ leaseOwner: null, leaseExpiresAt: later }, now)).toBe(false);
    expect(leaseIsLive({ leaseOwner: "me", leaseExpiresAt: null }, now)).toBe(false);
    expect(leaseIsLive(null, now)).toBe(false);
    // Without a `now`, the clock's.
    expect(leaseIsLive({ leaseOwner: "me", leaseExpiresAt: new Date(Date.now() + 60_000) })).toBe(true);
    expect(leaseIsLive({ leaseOwner: "me", leaseExpiresAt: new Date(Date.now() - 60_000) })).toBe(false);
  });
});

for (const kind of DATABASE_KINDS) {
  describe.skipIf(databaseUnavailable(kind))(`the lease in the database (${kind})`, () => {
    const C = "c0ffee00-0000-4000-8000-0000000000a1";
    let tdb: TestDatabase;
    beforeAll(async () => {
      tdb = await createTestDatabase(kind);
      await seedCompany(tdb.prisma, { id: C, currency: "DKK" });
    });
    afterAll(async () => {
      await tdb?.drop();
    });
    // No SyncState row at the start of a test: taking the lease creates it.
    beforeEach(() => tdb.prisma.syncState.deleteMany());
    afterEach(() => {
      vi.useRealTimers();
    });
    const state = () => tdb.prisma.syncState.findUniqueOrThrow({ where: { companyId: C } });

    it("a company without a sync state row can be leased; the lease expires after its TTL", async () => {
      expect(await tdb.prisma.syncState.count()).toBe(0);
      expect(await acquireLease(tdb.prisma, C, "first", 1_000)).toBe(true);
      expect(await state()).toMatchObject({ leaseOwner: "first" });
      expect(await acquireLease(tdb.prisma, C, "second", 1_000)).toBe(false);
      await sleep(1_200);
      expect(await acquireLease(tdb.prisma, C, "second", 60_000)).toBe(true);
      // The first owner lost it: renewing throws, releasing leaves the new holder's lease alone.
      await expect(renewLease(tdb.prisma, { companyId: C, owner: "first", ttlMs: 1_000 })).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      await releaseLease(tdb.prisma, C, "first");
      const s = await state();
      expect(s.leaseOwner).toBe("second");
      expect(s.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 50_000);
    });

    it("with dueAt, only while the company's next run is due by then", async () => {
      const next = new Date("2026-11-30T12:00:00Z");
      await tdb.prisma.syncState.create({ data: { companyId: C, nextRunAt: next } });
      const before = new Date(next.getTime() - 60_000);
      expect(await acquireLease(tdb.prisma, C, "early", 60_000, { dueAt: before })).toBe(false);
      expect(await state()).toMatchObject({ leaseOwner: null });
      expect(await acquireLease(tdb.prisma, C, "on-time", 60_000, { dueAt: next })).toBe(true);
      await releaseLease(tdb.prisma, C, "on-time");
      await tdb.prisma.syncState.update({ where: { companyId: C }, data: { nextRunAt: null } });
      expect(await acquireLease(tdb.prisma, C, "unscheduled", 60_000, { dueAt: before })).toBe(true);
    });

    it("the heartbeat renews every third of the TTL until stopped", async () => {
      vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
      const lease = { companyId: C, owner: "me", ttlMs: 4_500 };
      expect(await acquireLease(tdb.prisma, C, lease.owner, lease.ttlMs)).toBe(true);
      const first = (await state()).leaseExpiresAt!.getTime();
      const lost: LeaseLostError[] = [];
      const logs = captureLogger();
      const stop = startHeartbeat(tdb.prisma, lease, (e) => lost.push(e), logs.logger);
      await sleep(20);
      vi.advanceTimersByTime(1_500);
      await vi.waitFor(async () => expect((await state()).leaseExpiresAt!.getTime()).toBeGreaterThan(first));
      stop();
      expect(lost).toEqual([]);
      expect(logs.lines()).toEqual([]);
    });

    it("a heartbeat that finds the lease taken calls onLost, at a third of the TTL and not before; stopped, it beats no more", async () => {
      vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
      expect(await acquireLease(tdb.prisma, C, "other", 60_000)).toBe(true);
      const lost: LeaseLostError[] = [];
      const logs = captureLogger();
      const stop = startHeartbeat(
        tdb.prisma,
        { companyId: C, owner: "me", ttlMs: 4_500 },
        (e) => lost.push(e),
        logs.logger,
      );
      vi.advanceTimersByTime(1_499);
      await sleep(300);
      expect(lost).toEqual([]);
      vi.advanceTimersByTime(1);
      await vi.waitFor(() => expect(lost).toHaveLength(1));
      expect(lost[0]).toBeInstanceOf(LeaseLostError);
      expect(lost[0].message).toContain(C);
      stop();
      vi.advanceTimersByTime(60_000);
      await sleep(300);
      expect(lost).toHaveLength(1);
      expect(logs.lines()).toEqual([]);
      expect((await state()).leaseOwner).toBe("other");
    });

    it("a heartbeat that fails otherwise logs a warning with the error and tries again at the next beat", async () => {
      vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
      const lost: LeaseLostError[] = [];
      const logs = captureLogger();
      // Not a uuid: the database refuses the statement (an error that is not a lost lease).
      const stop = startHeartbeat(
        tdb.prisma,
        { companyId: "not-a-uuid", owner: "me", ttlMs: 3_000 },
        (e) => lost.push(e),
        logs.logger,
      );
      try {
        vi.advanceTimersByTime(1_000);
        await vi.waitFor(() => expect(logs.lines()).toHaveLength(1));
        vi.advanceTimersByTime(1_000);
        await vi.waitFor(() => expect(logs.lines()).toHaveLength(2));
      } finally {
        stop();
      }
      for (const line of logs.lines()) {
        expect(line).toMatchObject({ level: 40, msg: "sync: lease heartbeat failed", err: expect.any(Object) });
      }
      expect(lost).toEqual([]);
    });
  });
}
