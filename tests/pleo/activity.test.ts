import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { byUser, PLEO, pruneEvents, recordEvent, recordEventIn, SCHEDULER } from "@/lib/pleo/activity";
import { registerGrantEndedWrite, runGrantEndedWrites } from "@/lib/pleo/grant-ended";
import { COMPANY_BRIGHTWAVE } from "@/sandbox/seed/fixtures";
import { createTestDatabase, type TestDatabase } from "@/tests/support/db";
import { captureLogger, setProcessLogger } from "@/tests/support/logs";

// The connection's activity log (lib/pleo/activity.ts) and the grant-ended writes (lib/pleo/grant-ended.ts),
// on a real PGlite database: what a row holds, which writes commit with their transaction, and which never
// throw into the work they describe.

const COMPANY = COMPANY_BRIGHTWAVE.id;

// Everything inside one describe: a failing hook then fails the tests (README → Mutation testing).
describe("activity log and grant-ended writes", () => {
  let database: TestDatabase;
  let logs: ReturnType<typeof captureLogger>;

  beforeAll(async () => {
    database = await createTestDatabase("pglite");
  });
  afterAll(() => database?.drop());
  beforeEach(async () => {
    await database.prisma.connectionEvent.deleteMany();
    logs = captureLogger();
    setProcessLogger(logs.logger);
  });
  afterEach(() => setProcessLogger(undefined));

  const rows = () =>
    database.prisma.connectionEvent.findMany({
      orderBy: { id: "asc" },
      select: { companyId: true, type: true, actor: true, actorUserId: true, detail: true, at: true },
    });

  it("a row names the actor (the user only for a user), keeps a sentence of detail, and the time given", async () => {
    const at = new Date("2026-11-30T10:00:00Z");
    await recordEventIn(database.prisma, {
      companyId: COMPANY,
      type: "settings_changed",
      actor: byUser("user-1"),
      detail: "x".repeat(400),
      at,
    });
    await recordEventIn(database.prisma, { companyId: COMPANY, type: "needs_reconnect", actor: PLEO, detail: "" });
    const before = Date.now();
    await recordEventIn(database.prisma, { companyId: COMPANY, type: "sync_succeeded", actor: SCHEDULER });
    const [user, pleo, scheduler] = await rows();
    expect(user).toEqual({
      companyId: COMPANY,
      type: "settings_changed",
      actor: "user",
      actorUserId: "user-1",
      detail: "x".repeat(300),
      at,
    });
    expect(pleo).toMatchObject({ actor: "pleo", actorUserId: null, detail: null });
    expect(scheduler).toMatchObject({ actor: "scheduler", actorUserId: null, detail: null });
    // Without a time, the database's own now.
    expect(scheduler.at.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(scheduler.at.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it("inside a transaction the event commits or rolls back with it", async () => {
    await expect(
      database.prisma.$transaction(async (tx) => {
        await recordEventIn(tx, { companyId: COMPANY, type: "disconnected", actor: SCHEDULER });
        throw new Error("the change it describes failed");
      }),
    ).rejects.toThrow("the change it describes failed");
    expect(await rows()).toEqual([]);
  });

  it("recordEventIn throws a failed write; recordEvent logs it once and goes on", async () => {
    const bad = { companyId: "not-a-uuid", type: "token_refreshed" as const, actor: SCHEDULER };
    await expect(recordEventIn(database.prisma, bad)).rejects.toThrow();
    await expect(recordEvent(database.prisma, bad)).resolves.toBeUndefined();
    const warnings = logs.lines().filter((l) => l.msg === "activity log write failed");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: 40,
      module: "activity",
      companyId: "not-a-uuid",
      type: "token_refreshed",
    });
    expect(warnings[0].err).toMatchObject({ message: expect.any(String) });
    // A write that works is not logged.
    await recordEvent(database.prisma, { companyId: COMPANY, type: "token_refreshed", actor: SCHEDULER });
    expect(await rows()).toHaveLength(1);
    expect(logs.lines().filter((l) => l.msg === "activity log write failed")).toHaveLength(1);
  });

  it("pruneEvents drops events older than the cut-off, keeps the rest, and says how many went", async () => {
    const cutOff = new Date("2026-09-01T00:00:00Z");
    for (const at of ["2026-08-01T00:00:00Z", "2026-08-31T23:59:59Z", "2026-09-01T00:00:00Z", "2026-11-01T00:00:00Z"]) {
      await recordEventIn(database.prisma, {
        companyId: COMPANY,
        type: "sync_succeeded",
        actor: SCHEDULER,
        at: new Date(at),
      });
    }
    expect(await pruneEvents(database.prisma, cutOff)).toBe(2);
    expect((await rows()).map((r) => r.at.toISOString())).toEqual([
      "2026-09-01T00:00:00.000Z",
      "2026-11-01T00:00:00.000Z",
    ]);
    expect(await pruneEvents(database.prisma, cutOff)).toBe(0);
  });

  it("grant-ended writes run in registration order inside the caller's transaction; a name registered again replaces", async () => {
    const ran: string[] = [];
    const detachA = registerGrantEndedWrite("test-a", async (tx, companyId) => {
      ran.push(`a:${companyId}`);
      await recordEventIn(tx, { companyId, type: "needs_reconnect", actor: PLEO });
    });
    const detachB = registerGrantEndedWrite("test-b", async (_tx, companyId) => void ran.push(`b:${companyId}`));
    const staleA = detachA;
    const detachA2 = registerGrantEndedWrite("test-a", async (_tx, companyId) => void ran.push(`a2:${companyId}`));
    try {
      // The replacement keeps the name's place; the stale detach no longer removes it.
      staleA();
      await database.prisma.$transaction((tx) => runGrantEndedWrites(tx, COMPANY));
      expect(ran).toEqual([`a2:${COMPANY}`, `b:${COMPANY}`]);

      // A write that throws fails the caller's transaction: nothing written commits.
      const detachC = registerGrantEndedWrite("test-c", async (tx, companyId) => {
        await recordEventIn(tx, { companyId, type: "needs_reconnect", actor: PLEO });
        throw new Error("cannot end sessions");
      });
      ran.length = 0;
      await expect(database.prisma.$transaction((tx) => runGrantEndedWrites(tx, COMPANY))).rejects.toThrow(
        "cannot end sessions",
      );
      expect(ran).toEqual([`a2:${COMPANY}`, `b:${COMPANY}`]);
      expect(await rows()).toEqual([]);
      detachC();
    } finally {
      detachA2();
      detachB();
    }
    ran.length = 0;
    await database.prisma.$transaction((tx) => runGrantEndedWrites(tx, COMPANY));
    expect(ran).toEqual([]);
  });
});
