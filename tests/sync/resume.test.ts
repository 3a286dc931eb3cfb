import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSync } from "@/lib/sync/run";
import { getSyncProgress } from "@/lib/sync/progress";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { hasPostgres } from "@/tests/support/db";
import { createWorld, type World } from "@/tests/support/world";
import { expectEqualToSandbox, SYNC_ENV } from "./support";

const ENTRIES = 1000;

describe("resume after an interrupted backfill (pglite)", () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld({
      database: "pglite",
      sandbox: { entries: ENTRIES, rateLimit: false },
      env: SYNC_ENV,
      companies: [LARGE_COMPANY_ID],
    });
  });
  afterAll(async () => {
    await world?.close();
  });

  it("stops after the page it is on when aborted, keeping rows and cursor in step", async () => {
    const controller = new AbortController();
    const result = await runSync({
      companyId: LARGE_COMPANY_ID,
      trigger: "connect",
      signal: controller.signal,
      onPage: (p) => {
        if (p.pages === 3) controller.abort();
      },
    });
    expect(result).toMatchObject({ started: true, kind: "backfill", status: "aborted", pages: 3, entries: 300 });
    const state = await world.prisma.syncState.findUniqueOrThrow({ where: { companyId: LARGE_COMPANY_ID } });
    expect(state).toMatchObject({ backfillSynced: 300, backfillCompletedAt: null, leaseOwner: null });
    expect(state.backfillCursor).toMatch(/^[A-Z2-7=~]+$/);
    expect(await world.prisma.accountingEntry.count()).toBe(300);
    const progress = await getSyncProgress(LARGE_COMPANY_ID);
    expect(progress).toMatchObject({
      running: false,
      synced: 300,
      backfillComplete: false,
      lastRun: { status: "aborted" },
    });
  });

  it("continues from the saved cursor: only the remaining pages, no duplicates, equal to the sandbox", async () => {
    const summary = await world.sandbox.control.summary(LARGE_COMPANY_ID);
    const result = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "schedule" });
    expect(result).toMatchObject({ started: true, kind: "backfill", status: "succeeded", pages: 7 });
    if (!result.started) throw new Error("not started");
    expect(result.entries).toBe(summary.countIncludingDeleted - 300);
    expect(result.updated).toBe(0);
    await expectEqualToSandbox(world, LARGE_COMPANY_ID);
    const progress = await getSyncProgress(LARGE_COMPANY_ID);
    expect(progress).toMatchObject({
      backfillComplete: true,
      synced: summary.countIncludingDeleted,
      total: summary.countIncludingDeleted,
    });
  });

  it("waits out a dead holder's lease, then takes over and marks its run abandoned", async () => {
    const prisma = world.prisma;
    // A process that died mid-run: its lease is still live for a moment and its run row says running.
    await prisma.syncRun.create({
      data: { companyId: LARGE_COMPANY_ID, kind: "incremental", trigger: "schedule", status: "running" },
    });
    await prisma.syncState.update({
      where: { companyId: LARGE_COMPANY_ID },
      data: { leaseOwner: "dead-host:1:deadbeef", leaseExpiresAt: new Date(Date.now() + 3_000) },
    });
    expect(await runSync({ companyId: LARGE_COMPANY_ID, trigger: "schedule" })).toEqual({
      started: false,
      reason: "already_running",
    });
    await new Promise((r) => setTimeout(r, 3_200));
    const result = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "schedule" });
    expect(result).toMatchObject({ started: true, status: "succeeded" });
    const runs = await prisma.syncRun.findMany({ where: { companyId: LARGE_COMPANY_ID, status: "abandoned" } });
    expect(runs).toHaveLength(1);
    expect(runs[0].finishedAt).not.toBeNull();
    expect(runs[0].error).toBe("interrupted");
    await expectEqualToSandbox(world, LARGE_COMPANY_ID);
  });
});

describe.skipIf(!hasPostgres)("resume after the syncing process is killed (postgres, SIGKILL)", () => {
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

  it("a killed process leaves committed pages and cursor consistent; after its lease expires another resumes", async () => {
    const leaseTtlMs = 2_000;
    // node itself (not npx) and its own process group, so SIGKILL hits the process doing the sync.
    const child = spawn(
      process.execPath,
      ["--conditions=react-server", "--import", "tsx", "tests/sync/child-sync.ts"],
      {
        detached: true,
        cwd: process.cwd(),
        env: {
          ...process.env,
          SYNC_CHILD_DATABASE_URL: world.database.url!,
          SYNC_CHILD_COMPANY_ID: LARGE_COMPANY_ID,
          SYNC_CHILD_LEASE_TTL_MS: String(leaseTtlMs),
          LOG_LEVEL: "silent",
        },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    const lines = createInterface({ input: child.stdout! });
    for await (const line of lines) {
      if ((JSON.parse(line) as { page?: number }).page === 3) {
        process.kill(-child.pid!, "SIGKILL");
        break;
      }
    }
    expect(await exited).toBe("SIGKILL");

    const prisma = world.prisma;
    const state = await prisma.syncState.findUniqueOrThrow({ where: { companyId: LARGE_COMPANY_ID } });
    // Killed without cleanup: the lease is still held, and rows match the saved progress exactly.
    expect(state.leaseOwner).not.toBeNull();
    expect(state.backfillCompletedAt).toBeNull();
    expect(state.backfillSynced).toBeGreaterThanOrEqual(300);
    expect(await prisma.accountingEntry.count()).toBe(state.backfillSynced);
    expect(await runSync({ companyId: LARGE_COMPANY_ID, trigger: "schedule" })).toEqual({
      started: false,
      reason: "already_running",
    });

    await new Promise((r) => setTimeout(r, leaseTtlMs + 300));
    const summary = await world.sandbox.control.summary(LARGE_COMPANY_ID);
    const result = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "schedule" });
    expect(result).toMatchObject({ started: true, kind: "backfill", status: "succeeded", updated: 0 });
    if (!result.started) throw new Error("not started");
    expect(result.entries).toBe(summary.countIncludingDeleted - state.backfillSynced);
    await expectEqualToSandbox(world, LARGE_COMPANY_ID);
    expect(await prisma.syncRun.count({ where: { status: "abandoned" } })).toBe(1);
  });
});
