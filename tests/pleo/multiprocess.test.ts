import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { NeedsReauthError } from "@/lib/pleo/errors";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { hasPostgres } from "@/tests/support/db";
import { TEST_SECRETS } from "@/tests/support/env";
import { createWorld, type World } from "@/tests/support/world";

/**
 * Several portal instances on one PostgreSQL: real child processes (tsx), each with its own pool and
 * token manager, racing for the same connection.
 */

const COMPANY = LARGE_COMPANY_ID;
const ROOT = path.resolve(__dirname, "../..");
const WORKER = path.join(ROOT, "tests/pleo/fixtures/refresh-worker.ts");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");

if (!hasPostgres) console.info("[tests/pleo/multiprocess] skipped: TEST_DATABASE_URL is not set (needs PostgreSQL).");

type Worker = {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  waitFor(prefix: string, ms?: number): Promise<string>;
};

function startWorker(env: Record<string, string>): Worker {
  const child = spawn(TSX, ["--conditions=react-server", WORKER], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let buf = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    buf += String(d);
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
      for (const l of listeners) l();
    }
  });
  child.stderr.on("data", (d) => (stderr += String(d)));
  return {
    child,
    lines,
    waitFor(prefix, ms = 45_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find((l) => l.startsWith(prefix));
          if (hit) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`worker did not print ${prefix} within ${ms} ms; stderr:\n${stderr}`));
        }, ms);
        child.once("exit", (code) => {
          if (!lines.some((l) => l.startsWith(prefix)))
            reject(new Error(`worker exited (${code}) before ${prefix}; stderr:\n${stderr}`));
        });
        listeners.add(check);
        check();
      });
    },
  };
}

describe.skipIf(!hasPostgres)("several portal processes on one PostgreSQL", () => {
  let world: World;

  beforeAll(async () => {
    world = await createWorld({ database: "postgres", sandbox: { entries: 300 }, companies: [COMPANY] });
  });
  afterAll(async () => {
    await world?.close();
  });
  beforeEach(async () => {
    await world.reset();
  });

  const stats = () => world.sandbox.control.stats();
  const tokenWorks = (token: string) => world.sandbox.control.acceptsToken(token);

  const workerEnv = (mode: string, extra: Record<string, string> = {}) => ({
    DATABASE_URL: world.database.url!,
    SANDBOX_URL: world.sandbox.url,
    COMPANY_ID: COMPANY,
    MODE: mode,
    CLOCK_OFFSET_MS: String(world.clock.offsetMs),
    ...TEST_SECRETS,
    ...extra,
  });

  it("two processes × 50 callers on an expired token → exactly one refresh between them", async () => {
    await world.clock.advance(601);
    const workers = [startWorker(workerEnv("concurrent")), startWorker(workerEnv("concurrent"))];
    try {
      await Promise.all(workers.map((w) => w.waitFor("READY")));
      for (const w of workers) w.child.stdin.write("go\n");
      const results = await Promise.all(
        workers.map(
          async (w) =>
            JSON.parse((await w.waitFor("RESULT")).slice("RESULT ".length)) as {
              distinctTokens: string[];
              ok: number;
              errors: string[];
            },
        ),
      );
      for (const r of results) {
        expect(r.errors).toEqual([]);
        expect(r.ok).toBe(50);
        expect(r.distinctTokens).toHaveLength(1);
      }
      // Both processes ended up with the one token the single refresh produced.
      expect(results[0].distinctTokens[0]).toBe(results[1].distinctTokens[0]);
      expect(await tokenWorks(results[0].distinctTokens[0])).toBe(true);
      const s = await stats();
      expect(s.tokenRequests.refresh_token).toBe(1);
      expect(s.refreshReuseDetected).toBe(0);
      const row = await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: COMPANY } });
      expect(row.tokenVersion).toBe(1);
      expect(row.refreshStartedAt).toBeNull();
    } finally {
      for (const w of workers) w.child.kill("SIGKILL");
    }
  }, 90_000);

  it("a process killed after Pleo rotated but before the write: the rotated-out token is never presented twice", async () => {
    await world.clock.advance(601);
    const leaseMs = 1_500;
    const doomed = startWorker(workerEnv("die-after-rotation", { LEASE_MS: String(leaseMs) }));
    try {
      await doomed.waitFor("ROTATED");
    } finally {
      doomed.child.kill("SIGKILL");
    }
    await new Promise((r) => doomed.child.once("exit", r));
    const marker = await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: COMPANY } });
    expect(marker.refreshStartedAt).not.toBeNull(); // the committed lease survives the crash
    expect((await stats()).tokenRequests.refresh_token).toBe(1);

    // Another instance: waits out the lease, verifies by introspection, marks NEEDS_REAUTH.
    const survivor = world.tokenManager({ leaseMs, pollMs: 20 });
    const err = await survivor.getAccessToken(COMPANY).catch((e) => e);
    expect(err).toBeInstanceOf(NeedsReauthError);
    expect((err as NeedsReauthError).reason).toBe("refresh_interrupted");
    const s = await stats();
    expect(s.tokenRequests.refresh_token).toBe(1);
    expect(s.refreshReuseDetected).toBe(0);
    expect(s.grantsRevoked).toBe(0);
    const row = await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: COMPANY } });
    expect(row.status).toBe("NEEDS_REAUTH");
    expect(row.refreshStartedAt).toBeNull();

    // Reconnecting restores it.
    await world.reconnect(COMPANY);
    expect(await tokenWorks(await survivor.getAccessToken(COMPANY))).toBe(true);
  }, 90_000);
});
