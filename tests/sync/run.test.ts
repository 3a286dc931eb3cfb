/**
 * lib/sync/run.ts, one sync run, driven through runSync against the sandbox over HTTP and a real PGlite:
 * which kind each company state leads to, the backfill plan (resume a saved cursor, fill in older entries
 * of a wider history window, start over), what every end state records (the run row, SyncState's
 * schedule and retry delay, the activity event and its actor, the result and the progress callbacks), and
 * the lease around it. A small sandbox (25 entries for the large company) and small pages keep a run cheap.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { historyStart } from "@/lib/history-window";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { SYNC_ERROR_SENTENCES } from "@/lib/sync/describe-error";
import { chooseKind, runSync, widensCoverage, type PageProgress, type RunSyncOptions } from "@/lib/sync/run";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { failingStatements, withProcessPrisma } from "@/tests/support/db";
import { captureLogger, setProcessLogger } from "@/tests/support/logs";
import { createWorld, type World } from "@/tests/support/world";
import { expectEqualToSandbox, SYNC_ENV } from "./support";

const COMPANY = LARGE_COMPANY_ID;
const ENTRIES = 25;
const ZONE = "Europe/Copenhagen";
const SEARCH = "/v1/accounting-entries:search";
const MINUTE = 60_000;
const DAY = 86_400_000;

describe("chooseKind and widensCoverage", () => {
  const now = new Date("2026-06-15T12:00:00Z");
  const done = new Date("2026-06-01T00:00:00Z");
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const from = new Date("2026-01-01T00:00:00Z");

  it("a backfill until the first completes; then reconcile when due, else incremental", () => {
    expect(chooseKind({ backfillCompletedAt: null, lastReconcileAt: ago(1) }, now)).toBe("backfill");
    expect(chooseKind({ backfillCompletedAt: done, lastReconcileAt: null }, now)).toBe("reconcile");
    expect(chooseKind({ backfillCompletedAt: done, lastReconcileAt: ago(DAY - 1) }, now)).toBe("incremental");
    expect(chooseKind({ backfillCompletedAt: done, lastReconcileAt: ago(DAY) }, now)).toBe("reconcile");
    expect(chooseKind({ backfillCompletedAt: done, lastReconcileAt: ago(999) }, now, 1000)).toBe("incremental");
    expect(chooseKind({ backfillCompletedAt: done, lastReconcileAt: ago(1000) }, now, 1000)).toBe("reconcile");
  });

  it("a history window reaching before the synced copy's coverage asks for a backfill; no window leaves it out", () => {
    const s = { backfillCompletedAt: done, lastReconcileAt: ago(1), coveredFrom: from };
    expect(chooseKind(s, now, DAY, new Date(from.getTime() - 1))).toBe("backfill");
    expect(chooseKind(s, now, DAY, null)).toBe("backfill");
    expect(chooseKind(s, now, DAY, from)).toBe("incremental");
    expect(chooseKind(s, now, DAY)).toBe("incremental");
    expect(chooseKind({ ...s, coveredFrom: null }, now, DAY, null)).toBe("incremental");
    expect(chooseKind({ backfillCompletedAt: done, lastReconcileAt: ago(1) }, now, DAY, null)).toBe("incremental");
    // Widening wins over a due reconcile.
    expect(chooseKind({ ...s, lastReconcileAt: null }, now, DAY, null)).toBe("backfill");
  });

  it("widensCoverage: only a known coverage start can be widened, by an earlier start or by everything", () => {
    expect(widensCoverage(null, null)).toBe(false);
    expect(widensCoverage(null, from)).toBe(false);
    expect(widensCoverage(from, null)).toBe(true);
    expect(widensCoverage(from, new Date(from.getTime() - 1))).toBe(true);
    expect(widensCoverage(from, from)).toBe(false);
    expect(widensCoverage(from, new Date(from.getTime() + 1))).toBe(false);
  });
});

describe("runSync against the sandbox", () => {
  let world: World;
  let prisma: PrismaClient;
  let userId: string;
  beforeAll(async () => {
    world = await createWorld({
      database: "pglite-copy",
      sandbox: { entries: ENTRIES, rateLimit: false },
      env: SYNC_ENV,
      companies: [COMPANY],
    });
    prisma = world.prisma;
    userId = (await prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: COMPANY } })).userId;
  });
  afterAll(async () => {
    await world?.close();
  });
  beforeEach(async () => {
    await world.sandbox.control.clearFaults();
    await prisma.accountingEntry.deleteMany({ where: { companyId: COMPANY } });
    await prisma.syncRun.deleteMany({ where: { companyId: COMPANY } });
    await prisma.syncState.deleteMany({ where: { companyId: COMPANY } });
    await prisma.connectionEvent.deleteMany({ where: { companyId: COMPANY } });
    await prisma.pleoConnection.update({
      where: { companyId: COMPANY },
      data: { syncIntervalMinutes: 15, syncWindowDays: 60, historyMonths: null },
    });
    await prisma.pleoCompany.update({ where: { id: COMPANY }, data: { timeZone: ZONE } });
  });

  const state = () => prisma.syncState.findUniqueOrThrow({ where: { companyId: COMPANY } });
  const runs = () => prisma.syncRun.findMany({ where: { companyId: COMPANY }, orderBy: { startedAt: "asc" } });
  const events = () => prisma.connectionEvent.findMany({ where: { companyId: COMPANY }, orderBy: { id: "asc" } });
  const setState = (data: Parameters<PrismaClient["syncState"]["update"]>[0]["data"]) =>
    prisma.syncState.update({ where: { companyId: COMPANY }, data });

  /** Entries of the company in the sandbox, deleted ones included (a backfill reads those too). */
  const sandboxCount = async () => (await world.sandbox.control.summary(COMPANY)).countIncludingDeleted;

  function sync(opts: Partial<RunSyncOptions> = {}) {
    return runSync({ companyId: COMPANY, trigger: "schedule", pageSize: 10, ...opts });
  }

  /** A completed first backfill (everything), as the connect flow leaves it. */
  async function backfilled() {
    const first = await sync({ trigger: "connect" });
    expect(first).toMatchObject({ started: true, kind: "backfill", status: "succeeded" });
    await prisma.connectionEvent.deleteMany({ where: { companyId: COMPANY } });
  }

  it("pruning old runs or releasing the lease failing after the run is logged; the run still succeeded", async () => {
    await backfilled();
    const cap = captureLogger();
    const failing = failingStatements(prisma, /^DELETE FROM "SyncRun"|^UPDATE "SyncState" SET "leaseOwner" = NULL/);
    const r = await withProcessPrisma(world.database, failing, () => sync({ kind: "incremental", logger: cap.logger }));
    expect(r).toMatchObject({ started: true, kind: "incremental", status: "succeeded" });
    const warnings = cap.lines().filter((l) => l.level === 40);
    expect(warnings.map((l) => l.msg)).toEqual(["sync: pruning old runs failed", "sync: lease release failed"]);
    for (const w of warnings) expect(w.err).toMatchObject({ message: expect.stringMatching(/^injected failure/) });
    // The lease was not given back: it expires on its own (the next test's hook clears the state).
    expect((await state()).leaseOwner).not.toBeNull();
  });

  it("the first run is a full backfill: its pages, result, run row, schedule, event and progress", async () => {
    const total = await sandboxCount();
    expect(total).toBe(ENTRIES);
    const progress: PageProgress[] = [];
    const cap = captureLogger();
    const before = Date.now();
    const result = await sync({ trigger: "connect", logger: cap.logger, onPage: (p) => void progress.push(p) });
    const after = Date.now();
    if (!result.started) throw new Error("not started");
    const deleted = total - (await world.sandbox.control.summary(COMPANY)).count;
    // The seed has a deleted entry among these: a backfill reads it (and counts it deleted) too.
    expect(deleted).toBe(1);
    expect(result).toEqual({
      started: true,
      runId: result.runId,
      kind: "backfill",
      status: "succeeded",
      pages: 3,
      entries: total,
      error: null,
      created: total - deleted,
      updated: 0,
      deleted,
      anomalies: 0,
    });
    expect(progress).toHaveLength(3);
    expect(
      progress.map((p) => [p.kind, p.pages, p.entries, p.total, p.created + p.deleted, p.updated, p.anomalies]),
    ).toEqual([
      ["backfill", 1, 10, total, 10, 0, 0],
      ["backfill", 2, 20, total, 20, 0, 0],
      ["backfill", 3, total, total, total, 0, 0],
    ]);
    expect(progress[2]).toMatchObject({ created: total - deleted, deleted });
    await expectEqualToSandbox(world, COMPANY);

    const [row] = await runs();
    expect(row).toMatchObject({
      id: result.runId,
      kind: "backfill",
      trigger: "connect",
      status: "succeeded",
      pages: 3,
      created: total - deleted,
      updated: 0,
      deleted,
      anomalies: 0,
      error: null,
    });
    expect(row.startedAt.getTime()).toBeGreaterThanOrEqual(before - 5);
    expect(row.finishedAt!.getTime()).toBeLessThanOrEqual(after + 5);

    const s = await state();
    expect(s).toMatchObject({
      leaseOwner: null,
      leaseExpiresAt: null,
      consecutiveFailures: 0,
      lastError: null,
      coveredFrom: null,
      backfillUntil: null,
    });
    // After a backfill the next (incremental) run is due at once.
    expect(s.nextRunAt).toEqual(s.lastSuccessAt);
    expect(s.lastSuccessAt!.getTime()).toBeGreaterThanOrEqual(before);
    expect(s.lastSuccessAt!.getTime()).toBeLessThanOrEqual(after);

    const ev = await events();
    expect(ev.map((e) => [e.type, e.actor, e.actorUserId, e.detail])).toEqual([
      ["sync_succeeded", "scheduler", null, `Full sync: ${total - deleted} created, 0 updated, ${deleted} deleted.`],
    ]);
    expect(ev[0].at).toEqual(s.lastSuccessAt);

    const lines = cap.lines();
    const started = lines.filter((l) => l.msg === "sync: run started");
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({
      module: "sync",
      companyId: COMPANY,
      runId: result.runId,
      kind: "backfill",
      trigger: "connect",
    });
    const succeeded = lines.filter((l) => l.msg === "sync: run succeeded");
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0]).toMatchObject({
      module: "sync",
      companyId: COMPANY,
      runId: result.runId,
      kind: "backfill",
      pages: 3,
      entries: total,
      created: total - deleted,
      updated: 0,
      deleted,
      anomalies: 0,
    });
    expect(succeeded[0].ms).toBeTypeOf("number");
    expect(succeeded[0].ms).toBeGreaterThanOrEqual(0);
    expect(succeeded[0].ms).toBeLessThanOrEqual(after - before);
    expect(started[0].level).toBe(30);
  });

  it("after the backfill: incremental, the next run one interval later; a reconcile once it is due", async () => {
    await backfilled();
    await prisma.pleoConnection.update({ where: { companyId: COMPANY }, data: { syncIntervalMinutes: 7 } });
    const reconciledAt = (await state()).lastReconcileAt;
    const inc = await sync();
    expect(inc).toMatchObject({ started: true, kind: "incremental", status: "succeeded", created: 0, error: null });
    if (!inc.started) throw new Error("not started");
    const s = await state();
    expect(s.nextRunAt!.getTime() - s.lastSuccessAt!.getTime()).toBe(7 * MINUTE);
    // The incremental pass ran (not a reconcile): it stamps the run's start.
    const incRow = await prisma.syncRun.findUniqueOrThrow({ where: { id: inc.runId } });
    expect(s.lastIncrementalAt).toEqual(incRow.startedAt);
    expect(s.lastReconcileAt).toEqual(reconciledAt);

    // The interval passed in decides when a reconcile is due.
    const rec = await sync({ reconcileIntervalMs: 0 });
    expect(rec).toMatchObject({ started: true, kind: "reconcile", status: "succeeded", error: null });
    if (!rec.started) throw new Error("not started");
    const s2 = await state();
    expect(s2.nextRunAt!.getTime() - s2.lastSuccessAt!.getTime()).toBe(7 * MINUTE);
    const recRow = await prisma.syncRun.findUniqueOrThrow({ where: { id: rec.runId } });
    expect(s2.lastReconcileAt).toEqual(recRow.startedAt);
    expect((await events()).map((e) => e.detail)).toEqual([
      "Recent changes: 0 created, 0 updated, 0 deleted.",
      "Daily full check: 0 created, 0 updated, 0 deleted.",
    ]);
    expect((await runs()).map((r) => [r.kind, r.trigger])).toEqual([
      ["backfill", "connect"],
      ["incremental", "schedule"],
      ["reconcile", "schedule"],
    ]);
  });

  it("a history window changed while the run ran makes the next run due at once", async () => {
    await backfilled();
    const result = await sync({
      kind: "incremental",
      onPage: async () => {
        await prisma.pleoConnection.update({ where: { companyId: COMPANY }, data: { historyMonths: 24 } });
      },
    });
    expect(result).toMatchObject({ kind: "incremental", status: "succeeded" });
    const s = await state();
    expect(s.nextRunAt).toEqual(s.lastSuccessAt);
  });

  it("the event names the user who asked, for a manual or settings run only", async () => {
    await backfilled();
    const cases: Array<[RunSyncOptions["trigger"], string | undefined, string, string | null]> = [
      ["manual", userId, "user", userId],
      ["settings", userId, "user", userId],
      ["schedule", userId, "scheduler", null],
      ["connect", userId, "scheduler", null],
      ["manual", undefined, "scheduler", null],
      ["manual", "", "scheduler", null],
    ];
    for (const [trigger, requestedBy, actor, actorUserId] of cases) {
      await prisma.connectionEvent.deleteMany({ where: { companyId: COMPANY } });
      const r = await sync({ trigger, requestedBy, kind: "incremental" });
      expect(r).toMatchObject({ status: "succeeded" });
      const ev = await events();
      expect(ev).toHaveLength(1);
      expect([trigger, requestedBy, ev[0].actor, ev[0].actorUserId]).toEqual([
        trigger,
        requestedBy,
        actor,
        actorUserId,
      ]);
    }
  });

  it("a forced kind runs whatever the state says", async () => {
    await backfilled();
    expect(await sync({ kind: "reconcile" })).toMatchObject({ kind: "reconcile", status: "succeeded" });
    // Each run checks the wallet currency again (on its first page with one).
    await prisma.pleoCompany.update({ where: { id: COMPANY }, data: { currency: "XXX" } });
    const full = await sync({ kind: "backfill" });
    expect((await prisma.pleoCompany.findUniqueOrThrow({ where: { id: COMPANY } })).currency).toBe(
      (await world.sandbox.control.summary(COMPANY)).currency,
    );
    expect(full).toMatchObject({ kind: "backfill", status: "succeeded", pages: 3, entries: ENTRIES, updated: 0 });
    expect((await runs()).map((r) => r.kind)).toEqual(["backfill", "reconcile", "backfill"]);
  });

  it("the backfill starts at the history window, cut in the company's zone learnt by the directory refresh", async () => {
    // Not known before the first run: the directory refresh stores it.
    await prisma.pleoCompany.update({ where: { id: COMPANY }, data: { timeZone: null } });
    await prisma.pleoConnection.update({ where: { companyId: COMPANY }, data: { historyMonths: 3 } });
    const before = new Date();
    const result = await sync({ trigger: "connect" });
    const after = new Date();
    expect(result).toMatchObject({ kind: "backfill", status: "succeeded" });
    expect((await prisma.pleoCompany.findUniqueOrThrow({ where: { id: COMPANY } })).timeZone).toBe(ZONE);
    const s = await state();
    const starts = [historyStart(3, before, ZONE), historyStart(3, after, ZONE)].map((d) => d!.getTime());
    expect(starts).toContain(s.coveredFrom!.getTime());
    // Not UTC's month start (Copenhagen is ahead of UTC).
    expect(s.coveredFrom!.getUTCHours()).toBeGreaterThan(20);
    // Only the window's entries were read.
    const local = await prisma.accountingEntry.findMany({
      where: { companyId: COMPANY },
      select: { performedAt: true },
    });
    expect(result).toMatchObject({ entries: local.length });
    expect(local.length).toBeLessThan(ENTRIES);
    expect(local.length).toBeGreaterThanOrEqual(
      (await world.sandbox.control.summary(COMPANY, s.coveredFrom!)).countFrom!,
    );
    expect(local.filter((e) => e.performedAt < s.coveredFrom!)).toEqual([]);
  });

  it("a wider history window fills in the older entries only, labelled as such", async () => {
    await prisma.pleoConnection.update({ where: { companyId: COMPANY }, data: { historyMonths: 3 } });
    const first = await sync({ trigger: "connect" });
    const coveredFrom = (await state()).coveredFrom!;
    await prisma.connectionEvent.deleteMany({ where: { companyId: COMPANY } });
    await prisma.pleoConnection.update({ where: { companyId: COMPANY }, data: { historyMonths: null } });
    if (!first.started) throw new Error("not started");

    const wider = await sync({ trigger: "settings", requestedBy: userId });
    expect(wider).toMatchObject({
      kind: "backfill",
      status: "succeeded",
      entries: ENTRIES - first.entries,
      updated: 0,
    });
    if (!wider.started) throw new Error("not started");
    expect(wider.created + wider.deleted).toBe(ENTRIES - first.entries);
    expect((await events()).map((e) => [e.actor, e.detail])).toEqual([
      ["user", `Older expenses (wider history window): ${wider.created} created, 0 updated, ${wider.deleted} deleted.`],
    ]);
    const s = await state();
    expect(s).toMatchObject({ coveredFrom: null, backfillUntil: null });
    expect(s.backfillCompletedAt).toBeInstanceOf(Date);
    expect(coveredFrom).toBeInstanceOf(Date);
    await expectEqualToSandbox(world, COMPANY);

    // Forced, the same state is a full backfill instead (everything re-read).
    await prisma.pleoConnection.update({ where: { companyId: COMPANY }, data: { historyMonths: 3 } });
    await sync({ kind: "backfill" });
    await prisma.pleoConnection.update({ where: { companyId: COMPANY }, data: { historyMonths: null } });
    const forced = await sync({ kind: "backfill" });
    expect(forced).toMatchObject({ kind: "backfill", status: "succeeded", entries: ENTRIES });
    expect((await events()).at(-1)!.detail).toMatch(/^Full sync: /);
  });

  it("a run stopped after a page resumes at the saved cursor; a completed backfill's leftover cursor is spent", async () => {
    const ac = new AbortController();
    const stopped = await sync({ trigger: "connect", signal: ac.signal, onPage: () => ac.abort() });
    expect(stopped).toMatchObject({
      started: true,
      kind: "backfill",
      status: "aborted",
      error: "stopped",
      pages: 1,
      entries: 10,
      created: 10,
    });
    const cursor = (await state()).backfillCursor;
    expect(cursor).toEqual(expect.any(String));
    const resumed = await sync();
    expect(resumed).toMatchObject({
      kind: "backfill",
      status: "succeeded",
      pages: 2,
      entries: ENTRIES - 10,
      updated: 0,
    });
    expect(await prisma.accountingEntry.count({ where: { companyId: COMPANY } })).toBe(ENTRIES);
    await expectEqualToSandbox(world, COMPANY);

    // The cursor left behind by a completed backfill is not resumed: a forced backfill reads everything.
    await setState({ backfillCursor: cursor });
    const full = await sync({ kind: "backfill" });
    expect(full).toMatchObject({ kind: "backfill", status: "succeeded", pages: 3, entries: ENTRIES });
  });

  it("a resumed backfill keeps the range stored with its cursor", async () => {
    await prisma.pleoConnection.update({ where: { companyId: COMPANY }, data: { historyMonths: 3 } });
    const first = await sync({ trigger: "connect" });
    if (!first.started) throw new Error("not started");
    const coveredFrom = (await state()).coveredFrom!;
    await prisma.pleoConnection.update({ where: { companyId: COMPANY }, data: { historyMonths: null } });
    const older = (await sandboxCount()) - first.entries;
    expect(older).toBeGreaterThan(5);
    const ac = new AbortController();
    const stopped = await sync({ pageSize: 5, signal: ac.signal, onPage: () => ac.abort() });
    expect(stopped).toMatchObject({ kind: "backfill", status: "aborted", pages: 1, entries: 5 });
    expect(await state()).toMatchObject({ coveredFrom: null, backfillUntil: coveredFrom });
    await prisma.connectionEvent.deleteMany({ where: { companyId: COMPANY } });

    const resumed = await sync({ pageSize: 5 });
    expect(resumed).toMatchObject({ kind: "backfill", status: "succeeded", entries: older - 5, updated: 0 });
    if (!resumed.started) throw new Error("not started");
    expect((await events()).map((e) => e.detail)).toEqual([
      `Older expenses (wider history window): ${resumed.created} created, 0 updated, ${resumed.deleted} deleted.`,
    ]);
    expect(await prisma.accountingEntry.count({ where: { companyId: COMPANY } })).toBe(ENTRIES);
  });

  it("an abort's reason: a sync error code is kept, anything else is 'stopped'; a run row left running is abandoned", async () => {
    const stale = await prisma.syncRun.create({
      data: { companyId: COMPANY, kind: "backfill", trigger: "schedule", status: "running" },
    });
    const cap = captureLogger();
    const ac = new AbortController();
    ac.abort("shutdown");
    const r1 = await sync({ signal: ac.signal, logger: cap.logger });
    expect(r1).toMatchObject({ started: true, kind: "backfill", status: "aborted", error: "shutdown", pages: 0 });
    if (!r1.started) throw new Error("not started");
    expect(await prisma.syncRun.findUniqueOrThrow({ where: { id: stale.id } })).toMatchObject({
      status: "abandoned",
      error: "interrupted",
    });
    expect(await prisma.syncRun.findUniqueOrThrow({ where: { id: r1.runId } })).toMatchObject({
      status: "aborted",
      error: "shutdown",
      pages: 0,
    });
    const warn = cap.lines().filter((l) => l.msg === "sync: run aborted");
    expect(warn).toHaveLength(1);
    expect(warn[0]).toMatchObject({ level: 40, runId: r1.runId, pages: 0, reason: "shutdown" });

    // Aborted by the caller mid-run, with a code.
    const mid = new AbortController();
    const r2 = await sync({ signal: mid.signal, onPage: () => mid.abort("disconnected") });
    expect(r2).toMatchObject({ status: "aborted", error: "disconnected", pages: 1 });

    // Only a string is read as a code (a list holding one reads as that code when made a string).
    for (const reason of ["not-a-code", new Error("shutdown"), ["shutdown"], undefined]) {
      const c = new AbortController();
      c.abort(reason);
      const r = await sync({ signal: c.signal });
      expect(r).toMatchObject({ status: "aborted", error: "stopped" });
    }
    // Aborts record no failure and no event.
    expect(await state()).toMatchObject({ consecutiveFailures: 0, lastError: null, leaseOwner: null });
    expect(await events()).toEqual([]);
  });

  it("a failed run: its code, the retry 30 s doubling per failure in a row, capped at the interval", async () => {
    await backfilled();
    await world.sandbox.control.fault({ path: SEARCH, status: 400 });
    const cap = captureLogger();
    const before = Date.now();
    const r = await sync({ kind: "incremental", trigger: "manual", requestedBy: userId, logger: cap.logger });
    expect(r).toMatchObject({ started: true, kind: "incremental", status: "failed", error: "pleo_refused", pages: 0 });
    if (!r.started) throw new Error("not started");
    let s = await state();
    expect(s).toMatchObject({ consecutiveFailures: 1, lastError: "pleo_refused" });
    expect(s.lastErrorAt!.getTime()).toBeGreaterThanOrEqual(before);
    expect(s.nextRunAt!.getTime() - s.lastErrorAt!.getTime()).toBe(30_000);
    expect(await prisma.syncRun.findUniqueOrThrow({ where: { id: r.runId } })).toMatchObject({
      status: "failed",
      error: "pleo_refused",
    });
    const ev = await events();
    expect(ev.map((e) => [e.type, e.actor, e.actorUserId, e.detail])).toEqual([
      ["sync_failed", "user", userId, SYNC_ERROR_SENTENCES.pleo_refused],
    ]);
    const err = cap.lines().filter((l) => l.msg === "sync: run failed");
    expect(err).toHaveLength(1);
    expect(err[0]).toMatchObject({ level: 50, runId: r.runId, kind: "incremental", pages: 0 });
    expect((err[0].err as { type?: string }).type).toBe("PleoApiError");

    await sync({ kind: "incremental" });
    s = await state();
    expect(s.consecutiveFailures).toBe(2);
    expect(s.nextRunAt!.getTime() - s.lastErrorAt!.getTime()).toBe(60_000);
    await sync({ kind: "incremental" });
    s = await state();
    expect(s.consecutiveFailures).toBe(3);
    expect(s.nextRunAt!.getTime() - s.lastErrorAt!.getTime()).toBe(120_000);
    // Capped at the interval.
    await prisma.pleoConnection.update({ where: { companyId: COMPANY }, data: { syncIntervalMinutes: 1 } });
    await sync({ kind: "incremental" });
    s = await state();
    expect(s.consecutiveFailures).toBe(4);
    expect(s.nextRunAt!.getTime() - s.lastErrorAt!.getTime()).toBe(60_000);
    // The scheduled event names the scheduler.
    expect((await events()).at(-1)).toMatchObject({ type: "sync_failed", actor: "scheduler", actorUserId: null });

    // A success clears the failures.
    await world.sandbox.control.clearFaults();
    await sync({ kind: "incremental" });
    expect(await state()).toMatchObject({ consecutiveFailures: 0, lastError: null });
  });

  it("a connection Pleo no longer accepts: needs_reauth, retried after the interval without backoff", async () => {
    await backfilled();
    await prisma.pleoConnection.update({ where: { companyId: COMPANY }, data: { syncIntervalMinutes: 9 } });
    await world.sandbox.control.revoke(COMPANY, { keepInstallation: true });
    const cap = captureLogger();
    try {
      const r = await sync({ kind: "incremental", trigger: "settings", requestedBy: userId, logger: cap.logger });
      expect(r).toMatchObject({
        started: true,
        kind: "incremental",
        status: "needs_reauth",
        error: "needs_reconnect",
        pages: 0,
      });
      if (!r.started) throw new Error("not started");
      const s = await state();
      expect(s).toMatchObject({ consecutiveFailures: 1, lastError: "needs_reconnect", leaseOwner: null });
      expect(s.nextRunAt!.getTime() - s.lastErrorAt!.getTime()).toBe(9 * MINUTE);
      expect(await prisma.syncRun.findUniqueOrThrow({ where: { id: r.runId } })).toMatchObject({
        status: "needs_reauth",
        error: "needs_reconnect",
      });
      // (The token manager records Pleo's refusal as its own event.)
      const failedEvents = (await events()).filter((e) => e.type !== "needs_reconnect");
      expect(failedEvents.map((e) => [e.type, e.actor, e.actorUserId, e.detail])).toEqual([
        ["sync_failed", "user", userId, SYNC_ERROR_SENTENCES.needs_reconnect],
      ]);
      const warn = cap.lines().filter((l) => l.msg === "sync: stopped, connection needs reauthorization");
      expect(warn).toHaveLength(1);
      expect(warn[0]).toMatchObject({ level: 40, runId: r.runId });
      expect(warn[0].reason).toEqual(expect.any(String));
    } finally {
      await world.reconnect(COMPANY);
    }
  });

  it("the lease: another holder means no run; the given owner and TTL are the ones held; released after", async () => {
    await backfilled();
    await setState({ leaseOwner: "other-host:1:beef", leaseExpiresAt: new Date(Date.now() + MINUTE) });
    const cap = captureLogger();
    expect(await sync({ logger: cap.logger })).toEqual({ started: false, reason: "already_running" });
    expect(cap.lines().filter((l) => l.msg === "sync: lease held elsewhere, not starting")).toHaveLength(1);
    expect(await runs()).toHaveLength(1);
    expect(await state()).toMatchObject({ leaseOwner: "other-host:1:beef" });

    await setState({ leaseOwner: null, leaseExpiresAt: null });
    const seen: Array<{ owner: string | null; ttl: number }> = [];
    const r = await sync({
      kind: "reconcile",
      owner: "me:1:cafe",
      leaseTtlMs: 123_000,
      onPage: async () => {
        const s = await state();
        seen.push({ owner: s.leaseOwner, ttl: s.leaseExpiresAt!.getTime() - Date.now() });
      },
    });
    expect(r).toMatchObject({ status: "succeeded" });
    expect(seen.length).toBeGreaterThan(0);
    for (const x of seen) {
      expect(x.owner).toBe("me:1:cafe");
      expect(x.ttl).toBeGreaterThan(100_000);
      expect(x.ttl).toBeLessThanOrEqual(123_000);
    }
    expect(await state()).toMatchObject({ leaseOwner: null, leaseExpiresAt: null });
  });

  it("with leaseHeld the caller's lease is used as it is; another owner's lease is left alone at the end", async () => {
    await backfilled();
    await setState({ leaseOwner: "caller:1:abcd", leaseExpiresAt: new Date(Date.now() + MINUTE) });
    const r = await sync({ kind: "incremental", owner: "caller:1:abcd", leaseHeld: true });
    expect(r).toMatchObject({ started: true, status: "succeeded" });
    expect(await state()).toMatchObject({ leaseOwner: null });
  });

  it("a lease taken by another owner mid-run: a page's write or the heartbeat stops it as lease_lost", async () => {
    // The next page's transaction finds it.
    const r1 = await sync({
      onPage: async (p) => {
        if (p.pages === 1) await setState({ leaseOwner: "thief:1:0001" });
      },
    });
    expect(r1).toMatchObject({ status: "aborted", error: "lease_lost", pages: 1 });
    // The thief keeps its lease.
    expect(await state()).toMatchObject({ leaseOwner: "thief:1:0001" });
    await setState({ leaseOwner: null, leaseExpiresAt: null });

    // The heartbeat (every second with a 3 s lease; two beats are waited for) finds it while a page is being handled, and stops the
    // run even though the lease is back with it by the next page.
    const r2 = await sync({
      owner: "me:1:0002",
      leaseTtlMs: 3_000,
      onPage: async (p) => {
        if (p.pages !== 1) return;
        await setState({ leaseOwner: "thief:1:0002" });
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        await setState({ leaseOwner: "me:1:0002" });
      },
    });
    expect(r2).toMatchObject({ status: "aborted", error: "lease_lost", pages: 1 });
    expect(await state()).toMatchObject({ leaseOwner: null });
  });

  it("a finished run keeps the company's newest 500 runs; its heartbeat stops with it", async () => {
    await backfilled();
    const old = Date.now() - DAY;
    await prisma.syncRun.createMany({
      data: Array.from({ length: 500 }, (_, i) => ({
        companyId: COMPANY,
        kind: "incremental",
        trigger: "schedule",
        status: "succeeded",
        startedAt: new Date(old + i * 1000),
      })),
    });
    const r = await sync({ kind: "incremental", owner: "me:1:0003", leaseTtlMs: 3_000 });
    expect(r).toMatchObject({ status: "succeeded" });
    if (!r.started) throw new Error("not started");
    expect(await prisma.syncRun.count({ where: { companyId: COMPANY } })).toBe(500);
    expect(await prisma.syncRun.findUnique({ where: { id: r.runId } })).not.toBeNull();
    // The same owner taking the lease again (a later run of this process) is not renewed by the old run's beat.
    const expires = new Date(Date.now() + 500);
    await setState({ leaseOwner: "me:1:0003", leaseExpiresAt: expires });
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect((await state()).leaseExpiresAt).toEqual(expires);
  });

  it("a backfill that failed before its first page starts over in full, even after the window was widened", async () => {
    await prisma.pleoConnection.update({ where: { companyId: COMPANY }, data: { historyMonths: 3 } });
    await world.sandbox.control.fault({ path: SEARCH, status: 400, times: 1 });
    expect(await sync({ trigger: "connect" })).toMatchObject({ kind: "backfill", status: "failed", pages: 0 });
    const s = await state();
    expect(s).toMatchObject({ backfillCursor: null, backfillCompletedAt: null });
    expect(s.coveredFrom).toBeInstanceOf(Date);
    await prisma.pleoConnection.update({ where: { companyId: COMPANY }, data: { historyMonths: null } });
    const r = await sync();
    expect(r).toMatchObject({ kind: "backfill", status: "succeeded", entries: ENTRIES });
    expect(await state()).toMatchObject({ coveredFrom: null, backfillUntil: null });
  });

  it("without a logger of its own the run logs to the process logger, and the client's lines name the run", async () => {
    await backfilled();
    const cap = captureLogger();
    setProcessLogger(cap.logger);
    try {
      const r = await sync({ kind: "incremental" });
      if (!r.started) throw new Error("not started");
      const lines = cap.lines();
      expect(lines.filter((l) => l.msg === "sync: run succeeded" && l.runId === r.runId)).toHaveLength(1);
      const requests = lines.filter((l) => l.event === "pleo.request");
      expect(requests.length).toBeGreaterThan(0);
      for (const l of requests) expect([l.runId, l.companyId]).toEqual([r.runId, COMPANY]);
    } finally {
      setProcessLogger(undefined);
    }
  });

  it("a failure before the run row exists is thrown and logged, and nothing is recorded", async () => {
    const cap = captureLogger();
    const nobody = randomUUID();
    await expect(
      runSync({ companyId: nobody, trigger: "schedule", leaseHeld: true, owner: "x:1:1", logger: cap.logger }),
    ).rejects.toThrow();
    const lines = cap.lines().filter((l) => l.msg === "sync: could not start run");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, companyId: nobody });
    expect(lines[0].err).toBeTruthy();
    expect(await prisma.syncRun.count({ where: { companyId: nobody } })).toBe(0);
  });
});
