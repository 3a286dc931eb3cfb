import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getSyncProgress } from "@/lib/sync/progress";
import { COMPANY_BRIGHTWAVE, COMPANY_THISTLE } from "@/sandbox/seed/fixtures";
import { createWorld, type World } from "@/tests/support/world";

// What the progress bar and the settings page read (lib/sync/progress.ts), from sync state and run rows
// written here directly: the phase shown while a lease is live, and the figures passed through.

const COMPANY = COMPANY_BRIGHTWAVE.id;
const OTHER = COMPANY_THISTLE.id;
const at = (iso: string) => new Date(iso);
const inAMinute = () => new Date(Date.now() + 60_000);

describe("getSyncProgress", () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld({
      database: "pglite",
      sandbox: { entries: 10, rateLimit: false },
      companies: [COMPANY, OTHER],
    });
  });
  afterAll(() => world?.close());
  beforeEach(async () => {
    await world.prisma.syncRun.deleteMany({});
    await world.prisma.syncState.deleteMany({});
  });

  const state = (data: Record<string, unknown>) =>
    world.prisma.syncState.create({ data: { companyId: COMPANY, ...data } });
  const run = (data: { kind: string; status: string; startedAt: Date; companyId?: string }) =>
    world.prisma.syncRun.create({ data: { companyId: COMPANY, trigger: "manual", ...data } });

  it("a company never synced is idle, with nothing to show", async () => {
    expect(await getSyncProgress(COMPANY)).toEqual({
      running: false,
      phase: "idle",
      synced: 0,
      total: null,
      backfillComplete: false,
      extending: false,
      nextRunAt: null,
      lastSuccessAt: null,
      lastError: null,
      lastRun: null,
    });
  });

  it("while a lease is live the phase is the running run's kind", async () => {
    await state({ leaseOwner: "host:1", leaseExpiresAt: inAMinute(), backfillCompletedAt: at("2026-11-01T00:00:00Z") });
    await run({ kind: "reconcile", status: "running", startedAt: at("2026-11-30T10:00:00Z") });
    expect(await getSyncProgress(COMPANY)).toMatchObject({ running: true, phase: "reconcile" });
  });

  it("a live lease before its run row exists reads as backfill until the backfill completed, then incremental", async () => {
    await state({ leaseOwner: "host:1", leaseExpiresAt: inAMinute() });
    // The very first run: no run row at all yet.
    expect(await getSyncProgress(COMPANY)).toMatchObject({ running: true, phase: "backfill", lastRun: null });
    await run({ kind: "reconcile", status: "succeeded", startedAt: at("2026-11-30T09:00:00Z") });
    expect(await getSyncProgress(COMPANY)).toMatchObject({ running: true, phase: "backfill" });
    await world.prisma.syncState.update({
      where: { companyId: COMPANY },
      data: { backfillCompletedAt: at("2026-11-30T08:00:00Z") },
    });
    expect(await getSyncProgress(COMPANY)).toMatchObject({ running: true, phase: "incremental" });
  });

  it("a running row of a kind it does not know falls back to the state's phase", async () => {
    await state({ leaseOwner: "host:1", leaseExpiresAt: inAMinute() });
    await run({ kind: "repair", status: "running", startedAt: at("2026-11-30T10:00:00Z") });
    expect(await getSyncProgress(COMPANY)).toMatchObject({ running: true, phase: "backfill" });
  });

  it("an expired lease is idle, even with a run row still marked running (its process died)", async () => {
    await state({ leaseOwner: "host:1", leaseExpiresAt: new Date(Date.now() - 1000) });
    await run({ kind: "incremental", status: "running", startedAt: at("2026-11-30T10:00:00Z") });
    expect(await getSyncProgress(COMPANY)).toMatchObject({ running: false, phase: "idle" });
  });

  it("each kind a run can have is shown as itself, not as the state's fallback", async () => {
    // The fallback is incremental once the backfill completed, backfill before: pick the other one.
    for (const [i, kind] of ["backfill", "incremental", "reconcile"].entries()) {
      await world.prisma.syncState.deleteMany({});
      await state({
        leaseOwner: "host:1",
        leaseExpiresAt: inAMinute(),
        backfillCompletedAt: kind === "incremental" ? null : at("2026-11-01T00:00:00Z"),
      });
      await run({ kind, status: "running", startedAt: new Date(Date.UTC(2026, 10, 30, 10, i)) });
      expect([kind, (await getSyncProgress(COMPANY)).phase]).toEqual([kind, kind]);
    }
  });

  it("passes the backfill's figures, the schedule and the last outcome through", async () => {
    await state({
      backfillSynced: 1200,
      backfillTotal: 5000,
      backfillUntil: at("2025-01-01T00:00:00Z"),
      nextRunAt: at("2026-11-30T12:00:00Z"),
      lastSuccessAt: at("2026-11-30T11:00:00Z"),
      lastError: "Pleo was unavailable",
    });
    expect(await getSyncProgress(COMPANY)).toMatchObject({
      running: false,
      synced: 1200,
      total: 5000,
      backfillComplete: false,
      // Only older entries are being filled in: the rest is complete.
      extending: true,
      nextRunAt: at("2026-11-30T12:00:00Z"),
      lastSuccessAt: at("2026-11-30T11:00:00Z"),
      lastError: "Pleo was unavailable",
    });
    await world.prisma.syncState.update({
      where: { companyId: COMPANY },
      data: { backfillCompletedAt: at("2026-11-30T11:00:00Z") },
    });
    expect(await getSyncProgress(COMPANY)).toMatchObject({ backfillComplete: true, extending: false });
  });

  it("the last run is this company's newest", async () => {
    await run({ kind: "backfill", status: "succeeded", startedAt: at("2026-11-29T10:00:00Z") });
    const newest = await run({ kind: "incremental", status: "failed", startedAt: at("2026-11-30T10:00:00Z") });
    await world.prisma.syncRun.update({
      where: { id: newest.id },
      data: { finishedAt: at("2026-11-30T10:01:00Z"), created: 3, updated: 2, deleted: 1 },
    });
    await run({ kind: "reconcile", status: "running", startedAt: at("2026-11-30T11:00:00Z"), companyId: OTHER });
    expect((await getSyncProgress(COMPANY)).lastRun).toEqual({
      kind: "incremental",
      status: "failed",
      startedAt: at("2026-11-30T10:00:00Z"),
      finishedAt: at("2026-11-30T10:01:00Z"),
      created: 3,
      updated: 2,
      deleted: 1,
    });
  });
});
