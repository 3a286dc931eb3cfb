/**
 * Background work runs once across instances: two, then three portal processes (tests/sync/
 * child-background.ts: the real background jobs, each process with its own pool and token manager) on
 * one PostgreSQL start at the same instant, each also running the connect hook for every company as
 * if the sign-in had landed on it. Each company's first sync runs once, each due time starts one run,
 * runs of a company never overlap, and the keep-alive refreshes each idle connection once.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SECOND_COMPANY_ID, LARGE_COMPANY_ID, SOLO_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { hasPostgres } from "@/tests/support/db";
import { createWorld, type World } from "@/tests/support/world";
import { SYNC_ENV } from "./support";

const ROOT = path.resolve(__dirname, "../..");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");
const COMPANIES = [LARGE_COMPANY_ID, DEMO_SECOND_COMPANY_ID, SOLO_COMPANY_ID];

if (!hasPostgres) console.info("[tests/sync/instances] skipped: TEST_DATABASE_URL is not set (needs PostgreSQL).");

type Instance = {
  child: ChildProcessWithoutNullStreams;
  logs: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
};

function startInstance(world: World): Promise<Instance> {
  const child = spawn(TSX, ["--conditions=react-server", path.join(ROOT, "tests/sync/child-background.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      CHILD_DATABASE_URL: world.database.url!,
      CHILD_SANDBOX_URL: world.sandbox.url,
      CHILD_CONNECTED: COMPANIES.join(","),
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let buf = "";
    let ready = false;
    child.stdout.on("data", (d) => {
      buf += String(d);
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line === "READY") {
          ready = true;
          resolve({ child, logs, exited });
        } else if (line.startsWith("{")) logs.push(JSON.parse(line));
      }
    });
    void exited.then((code) => {
      if (!ready) reject(new Error(`instance exited (${code}) before READY:\n${stderr}`));
    });
  });
}

async function waitFor<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

for (const count of [2, 3]) {
  describe.skipIf(!hasPostgres)(`${count} instances on one PostgreSQL`, () => {
    let world: World;
    let instances: Instance[] = [];
    beforeAll(async () => {
      world = await createWorld({
        database: "postgres",
        sandbox: { entries: 600, rateLimit: false },
        env: SYNC_ENV,
        companies: COMPANIES,
      });
      // Idle for 30 days: each connection is due for a keep-alive refresh.
      await world.prisma.pleoConnection.updateMany({
        data: { refreshTokenIssuedAt: new Date(Date.now() - 30 * 24 * 3600 * 1000) },
      });
    });
    afterAll(async () => {
      for (const i of instances) i.child.kill("SIGKILL");
      await world?.close();
    });

    it("first syncs, scheduled runs and keep-alive each happen once, whichever instance does them", async () => {
      instances = await Promise.all(Array.from({ length: count }, () => startInstance(world)));
      for (const i of instances) i.child.stdin.write("go\n");
      const prisma = world.prisma;
      const succeeded = () =>
        prisma.syncRun.groupBy({ by: ["companyId"], where: { status: "succeeded" }, _count: true });
      const everyCompanyHas = (n: number) => (rows: Awaited<ReturnType<typeof succeeded>>) =>
        rows.length === COMPANIES.length && rows.every((r) => r._count >= n);

      // The first sync (backfill), then at once an incremental pass; then nothing is due for 15 minutes.
      await waitFor("backfill + first incremental", succeeded, everyCompanyHas(2));
      await new Promise((r) => setTimeout(r, 1_500)); // six more scheduler ticks on every instance
      expect((await succeeded()).map((r) => r._count)).toEqual([2, 2, 2]);

      // A due time: every company becomes due at once, on every instance's next tick.
      await prisma.syncState.updateMany({ data: { nextRunAt: new Date() } });
      await waitFor("one run per due company", succeeded, everyCompanyHas(3));
      await new Promise((r) => setTimeout(r, 1_500));

      for (const i of instances) i.child.stdin.write("stop\n");
      expect(await Promise.all(instances.map((i) => i.exited))).toEqual(instances.map(() => 0));

      const runs = await prisma.syncRun.findMany({ orderBy: { startedAt: "asc" } });
      for (const companyId of COMPANIES) {
        const mine = runs.filter((r) => r.companyId === companyId);
        expect(mine.map((r) => [r.kind, r.status])).toEqual([
          ["backfill", "succeeded"],
          ["incremental", "succeeded"],
          ["incremental", "succeeded"],
        ]);
        // One at a time: each run finished before the next began.
        for (let k = 1; k < mine.length; k++) expect(mine[k].startedAt >= mine[k - 1].finishedAt!).toBe(true);
      }

      // Every instance raced for every first sync (its connect hook and its scheduler); one won each.
      const started = instances.flatMap((i) => i.logs.filter((l) => l.msg === "sync: run started"));
      expect(started).toHaveLength(COMPANIES.length * 3);
      const lostFirstSyncs = instances.flatMap((i) => i.logs.filter((l) => l.msg === "sync: first sync not started"));
      expect(lostFirstSyncs.length).toBeGreaterThanOrEqual(COMPANIES.length * (count - 1));

      // Keep-alive: each idle connection refreshed exactly once, no refresh token presented twice.
      const stats = await world.sandbox.control.stats();
      expect(stats.tokenRequests.refresh_token).toBe(COMPANIES.length);
      expect(stats.refreshReuseDetected).toBe(0);
      expect(stats.grantsRevoked).toBe(0);
      const connections = await prisma.pleoConnection.findMany();
      expect(connections.map((c) => [c.tokenVersion, c.status])).toEqual(COMPANIES.map(() => [1, "CONNECTED"]));
      const keepAlivePasses = instances.flatMap((i) => i.logs.filter((l) => l.event === "pleo.token.keepalive"));
      expect(keepAlivePasses).toHaveLength(count);
    }, 180_000);
  });
}
