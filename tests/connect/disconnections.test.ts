/**
 * The Disconnection bookkeeping (lib/connections/disconnections.ts) on its own, with a real PGlite
 * database and the real sandbox over HTTP: what a disconnect records, who may list it, the claim that
 * keeps two instances off one row, what each uninstall outcome writes (status, backoff, give-up, event,
 * grant), that an outcome is only written by the claim's holder while the row is still pending, and
 * which rows the background job picks. The settings suites (tests/settings/uninstall.test.ts,
 * actions.test.ts) cover the same through the page's actions.
 */
import { hostname } from "node:os";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  attemptUninstall,
  cancelPendingUninstalls,
  CLAIM_MS,
  claimUninstall,
  createDisconnection,
  getDisconnectionForViewer,
  listDisconnectionsForViewer,
  newClaimOwner,
  retryDueUninstalls,
} from "@/lib/connections/disconnections";
import { byUser, SCHEDULER } from "@/lib/pleo/activity";
import { moveGrantToDisconnection } from "@/lib/pleo/token-store";
import { COMPANY_BRIGHTWAVE, COMPANY_THISTLE } from "@/sandbox/seed/fixtures";
import { withBusyProcessDatabase } from "@/tests/support/db";
import { captureLogger, setProcessLogger } from "@/tests/support/logs";
import { createWorld, type World } from "@/tests/support/world";
import { SYNC_ENV } from "@/tests/sync/support";

const THISTLE = COMPANY_THISTLE.id;
const BRIGHTWAVE = COMPANY_BRIGHTWAVE.id;
const OTHER = "0b7f4c1e-2a9d-4e3b-8c5f-6d1a2b3c4d5e";
const DELETE = "DELETE /v1/installations/me";
const T0 = new Date("2026-11-30T12:00:00.000Z");

const VIEW_KEYS = [
  "attempts",
  "companyId",
  "companyName",
  "completedAt",
  "entryCount",
  "id",
  "keepData",
  "nextAttemptAt",
  "requestedAt",
  "uninstallDetail",
  "uninstallStatus",
];

