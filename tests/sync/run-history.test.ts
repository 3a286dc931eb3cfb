import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { abandonStaleRuns, addToRun, finishRun, pruneRuns, startRun } from "@/lib/sync/run-history";
import { createTestDatabase, type TestDatabase } from "@/tests/support/db";
import { seedCompany } from "@/tests/support/expense-seed";

// The SyncRun rows (lib/sync/run-history.ts) on a real PGlite database: each write touches the run or
// the company it names and no other, and each counter lands in its own column.

const COMPANY = randomUUID();
const OTHER = randomUUID();
const at = (iso: string) => new Date(iso);

describe("run history", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase("pglite", { processDatabase: true });
    await seedCompany(database.prisma, { id: COMPANY, currency: "DKK" });
    await seedCompany(database.prisma, { id: OTHER, currency: "DKK" });
  });
  afterAll(() => database?.drop());
  beforeEach(async () => {
    await database.prisma.syncRun.deleteMany({});
  });

  const rowOf = (id: string) => database.prisma.syncRun.findUniqueOrThrow({ where: { id } });
  const counts = { created: 3, updated: 5, deleted: 7, anomalies: 11 };

  it("startRun writes a running row with the run's kind, trigger and start, and zero counters", async () => {
    const id = await startRun(COMPANY, {
      kind: "backfill",
      trigger: "schedule",
      startedAt: at("2026-11-30T10:00:00Z"),
    });
    expect(await rowOf(id)).toMatchObject({
      id,
      companyId: COMPANY,
      kind: "backfill",
      trigger: "schedule",
      status: "running",
      startedAt: at("2026-11-30T10:00:00Z"),
      finishedAt: null,
      pages: 0,
      created: 0,
      updated: 0,
      deleted: 0,
      anomalies: 0,
      error: null,
    });
    const second = await startRun(COMPANY, { kind: "incremental", trigger: "manual", startedAt: new Date() });
    expect(second).not.toBe(id);
  });

  it("addToRun adds each figure to its own counter, and only on that run", async () => {
    const id = await startRun(COMPANY, { kind: "backfill", trigger: "manual", startedAt: new Date() });
    const other = await startRun(COMPANY, { kind: "backfill", trigger: "manual", startedAt: new Date() });
    await addToRun(database.prisma, id, 2, counts);
    await addToRun(database.prisma, id, 1, { created: 1, updated: 0, deleted: 2, anomalies: 0 });
    expect(await rowOf(id)).toMatchObject({ pages: 3, created: 4, updated: 5, deleted: 9, anomalies: 11 });
    expect(await rowOf(other)).toMatchObject({ pages: 0, created: 0, updated: 0, deleted: 0, anomalies: 0 });
  });

  it("addToRun inside a transaction that rolls back leaves the counters as they were", async () => {
    const id = await startRun(COMPANY, { kind: "backfill", trigger: "manual", startedAt: new Date() });
    await expect(
      database.prisma.$transaction(async (tx) => {
        await addToRun(tx, id, 1, counts);
        throw new Error("the page's write failed");
      }),
    ).rejects.toThrow("the page's write failed");
    expect(await rowOf(id)).toMatchObject({ pages: 0, created: 0 });
  });

  it("finishRun records the outcome, the error, the end time and the final counters (replacing the running ones)", async () => {
    const id = await startRun(COMPANY, { kind: "reconcile", trigger: "manual", startedAt: at("2026-11-30T10:00:00Z") });
    const other = await startRun(COMPANY, { kind: "reconcile", trigger: "manual", startedAt: new Date() });
    await addToRun(database.prisma, id, 9, { created: 9, updated: 9, deleted: 9, anomalies: 9 });
    const before = Date.now();
    await finishRun(database.prisma, id, { status: "failed", error: "rate_limited", pages: 4, ...counts });
    const row = await rowOf(id);
    expect(row).toMatchObject({ status: "failed", error: "rate_limited", pages: 4, ...counts });
    expect(row.finishedAt).toBeInstanceOf(Date);
    expect(row.finishedAt!.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(row.finishedAt!.getTime()).toBeLessThanOrEqual(Date.now() + 1);
    expect(await rowOf(other)).toMatchObject({ status: "running", finishedAt: null, error: null });

    await finishRun(database.prisma, other, { status: "succeeded", error: null, pages: 0, ...counts });
    expect(await rowOf(other)).toMatchObject({ status: "succeeded", error: null });
  });

  it("abandonStaleRuns marks this company's running rows abandoned at the given time, and nothing else", async () => {
    const stale = await startRun(COMPANY, {
      kind: "backfill",
      trigger: "schedule",
      startedAt: at("2026-11-30T09:00:00Z"),
    });
    const done = await startRun(COMPANY, { kind: "incremental", trigger: "schedule", startedAt: new Date() });
    await finishRun(database.prisma, done, { status: "succeeded", error: null, pages: 1, ...counts });
    const elsewhere = await startRun(OTHER, { kind: "backfill", trigger: "schedule", startedAt: new Date() });

    await abandonStaleRuns(database.prisma, COMPANY, at("2026-11-30T11:00:00Z"));

    expect(await rowOf(stale)).toMatchObject({
      status: "abandoned",
      error: "interrupted",
      finishedAt: at("2026-11-30T11:00:00Z"),
    });
    expect(await rowOf(done)).toMatchObject({ status: "succeeded", error: null });
    expect((await rowOf(done)).finishedAt).not.toEqual(at("2026-11-30T11:00:00Z"));
    expect(await rowOf(elsewhere)).toMatchObject({ status: "running", error: null, finishedAt: null });
  });

  it("pruneRuns keeps the company's newest runs by start time, and no other company's are touched", async () => {
    const ids: string[] = [];
    // Created newest first, so the order of insertion is not the order kept.
    for (const day of [5, 4, 3, 2, 1]) {
      ids.push(
        await startRun(COMPANY, {
          kind: "incremental",
          trigger: "schedule",
          startedAt: at(`2026-11-0${day}T00:00:00Z`),
        }),
      );
    }
    const elsewhere = await Promise.all(
      [1, 2, 3].map((day) =>
        startRun(OTHER, { kind: "incremental", trigger: "schedule", startedAt: at(`2026-10-0${day}T00:00:00Z`) }),
      ),
    );

    await pruneRuns(database.prisma, COMPANY, 2);

    const left = await database.prisma.syncRun.findMany({
      where: { companyId: COMPANY },
      orderBy: { startedAt: "desc" },
    });
    expect(left.map((r) => r.id)).toEqual(ids.slice(0, 2));
    expect(await database.prisma.syncRun.count({ where: { companyId: OTHER } })).toBe(elsewhere.length);

    await pruneRuns(database.prisma, COMPANY, 2);
    expect(await database.prisma.syncRun.count({ where: { companyId: COMPANY } })).toBe(2);
  });
});
