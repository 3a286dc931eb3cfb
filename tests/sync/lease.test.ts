import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase } from "@/lib/db/connect";
import { acquireLease, newLeaseOwner, releaseLease } from "@/lib/sync/lease";
import { runSync, type RunSyncResult } from "@/lib/sync/run";
import { requestSync, runningSync } from "@/lib/sync/trigger";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { DATABASE_KINDS, databaseUnavailable, hasPostgres } from "@/tests/support/db";
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