// Everything inside one describe: a failing hook then fails the tests (README → Mutation testing).
describe("disconnections", () => {
  let world: World;
  let logs: ReturnType<typeof captureLogger>;

  beforeAll(async () => {
    world = await createWorld({
      database: "pglite",
      sandbox: { entries: 10, rateLimit: false },
      env: SYNC_ENV,
    });
  });
  afterAll(async () => {
    await world?.close();
  });
  beforeEach(async () => {
    await world.reset();
    await world.prisma.disconnection.deleteMany();
    await world.prisma.connectionEvent.deleteMany();
    logs = captureLogger();
    setProcessLogger(logs.logger);
  });
  afterEach(() => setProcessLogger(undefined));

  const row = (id: string) => world.prisma.disconnection.findUniqueOrThrow({ where: { id } });
  const requests = async () => (await world.sandbox.control.stats()).apiRequestsByPath[DELETE] ?? 0;
  const events = (companyId: string) =>
    world.prisma.connectionEvent.findMany({
      where: { companyId },
      orderBy: { id: "asc" },
      select: { type: true, actor: true, actorUserId: true, detail: true, at: true },
    });

  /** A disconnect's row, as lib/settings/disconnect.ts writes it; with the connection's grant moved onto it if `grant`. */
  async function disconnection(
    companyId: string,
    opts: { grant?: boolean; userId?: string; sessionId?: string | null; now?: Date; name?: string } = {},
  ): Promise<string> {
    if (opts.grant) {
      await world.connect(companyId);
      await world.prisma.connectionEvent.deleteMany();
    }
    return world.prisma.$transaction(async (tx) => {
      const id = await createDisconnection(tx, {
        companyId,
        companyName: opts.name ?? "Thistle & Co",
        userId: opts.userId ?? "user-1",
        sessionId: opts.sessionId === undefined ? "session-1" : opts.sessionId,
        keepData: true,
        entryCount: 7,
        now: opts.now ?? new Date(),
      });
      if (opts.grant) expect(await moveGrantToDisconnection(tx, companyId, id)).toBe(true);
      return id;
    });
  }

  describe("recording and listing", () => {
    it("a disconnect is recorded pending, due at once, with what was chosen", async () => {
      const id = await world.prisma.$transaction((tx) =>
        createDisconnection(tx, {
          companyId: THISTLE,
          companyName: "Thistle & Co",
          userId: "user-9",
          sessionId: "session-9",
          keepData: false,
          entryCount: 42,
          now: T0,
        }),
      );
      expect(typeof id).toBe("string");
      expect(await row(id)).toMatchObject({
        companyId: THISTLE,
        companyName: "Thistle & Co",
        userId: "user-9",
        sessionId: "session-9",
        keepData: false,
        entryCount: 42,
        requestedAt: T0,
        uninstallStatus: "pending",
        nextAttemptAt: T0,
        attempts: 0,
        claimedBy: null,
      });
    });

    it("a session lists only its own disconnects, newest first, at most `limit` (10 by default), without tokens", async () => {
      for (let i = 0; i < 12; i++) {
        await disconnection(THISTLE, { now: new Date(T0.getTime() + i * 60_000), name: `n${i}` });
      }
      await disconnection(THISTLE, { userId: "user-2", now: new Date(T0.getTime() + 3600_000) });
      await disconnection(THISTLE, { sessionId: "session-2", now: new Date(T0.getTime() + 3600_000) });
      await disconnection(THISTLE, { sessionId: null, now: new Date(T0.getTime() + 3600_000) });
      const viewer = { userId: "user-1", companyIds: [], sessionId: "session-1" };
      const list = await listDisconnectionsForViewer(viewer);
      expect(list.map((d) => d.companyName)).toEqual(["n11", "n10", "n9", "n8", "n7", "n6", "n5", "n4", "n3", "n2"]);
      expect(Object.keys(list[0]).sort()).toEqual(VIEW_KEYS);
      expect(list[0]).toMatchObject({
        companyId: THISTLE,
        keepData: true,
        entryCount: 7,
        uninstallStatus: "pending",
        uninstallDetail: null,
        attempts: 0,
        completedAt: null,
        requestedAt: new Date(T0.getTime() + 11 * 60_000),
        nextAttemptAt: new Date(T0.getTime() + 11 * 60_000),
      });
      expect((await listDisconnectionsForViewer(viewer, 3)).map((d) => d.companyName)).toEqual(["n11", "n10", "n9"]);
      // No session (e.g. a token-less caller): nothing, never everybody's.
      expect(await listDisconnectionsForViewer({ userId: "user-1", companyIds: [], sessionId: null })).toEqual([]);
      expect(await listDisconnectionsForViewer({ userId: "user-1", companyIds: [] })).toEqual([]);
    });

    it("one disconnect is found only in the session it was made in", async () => {
      const id = await disconnection(THISTLE, { now: T0 });
      const mine = { userId: "user-1", companyIds: [], sessionId: "session-1" };
      const found = await getDisconnectionForViewer(mine, id);
      expect(found).not.toBeNull();
      expect(Object.keys(found!).sort()).toEqual(VIEW_KEYS);
      expect(found).toMatchObject({ id, companyId: THISTLE, uninstallStatus: "pending", requestedAt: T0 });
      expect(await getDisconnectionForViewer({ ...mine, sessionId: "session-2" }, id)).toBeNull();
      expect(await getDisconnectionForViewer({ ...mine, userId: "user-2" }, id)).toBeNull();
      expect(await getDisconnectionForViewer({ ...mine, sessionId: null }, id)).toBeNull();
      // A disconnect recorded without a session is listed in none (not in every session-less caller's).
      const sessionless = await disconnection(THISTLE, { sessionId: null });
      expect(await getDisconnectionForViewer({ ...mine, sessionId: null }, sessionless)).toBeNull();
      expect(await getDisconnectionForViewer({ userId: "user-1", companyIds: [] }, sessionless)).toBeNull();
      expect(await getDisconnectionForViewer(mine, "no-such-id")).toBeNull();
    });
  });

  describe("claims", () => {
    it("a claim owner names this host and process, and differs per call", () => {
      const a = newClaimOwner();
      expect(a).toMatch(
        new RegExp(`^${hostname().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:${process.pid}:[0-9a-f]{8}$`),
      );
      expect(newClaimOwner()).not.toBe(a);
    });

    it("one claim at a time; it holds for CLAIM_MS (an expired claim is taken over, at the very instant); only pending rows", async () => {
      const id = await disconnection(THISTLE);
      expect(await claimUninstall(world.prisma, id, "a", T0)).toBe(true);
      expect(await row(id)).toMatchObject({ claimedBy: "a", claimedUntil: new Date(T0.getTime() + CLAIM_MS) });
      expect(CLAIM_MS).toBe(120_000);
      expect(await claimUninstall(world.prisma, id, "b", new Date(T0.getTime() + CLAIM_MS - 1))).toBe(false);
      expect((await row(id)).claimedBy).toBe("a");
      expect(await claimUninstall(world.prisma, id, "b", new Date(T0.getTime() + CLAIM_MS))).toBe(true);
      expect((await row(id)).claimedBy).toBe("b");
      await world.prisma.disconnection.update({
        where: { id },
        data: { uninstallStatus: "done", claimedBy: null, claimedUntil: null },
      });
      expect(await claimUninstall(world.prisma, id, "c", T0)).toBe(false);
      expect(await claimUninstall(world.prisma, "no-such-id", "c", T0)).toBe(false);
    });

    it("a row somebody else holds is left alone: no call to Pleo, nothing written", async () => {
      const id = await disconnection(THISTLE, { grant: true });
      expect(await claimUninstall(world.prisma, id, "other", new Date())).toBe(true);
      const before = await requests();
      expect(await attemptUninstall(id, { actor: SCHEDULER })).toEqual({ claimed: false });
      expect(await requests()).toBe(before);
      expect(await row(id)).toMatchObject({ uninstallStatus: "pending", attempts: 0, claimedBy: "other" });
      expect(await events(THISTLE)).toEqual([]);
    });

    it("the attempt holds the claim (its owner, for CLAIM_MS from its clock) while it talks to Pleo, and lets go after", async () => {
      const id = await disconnection(THISTLE, { grant: true });
      const at = Date.now() + 5_000;
      const seen: Array<{ claimedBy: string | null; claimedUntil: Date | null }> = [];
      const r = await attemptUninstall(id, {
        actor: SCHEDULER,
        owner: "me",
        now: () => at,
        deps: {
          fetch: async (input, init) => {
            seen.push(
              await world.prisma.disconnection.findUniqueOrThrow({
                where: { id },
                select: { claimedBy: true, claimedUntil: true },
              }),
            );
            return fetch(input, init);
          },
        },
      });
      expect(r).toMatchObject({ claimed: true, status: "done" });
      expect(seen).toEqual([{ claimedBy: "me", claimedUntil: new Date(at + CLAIM_MS) }]);
      expect(await row(id)).toMatchObject({ claimedBy: null, claimedUntil: null, lastAttemptAt: new Date(at) });
    });

    it("a claimed attempt for a row that is gone claims nothing", async () => {
      expect(await attemptUninstall("no-such-id", { actor: SCHEDULER, owner: "me", claimed: true })).toEqual({
        claimed: false,
      });
    });
  });

  describe("outcomes", () => {
    it("Pleo uninstalls: done, grant dropped, one DELETE, an 'uninstalled' event by the actor", async () => {
      const id = await disconnection(THISTLE, { grant: true });
      const before = await requests();
      const started = Date.now();
      const r = await attemptUninstall(id, { actor: byUser("user-1") });
      expect(r).toEqual({
        claimed: true,
        status: "done",
        detail: "Pleo removed the installation and revoked the portal's access.",
      });
      expect(await requests()).toBe(before + 1);
      const after = await row(id);
      expect(after).toMatchObject({
        uninstallStatus: "done",
        uninstallDetail: r.claimed ? r.detail : "",
        attempts: 1,
        nextAttemptAt: null,
        claimedBy: null,
        claimedUntil: null,
        accessTokenEnc: null,
        refreshTokenEnc: null,
        accessTokenExpiresAt: null,
        refreshStartedAt: null,
      });
      expect(after.completedAt).toEqual(after.lastAttemptAt);
      expect(after.lastAttemptAt!.getTime()).toBeGreaterThanOrEqual(started);
      expect(after.lastAttemptAt!.getTime()).toBeLessThanOrEqual(Date.now());
      expect((await world.sandbox.control.installations()).some((i) => i.companyId === THISTLE)).toBe(false);
      const ev = await events(THISTLE);
      expect(ev).toEqual([
        {
          type: "uninstalled",
          actor: "user",
          actorUserId: "user-1",
          detail: "Pleo removed the installation and revoked the portal's access.",
          at: after.lastAttemptAt,
        },
      ]);
    });

    it("the outcome is written behind another transaction (a sync page's commit) past Prisma's 2 s default", async () => {
      const id = await disconnection(THISTLE, { grant: true });
      const r = await withBusyProcessDatabase(world.database, 2_500, () => attemptUninstall(id, { actor: SCHEDULER }));
      expect(r).toMatchObject({ claimed: true, status: "done" });
      expect(await row(id)).toMatchObject({ uninstallStatus: "done", accessTokenEnc: null, claimedBy: null });
    });

    it("a grant Pleo already ended: not needed, grant dropped, with the way forward", async () => {
      const id = await disconnection(THISTLE, { grant: true });
      await world.sandbox.control.revoke(THISTLE, { keepInstallation: true });
      const r = await attemptUninstall(id, { actor: SCHEDULER });
      const detail =
        "Pleo had already ended the portal's access to this company. If the app is still listed in Pleo, remove it there.";
      expect(r).toEqual({ claimed: true, status: "not_needed", detail });
      const after = await row(id);
      expect(after).toMatchObject({ uninstallStatus: "not_needed", nextAttemptAt: null, refreshTokenEnc: null });
      expect(after.completedAt).toEqual(after.lastAttemptAt);
      expect(await events(THISTLE)).toMatchObject([{ type: "uninstalled", actor: "scheduler", detail }]);
    });

    it("Pleo unreachable: still pending with the grant, retried after a jittered minute; the event says pending", async () => {
      const id = await disconnection(THISTLE, { grant: true });
      await world.sandbox.control.fault({ path: "/v1/installations/me", status: 503 });
      const at = T0.getTime();
      const r = await attemptUninstall(id, { actor: SCHEDULER, now: () => at, deps: { retry: { baseDelayMs: 1 } } });
      const detail = "Pleo could not be reached. The portal keeps trying in the background.";
      expect(r).toEqual({ claimed: true, status: "pending", detail });
      const after = await row(id);
      expect(after).toMatchObject({
        uninstallStatus: "pending",
        uninstallDetail: detail,
        attempts: 1,
        lastAttemptAt: T0,
        completedAt: null,
        claimedBy: null,
        claimedUntil: null,
      });
      expect(after.refreshTokenEnc).not.toBeNull();
      expect(after.accessTokenEnc).not.toBeNull();
      const wait = after.nextAttemptAt!.getTime() - at;
      expect(wait).toBeGreaterThanOrEqual(30_000);
      expect(wait).toBeLessThanOrEqual(60_000);
      expect(await events(THISTLE)).toEqual([
        { type: "uninstall_pending", actor: "scheduler", actorUserId: null, detail, at: T0 },
      ]);
    });

    it("the backoff doubles per attempt (1 min, 2, 4, …) up to 6 h, jittered into its upper half", async () => {
      await world.sandbox.control.fault({ path: "/v1/installations/me", status: 503 });
      const cases: Array<[number, number]> = [
        [1, 2 * 60_000], // the 2nd attempt waits up to 2 min
        [3, 8 * 60_000],
        [9, 6 * 3600_000], // 2^9 min would be 8.5 h: capped
      ];
      const id = await disconnection(THISTLE, { grant: true });
      for (const [attemptsBefore, max] of cases) {
        await world.prisma.disconnection.update({ where: { id }, data: { attempts: attemptsBefore } });
        const at = T0.getTime();
        const r = await attemptUninstall(id, { actor: SCHEDULER, now: () => at, deps: { retry: { baseDelayMs: 1 } } });
        expect(r).toMatchObject({ claimed: true, status: "pending" });
        const after = await row(id);
        expect(after.attempts).toBe(attemptsBefore + 1);
        const wait = after.nextAttemptAt!.getTime() - at;
        expect(wait).toBeGreaterThanOrEqual(max / 2);
        expect(wait).toBeLessThanOrEqual(max);
      }
      const ev = await events(THISTLE);
      expect(ev.map((e) => e.type)).toEqual(["uninstall_retried", "uninstall_retried", "uninstall_retried"]);
    });

    it("an unexpected answer is tried again (pending) until the 5th attempt, which gives up with the way forward", async () => {
      const id = await disconnection(THISTLE, { grant: true });
      await world.sandbox.control.fault({ path: "/v1/installations/me", status: 403 });
      await world.prisma.disconnection.update({ where: { id }, data: { attempts: 3 } });
      const at = T0.getTime();
      const fourth = await attemptUninstall(id, { actor: SCHEDULER, now: () => at });
      expect(fourth).toEqual({
        claimed: true,
        status: "pending",
        detail: "Pleo refused the uninstall (Pleo answered HTTP 403). The portal tries again later.",
      });
      const pending = await row(id);
      expect(pending).toMatchObject({ attempts: 4, completedAt: null });
      expect(pending.refreshTokenEnc).not.toBeNull();
      const wait = pending.nextAttemptAt!.getTime() - at;
      expect(wait).toBeGreaterThanOrEqual(4 * 60_000);
      expect(wait).toBeLessThanOrEqual(8 * 60_000);

      const fifth = await attemptUninstall(id, { actor: SCHEDULER, now: () => at + 1000 });
      const detail =
        "Pleo refused the uninstall (Pleo answered HTTP 403) 5 times. Remove the app in Pleo's app marketplace instead.";
      expect(fifth).toEqual({ claimed: true, status: "given_up", detail });
      expect(await row(id)).toMatchObject({
        uninstallStatus: "given_up",
        uninstallDetail: detail,
        attempts: 5,
        nextAttemptAt: null,
        completedAt: new Date(at + 1000),
        refreshTokenEnc: null,
        accessTokenEnc: null,
      });
      expect((await events(THISTLE)).map((e) => e.type)).toEqual(["uninstall_retried", "uninstall_retried"]);
    });

    it("an outcome is written only by the claim's holder: a row cancelled meanwhile keeps its state and its record", async () => {
      const id = await disconnection(THISTLE, { grant: true });
      // The caller says it holds the claim, but another owner does: nothing is recorded, the grant stays.
      expect(await claimUninstall(world.prisma, id, "other", new Date())).toBe(true);
      const r = await attemptUninstall(id, { actor: SCHEDULER, owner: "me", claimed: true });
      expect(r).toEqual({ claimed: false });
      const after = await row(id);
      expect(after).toMatchObject({ uninstallStatus: "pending", attempts: 0, claimedBy: "other", completedAt: null });
      expect(after.refreshTokenEnc).not.toBeNull();
      expect(after.accessTokenEnc).not.toBeNull();
      expect(await events(THISTLE)).toEqual([]);
      const warnings = logs.lines().filter((l) => l.msg === "uninstall outcome not recorded: row changed meanwhile");
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ level: 40, module: "disconnect", companyId: THISTLE });
    });

    it("a reconnect that cancels the row while Pleo is being asked wins: the row stays cancelled", async () => {
      const id = await disconnection(THISTLE, { grant: true });
      const r = await attemptUninstall(id, {
        actor: SCHEDULER,
        deps: {
          fetch: async (input, init) => {
            await world.prisma.$transaction((tx) => cancelPendingUninstalls(tx, THISTLE));
            return fetch(input, init);
          },
        },
      });
      expect(r).toEqual({ claimed: false });
      expect(await row(id)).toMatchObject({ uninstallStatus: "cancelled", attempts: 0, lastAttemptAt: null });
    });
  });

  describe("cancelling on reconnect", () => {
    it("cancels only the company's pending uninstalls, with a reason, and forgets their grants", async () => {
      const pending = await disconnection(THISTLE, { grant: true });
      const done = await disconnection(THISTLE);
      await world.prisma.disconnection.update({
        where: { id: done },
        data: { uninstallStatus: "done", uninstallDetail: "kept", completedAt: T0 },
      });
      const other = await disconnection(OTHER);
      await claimUninstall(world.prisma, pending, "someone", new Date());
      const before = Date.now();
      expect(await world.prisma.$transaction((tx) => cancelPendingUninstalls(tx, THISTLE))).toBe(1);
      const after = await row(pending);
      expect(after).toMatchObject({
        uninstallStatus: "cancelled",
        uninstallDetail: "The company was connected again before Pleo confirmed the uninstall.",
        claimedBy: null,
        claimedUntil: null,
        nextAttemptAt: null,
        accessTokenEnc: null,
        refreshTokenEnc: null,
        accessTokenExpiresAt: null,
      });
      expect(after.completedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(after.completedAt!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
      expect(await row(done)).toMatchObject({ uninstallStatus: "done", uninstallDetail: "kept", completedAt: T0 });
      expect(await row(other)).toMatchObject({ uninstallStatus: "pending", completedAt: null });
      expect(await world.prisma.$transaction((tx) => cancelPendingUninstalls(tx, THISTLE))).toBe(0);
    });

    it("several pending rows are all cancelled and counted", async () => {
      const ids = [await disconnection(THISTLE), await disconnection(THISTLE)];
      expect(await world.prisma.$transaction((tx) => cancelPendingUninstalls(tx, THISTLE))).toBe(2);
      for (const id of ids) expect((await row(id)).uninstallStatus).toBe("cancelled");
    });
  });

  describe("the background job", () => {
    it("picks due, unclaimed (or expired-claim) pending rows, oldest due first, at most `limit`; counts what ended", async () => {
      const now = T0.getTime();
      // No grant on these rows: the attempt ends "not needed" without a call to Pleo.
      // Written newest first, so that only the ordering picks the oldest.
      const dueNow = await disconnection(OTHER, { now: new Date(now) }); // due at this very instant
      const due2 = await disconnection(OTHER, { now: new Date(now - 2000) });
      const due1 = await disconnection(OTHER, { now: new Date(now - 3000) });
      const later = await disconnection(OTHER, { now: new Date(now + 1) });
      const done = await disconnection(OTHER, { now: new Date(now - 5000) });
      await world.prisma.disconnection.update({ where: { id: done }, data: { uninstallStatus: "done" } });
      const held = await disconnection(OTHER, { now: new Date(now - 4000) });
      await claimUninstall(world.prisma, held, "alive", new Date(now));

      expect(await retryDueUninstalls({ now: () => now, limit: 2 })).toEqual({ attempted: 2, done: 2 });
      expect((await row(due1)).uninstallStatus).toBe("not_needed");
      expect((await row(due2)).uninstallStatus).toBe("not_needed");
      expect((await row(dueNow)).uninstallStatus).toBe("pending");
      expect(await retryDueUninstalls({ now: () => now })).toEqual({ attempted: 1, done: 1 });
      expect((await row(dueNow)).uninstallStatus).toBe("not_needed");
      expect(await row(later)).toMatchObject({ uninstallStatus: "pending", attempts: 0 });
      expect(await row(held)).toMatchObject({ uninstallStatus: "pending", attempts: 0, claimedBy: "alive" });
      expect(await row(done)).toMatchObject({ uninstallStatus: "done", attempts: 0 });
      const ev = await events(OTHER);
      expect(ev).toHaveLength(3);
      for (const e of ev) expect(e).toMatchObject({ type: "uninstalled", actor: "scheduler" });

      // The claim expires at claimedUntil exactly: then the job takes the row over.
      expect(await retryDueUninstalls({ now: () => now + CLAIM_MS - 1 })).toEqual({ attempted: 1, done: 1 });
      expect((await row(later)).uninstallStatus).toBe("not_needed");
      expect(await retryDueUninstalls({ now: () => now + CLAIM_MS })).toEqual({ attempted: 1, done: 1 });
      expect((await row(held)).uninstallStatus).toBe("not_needed");
    });

    it("a row held by a live claim does not use up the limit", async () => {
      const now = T0.getTime();
      const held = await disconnection(OTHER, { now: new Date(now - 2000) });
      const free = await disconnection(OTHER, { now: new Date(now - 1000) });
      await claimUninstall(world.prisma, held, "alive", new Date(now));
      expect(await retryDueUninstalls({ now: () => now, limit: 1 })).toEqual({ attempted: 1, done: 1 });
      expect((await row(free)).uninstallStatus).toBe("not_needed");
    });

    it("at most 20 per pass by default", async () => {
      const now = T0.getTime();
      await world.prisma.disconnection.createMany({
        data: Array.from({ length: 21 }, (_, i) => ({
          companyId: OTHER,
          companyName: "x",
          userId: "user-1",
          keepData: true,
          entryCount: 0,
          uninstallStatus: "pending",
          nextAttemptAt: new Date(now - 1000 + i),
        })),
      });
      expect(await retryDueUninstalls({ now: () => now })).toEqual({ attempted: 20, done: 20 });
      expect(await world.prisma.disconnection.count({ where: { uninstallStatus: "pending" } })).toBe(1);
    });

    it("an attempt that stays pending counts as attempted, not done; one that throws is logged and the pass goes on", async () => {
      const now = Date.now();
      const down = await disconnection(THISTLE, { grant: true, now: new Date(now - 3000) });
      await world.sandbox.control.fault({ path: "/v1/installations/me", status: 503 });
      expect(await retryDueUninstalls({ now: () => now, deps: { retry: { baseDelayMs: 1 } } })).toEqual({
        attempted: 1,
        done: 0,
      });
      expect(await row(down)).toMatchObject({ uninstallStatus: "pending", attempts: 1 });
      await world.sandbox.control.clearFaults();

      // Opening the sealed token fails (as a database or key error would): not an answer from Pleo.
      const broken = await disconnection(BRIGHTWAVE, { grant: true, now: new Date(now - 2000) });
      const fine = await disconnection(OTHER, { now: new Date(now - 1000) });
      const r = await retryDueUninstalls({
        now: () => now,
        deps: {
          open: async () => {
            throw new Error("key unavailable");
          },
        },
      });
      expect(r).toEqual({ attempted: 2, done: 1 });
      expect((await row(fine)).uninstallStatus).toBe("not_needed");
      expect(await row(broken)).toMatchObject({ uninstallStatus: "pending", attempts: 0 });
      const errors = logs.lines().filter((l) => l.msg === "uninstall retry failed");
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ level: 50, module: "disconnect", err: { message: "key unavailable" } });
    });
  });
});
