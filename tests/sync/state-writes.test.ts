/**
 * lib/sync/state.ts called directly against a real PGlite database: each transition writes exactly
 * the columns it names, for its company only; the writes a run makes under its lease extend the lease
 * and throw LeaseLostError (writing nothing) once another owner holds it.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { acquireLease, LeaseLostError, newLeaseOwner, type HeldLease } from "@/lib/sync/lease";
import {
  commitBackfillPage,
  completeIncremental,
  completeReconcile,
  freezeForDisconnect,
  narrowCoverage,
  readRunState,
  recordFailure,
  recordSuccess,
  rescheduleForInterval,
  restartBackfill,
  startBackfillExtension,
} from "@/lib/sync/state";
import { createTestDatabase, type TestDatabase } from "@/tests/support/db";

const T0 = Date.UTC(2026, 2, 1, 8, 30, 0, 250);
const at = (hours: number) => new Date(T0 + hours * 3_600_000);
const TTL = 600_000;

describe("sync state transitions (pglite)", () => {
  let tdb: TestDatabase;
  let prisma: PrismaClient;
  beforeAll(async () => {
    tdb = await createTestDatabase("pglite-copy", { processDatabase: true });
    prisma = tdb.prisma;
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  /** A company whose lease a run holds (taken with a short TTL, so an extension shows), and its row. */
  async function held(): Promise<HeldLease> {
    const companyId = randomUUID();
    await prisma.pleoCompany.create({ data: { id: companyId, name: "State Co" } });
    const owner = newLeaseOwner();
    expect(await acquireLease(prisma, companyId, owner, 1_000)).toBe(true);
    return { companyId, owner, ttlMs: TTL };
  }
  const state = (companyId: string) => prisma.syncState.findUniqueOrThrow({ where: { companyId } });
  const set = (companyId: string, data: Parameters<PrismaClient["syncState"]["update"]>[0]["data"]) =>
    prisma.syncState.update({ where: { companyId }, data });

  /** The lease was extended by its TTL by the write just made. */
  async function expectExtended(companyId: string, since: number) {
    const s = await state(companyId);
    expect(s.leaseExpiresAt!.getTime()).toBeGreaterThanOrEqual(since + TTL - 5_000);
    expect(s.leaseExpiresAt!.getTime()).toBeLessThanOrEqual(Date.now() + TTL + 5_000);
    expect(s.updatedAt.getTime()).toBeGreaterThanOrEqual(since - 5_000);
  }

  /** A bystander company's row, to show a write touches its own company only. */
  async function bystander() {
    const lease = await held();
    const before = await state(lease.companyId);
    return { check: async () => expect(await state(lease.companyId)).toEqual(before) };
  }

  /** Another owner took the lease: the write throws LeaseLostError and changes nothing. */
  async function expectRefusedWhenLost(lease: HeldLease, write: () => Promise<void>) {
    await set(lease.companyId, { leaseOwner: "other-host:1:beef" });
    const before = await state(lease.companyId);
    await expect(write()).rejects.toBeInstanceOf(LeaseLostError);
    expect(await state(lease.companyId)).toEqual(before);
    await set(lease.companyId, { leaseOwner: lease.owner });
  }

  it("readRunState returns exactly what a run needs", async () => {
    const { companyId } = await held();
    await set(companyId, {
      backfillCursor: "cur",
      backfillCompletedAt: at(1),
      lastReconcileAt: at(2),
      consecutiveFailures: 3,
      coveredFrom: at(-100),
      backfillUntil: at(-50),
      backfillSynced: 7,
    });
    expect(await readRunState(companyId)).toEqual({
      backfillCursor: "cur",
      backfillCompletedAt: at(1),
      lastReconcileAt: at(2),
      consecutiveFailures: 3,
      coveredFrom: at(-100),
      backfillUntil: at(-50),
    });
    await expect(readRunState(randomUUID())).rejects.toThrow();
  });

  it("restartBackfill forgets the cursor and progress and sets the coverage start", async () => {
    const other = await bystander();
    for (const from of [at(-1000), null]) {
      const lease = await held();
      await set(lease.companyId, {
        backfillCursor: "old",
        backfillSynced: 50,
        backfillTotal: 90,
        backfillCompletedAt: at(-1),
        backfillStartedAt: at(-2),
        coveredFrom: at(-5),
        backfillUntil: at(-3),
        lastReconcileAt: at(-4),
      });
      const since = Date.now();
      await (from ? restartBackfill(prisma, lease, from) : restartBackfill(prisma, lease));
      const s = await state(lease.companyId);
      expect(s).toMatchObject({
        backfillCursor: null,
        backfillSynced: 0,
        backfillTotal: null,
        backfillCompletedAt: null,
        coveredFrom: from,
        backfillUntil: null,
        lastReconcileAt: at(-4),
      });
      expect(s.backfillStartedAt!.getTime()).toBeGreaterThanOrEqual(since - 5_000);
      await expectExtended(lease.companyId, since);
      await expectRefusedWhenLost(lease, () => restartBackfill(prisma, lease, from));
    }
    await other.check();
  });

  it("startBackfillExtension starts a backfill of [from, until) only", async () => {
    const other = await bystander();
    for (const from of [at(-1000), null]) {
      const lease = await held();
      await set(lease.companyId, {
        backfillCursor: "old",
        backfillSynced: 50,
        backfillTotal: 90,
        backfillCompletedAt: at(-1),
        coveredFrom: at(-5),
      });
      const since = Date.now();
      await startBackfillExtension(prisma, lease, { from, until: at(-5) });
      const s = await state(lease.companyId);
      expect(s).toMatchObject({
        backfillCursor: null,
        backfillSynced: 0,
        backfillTotal: null,
        backfillCompletedAt: null,
        coveredFrom: from,
        backfillUntil: at(-5),
      });
      expect(s.backfillStartedAt!.getTime()).toBeGreaterThanOrEqual(since - 5_000);
      await expectExtended(lease.companyId, since);
      await expectRefusedWhenLost(lease, () => startBackfillExtension(prisma, lease, { from, until: at(-5) }));
    }
    await other.check();
  });

  it("commitBackfillPage saves the cursor and progress; the last page completes the backfill", async () => {
    const other = await bystander();
    const lease = await held();
    await restartBackfill(prisma, lease, null);
    await set(lease.companyId, { backfillStartedAt: null, lastReconcileAt: at(-9) });
    const since = Date.now();
    await commitBackfillPage(prisma, lease, { cursor: "c1", entries: 100, total: 250, last: false });
    const first = await state(lease.companyId);
    expect(first).toMatchObject({
      backfillCursor: "c1",
      backfillSynced: 100,
      backfillTotal: 250,
      backfillCompletedAt: null,
      lastReconcileAt: at(-9),
    });
    // Set when missing (a backfill resumed from a cursor saved before it was recorded), kept otherwise.
    expect(first.backfillStartedAt!.getTime()).toBeGreaterThanOrEqual(since - 5_000);
    await expectExtended(lease.companyId, since);
    await set(lease.companyId, { backfillStartedAt: at(-8) });

    await commitBackfillPage(prisma, lease, { cursor: "c2", entries: 100, total: null, last: false });
    expect(await state(lease.companyId)).toMatchObject({
      backfillCursor: "c2",
      backfillSynced: 200,
      backfillTotal: null,
      backfillStartedAt: at(-8),
      backfillCompletedAt: null,
    });

    const done = Date.now();
    await commitBackfillPage(prisma, lease, { cursor: null, entries: 50, total: 250, last: true });
    const last = await state(lease.companyId);
    expect(last).toMatchObject({ backfillCursor: null, backfillSynced: 250, backfillStartedAt: at(-8) });
    // A full backfill counts as a reconcile.
    expect(last.backfillCompletedAt!.getTime()).toBeGreaterThanOrEqual(done - 5_000);
    expect(last.lastReconcileAt).toEqual(last.backfillCompletedAt);
    await expectRefusedWhenLost(lease, () =>
      commitBackfillPage(prisma, lease, { cursor: "c3", entries: 1, total: 1, last: false }),
    );
    await other.check();
  });

  it("the last page of an extension completes it and clears its range, but is no reconcile", async () => {
    const lease = await held();
    await set(lease.companyId, { lastReconcileAt: at(-9) });
    await startBackfillExtension(prisma, lease, { from: at(-100), until: at(-5) });
    await commitBackfillPage(prisma, lease, { cursor: "c1", entries: 10, total: 20, last: false });
    expect(await state(lease.companyId)).toMatchObject({ backfillUntil: at(-5), backfillCompletedAt: null });
    await commitBackfillPage(prisma, lease, { cursor: null, entries: 10, total: 20, last: true });
    const s = await state(lease.companyId);
    expect(s).toMatchObject({ backfillUntil: null, lastReconcileAt: at(-9), coveredFrom: at(-100) });
    expect(s.backfillCompletedAt).not.toBeNull();
  });

  it("completeIncremental and completeReconcile record when their pass began", async () => {
    const other = await bystander();
    const lease = await held();
    await set(lease.companyId, { lastReconcileAt: at(-9), lastIncrementalAt: at(-9) });
    let since = Date.now();
    await completeIncremental(prisma, lease, at(1));
    expect(await state(lease.companyId)).toMatchObject({ lastIncrementalAt: at(1), lastReconcileAt: at(-9) });
    await expectExtended(lease.companyId, since);
    await expectRefusedWhenLost(lease, () => completeIncremental(prisma, lease, at(2)));

    await set(lease.companyId, { leaseExpiresAt: at(-100) });
    since = Date.now();
    await completeReconcile(prisma, lease, at(3));
    expect(await state(lease.companyId)).toMatchObject({ lastIncrementalAt: at(3), lastReconcileAt: at(3) });
    await expectExtended(lease.companyId, since);
    await expectRefusedWhenLost(lease, () => completeReconcile(prisma, lease, at(4)));
    await other.check();
  });

  it("recordSuccess clears the error and failures; recordFailure keeps the error and schedules a retry", async () => {
    const other = await bystander();
    const { companyId } = await held();
    await set(companyId, { updatedAt: at(-100) });
    await recordFailure(prisma, companyId, { at: at(1), error: "rate_limited", failures: 2, nextRunAt: at(2) });
    const failed = await state(companyId);
    expect(failed).toMatchObject({
      lastError: "rate_limited",
      lastErrorAt: at(1),
      consecutiveFailures: 2,
      nextRunAt: at(2),
      lastSuccessAt: null,
    });
    expect(failed.updatedAt.getTime()).toBeGreaterThan(at(-1).getTime());

    await set(companyId, { updatedAt: at(-100) });
    await recordSuccess(prisma, companyId, { at: at(3), nextRunAt: at(4) });
    const ok = await state(companyId);
    expect(ok).toMatchObject({
      lastSuccessAt: at(3),
      lastError: null,
      // The time of the last error stays, for the record.
      lastErrorAt: at(1),
      consecutiveFailures: 0,
      nextRunAt: at(4),
    });
    expect(ok.updatedAt.getTime()).toBeGreaterThan(at(-1).getTime());
    await other.check();
  });

  it("rescheduleForInterval moves the next run to one interval after the last success, only when settled", async () => {
    const other = await bystander();
    const { companyId } = await held();
    await set(companyId, {
      backfillCompletedAt: at(0),
      lastSuccessAt: at(1),
      consecutiveFailures: 0,
      nextRunAt: at(50),
      updatedAt: at(-100),
    });
    await rescheduleForInterval(prisma, companyId, 90 * 60_000);
    const s = await state(companyId);
    expect(s.nextRunAt).toEqual(at(2.5));
    expect(s.updatedAt.getTime()).toBeGreaterThan(at(-1).getTime());

    // Not while a first backfill is unfinished, no run has succeeded, or runs are failing.
    for (const blocker of [{ backfillCompletedAt: null }, { lastSuccessAt: null }, { consecutiveFailures: 1 }]) {
      await set(companyId, { backfillCompletedAt: at(0), lastSuccessAt: at(1), consecutiveFailures: 0 });
      await set(companyId, { ...blocker, nextRunAt: at(50) });
      await rescheduleForInterval(prisma, companyId, 60_000);
      expect({ blocker, nextRunAt: (await state(companyId)).nextRunAt }).toEqual({ blocker, nextRunAt: at(50) });
    }
    await other.check();
  });

  it("freezeForDisconnect frees the lease and unschedules; the run that held it can write no more", async () => {
    const other = await bystander();
    const lease = await held();
    await set(lease.companyId, { nextRunAt: at(5), updatedAt: at(-100), backfillCursor: "keep" });
    await freezeForDisconnect(prisma, lease.companyId);
    const s = await state(lease.companyId);
    expect(s).toMatchObject({ leaseOwner: null, leaseExpiresAt: null, nextRunAt: null, backfillCursor: "keep" });
    expect(s.updatedAt.getTime()).toBeGreaterThan(at(-1).getTime());
    await expect(completeIncremental(prisma, lease, at(1))).rejects.toBeInstanceOf(LeaseLostError);
    await other.check();
  });

  it("narrowCoverage only ever moves the coverage start later", async () => {
    const other = await bystander();
    const lease = await held();
    const since = Date.now();
    await narrowCoverage(prisma, lease, at(-10));
    expect(await state(lease.companyId)).toMatchObject({ coveredFrom: at(-10) });
    await expectExtended(lease.companyId, since);
    await narrowCoverage(prisma, lease, at(-20));
    expect(await state(lease.companyId)).toMatchObject({ coveredFrom: at(-10) });
    await narrowCoverage(prisma, lease, at(-5));
    expect(await state(lease.companyId)).toMatchObject({ coveredFrom: at(-5) });
    await expectRefusedWhenLost(lease, () => narrowCoverage(prisma, lease, at(-1)));
    await other.check();
  });
});
