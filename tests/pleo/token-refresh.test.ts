import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConnectionNotFoundError, NeedsReauthError, PleoApiError, PleoUnavailableError } from "@/lib/pleo/errors";
import { registerGrantEndedWrite } from "@/lib/pleo/grant-ended";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { busyBeforeTransactions, transactionOf, withMember } from "@/tests/support/db";
import { captureLogger } from "@/tests/support/logs";
import type { FaultSpec } from "@/tests/support/sandbox";
import { openAccess } from "@/tests/support/tokens";
import { createWorld, type World } from "@/tests/support/world";

/**
 * What one refresh does with each answer of the token endpoint (lib/pleo/token-refresh.ts: inline
 * retries and their waits, backoff, the "outcome unknown" marker, verification, NEEDS_REAUTH with its
 * grant-ended writes), and what the token manager (lib/pleo/token-manager.ts) does when the row changed
 * between a caller's read and its lock, or another instance holds the lease. Clocks and waits are the
 * manager's own options (`now`, `sleep`), so every boundary is exact; Pleo is the sandbox over HTTP.
 */

const COMPANY = LARGE_COMPANY_ID;
const LEASE_MS = 2_000;

let world: World;
let detach: Array<() => void> = [];

beforeAll(async () => {
  world = await createWorld({
    database: "pglite",
    sandbox: { entries: 50 },
    companies: [COMPANY],
    tokenManager: { leaseMs: LEASE_MS, backoffBaseMs: 1_000, pollMs: 10 },
  });
});
afterAll(async () => {
  await world?.close();
});
beforeEach(async () => {
  await world.reset();
  await world.prisma.connectionEvent.deleteMany(); // the reset keeps the activity log
});
afterEach(async () => {
  for (const d of detach) d();
  detach = [];
  await world.sandbox.control.clearFaults();
});

const stats = () => world.sandbox.control.stats();
const tokenWorks = (token: string) => world.sandbox.control.acceptsToken(token);
const fault = (f: FaultSpec) => world.sandbox.control.fault(f);
const where = { companyId: COMPANY };
const row = () => world.prisma.pleoConnection.findUniqueOrThrow({ where });
const events = (type: string) =>
  world.prisma.connectionEvent.findMany({ where: { companyId: COMPANY, type }, orderBy: { id: "asc" } });
const refreshLines = (lines: Array<Record<string, unknown>>) => lines.filter((l) => l.event === "pleo.token.refresh");

/** A `sleep` that records each wait it is asked for and waits for nothing but `then` (run on each call). */
function recordingSleep(then?: (ms: number) => unknown) {
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
    await then?.(ms);
  };
  return { waits, sleep };
}

/** A portal clock that stands still unless moved: `now` for a token manager. */
function frozenClock(startMs: number) {
  const clock = { t: startMs, now: () => clock.t };
  return clock;
}

/**
 * A Prisma client that counts transactions (the token manager's lock is one) and holds the first one
 * (or those numbered in `pause`) until `open()`: what the test does meanwhile happens between the
 * caller's unlocked read and its lock.
 */
function pausedAtLock(pause: number[] = [1]) {
  const gates = new Map(
    pause.map((n) => {
      let open!: () => void;
      const opened = new Promise<void>((r) => (open = r));
      let reach!: () => void;
      const reached = new Promise<void>((r) => (reach = r));
      return [n, { opened, open, reached, reach }] as const;
    }),
  );
  const counter = { transactions: 0 };
  const prisma = withMember(world.prisma, "$transaction", async (...args: unknown[]) => {
    const gate = gates.get(++counter.transactions);
    if (gate) {
      gate.reach();
      await gate.opened;
    }
    return transactionOf(world.prisma)(...args);
  });
  const gate = (n: number) => gates.get(n)!;
  const first = gates.get(pause[0]);
  return { prisma, counter, reached: first?.reached, open: () => first?.open(), gate };
}

describe("one refresh's outcomes", () => {
  it("a refused client (invalid_client) is not retried: PleoApiError, lease cleared, backoff counted and doubled the next time", async () => {
    const cap = captureLogger();
    const { waits, sleep } = recordingSleep();
    const manager = world.tokenManager({ logger: cap.logger, sleep });
    const before = await row();
    await fault({ path: "/oauth/token", status: 401, times: 1 });
    await world.clock.advance(601); // sandbox access tokens live 600 s
    const t1 = world.clock.now();

    const err = await manager.getAccessToken(COMPANY).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PleoApiError);
    expect(err).not.toBeInstanceOf(PleoUnavailableError);
    expect(err).toMatchObject({
      status: 401,
      type: "invalid_client",
      retryable: false,
      endpoint: "POST /oauth/token",
      message: "Pleo token endpoint: Injected fault (sandbox)",
    });
    expect(waits).toEqual([]);
    expect((await stats()).faultsApplied).toBe(1);
    const first = await row();
    expect(first).toMatchObject({
      status: "CONNECTED",
      refreshFailures: 1,
      refreshStartedAt: null,
      tokenVersion: before.tokenVersion,
      accessTokenEnc: before.accessTokenEnc,
      refreshTokenEnc: before.refreshTokenEnc,
    });
    // Backoff base 1 s, jittered to between half and all of it.
    const firstWait = first.nextRefreshAttemptAt!.getTime() - t1;
    expect(firstWait).toBeGreaterThanOrEqual(500);
    expect(firstWait).toBeLessThanOrEqual(1_000 + (world.clock.now() - t1));
    const line = refreshLines(cap.lines());
    expect(line).toHaveLength(1);
    expect(line[0]).toMatchObject({
      level: 50,
      companyId: COMPANY,
      outcome: "rejected",
      status: 401,
      error: "invalid_client",
      attempt: 1,
      msg: "Pleo refused the refresh request",
    });

    // While it backs off, callers are told until when, and Pleo is not asked.
    const backingOff = await manager.getAccessToken(COMPANY).catch((e: unknown) => e);
    expect(backingOff).toBeInstanceOf(PleoUnavailableError);
    expect(backingOff).toMatchObject({
      status: 503,
      endpoint: "POST /oauth/token",
      retryAt: first.nextRefreshAttemptAt,
      message: `Pleo token refresh is backing off until ${first.nextRefreshAttemptAt!.toISOString()}`,
    });

    // The next failure in a row: counted as the second, and the backoff doubles.
    await fault({ path: "/oauth/token", status: 401, times: 1 });
    world.clock.advancePortal(first.nextRefreshAttemptAt!.getTime() - world.clock.now() + 1);
    const t2 = world.clock.now();
    await expect(manager.getAccessToken(COMPANY)).rejects.toMatchObject({ status: 401, type: "invalid_client" });
    const second = await row();
    expect(second.refreshFailures).toBe(2);
    const secondWait = second.nextRefreshAttemptAt!.getTime() - t2;
    expect(secondWait).toBeGreaterThanOrEqual(1_000);
    expect(secondWait).toBeLessThanOrEqual(2_000 + (world.clock.now() - t2));
    expect((await stats()).tokenRequests.refresh_token).toBe(0);

    const failed = await events("refresh_failed");
    expect(failed.map((e) => [e.actor, e.detail])).toEqual([
      ["scheduler", "Pleo did not renew the access token (attempt 1 in a row); the portal tries again later."],
      ["scheduler", "Pleo did not renew the access token (attempt 2 in a row); the portal tries again later."],
    ]);
  });

  it("without backoff options: 5 s base, jittered (the 10 min cap is far above it)", async () => {
    const manager = world.tokenManager({ backoffBaseMs: undefined, backoffMaxMs: undefined });
    await fault({ path: "/oauth/token", status: 401, times: 1 });
    await world.clock.advance(601);
    const t = world.clock.now();
    await expect(manager.getAccessToken(COMPANY)).rejects.toBeInstanceOf(PleoApiError);
    const wait = (await row()).nextRefreshAttemptAt!.getTime() - t;
    expect(wait).toBeGreaterThanOrEqual(2_500);
    expect(wait).toBeLessThanOrEqual(5_000 + (world.clock.now() - t));
  });

  it("5xx answers are retried inline after 100–200 ms, then 200–400 ms, each attempt logged", async () => {
    const cap = captureLogger();
    const { waits, sleep } = recordingSleep();
    const manager = world.tokenManager({ logger: cap.logger, sleep });
    await fault({ path: "/oauth/token", status: 500, times: 2 });
    await world.clock.advance(601);

    const token = await manager.getAccessToken(COMPANY);
    expect(await tokenWorks(token)).toBe(true);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(100);
    expect(waits[0]).toBeLessThanOrEqual(200);
    expect(waits[1]).toBeGreaterThanOrEqual(200);
    expect(waits[1]).toBeLessThanOrEqual(400);
    const lines = refreshLines(cap.lines());
    expect(lines.map((l) => [l.attempt, l.outcome, l.status])).toEqual([
      [1, "unavailable", 500],
      [2, "unavailable", 500],
      [3, "ok", 200],
    ]);
    expect(lines[0]).toMatchObject({
      level: 40,
      processed: false,
      detail: "HTTP 500",
      msg: "Pleo token endpoint unavailable",
    });
    expect(cap.lines().filter((l) => l.event === "pleo.token.discarded")).toEqual([]);
    const r = await row();
    expect(r).toMatchObject({ refreshFailures: 0, refreshStartedAt: null, tokenVersion: 1 });
  });

  it("inline attempts stop at the third: it backs off with the lease cleared, and its error says until when", async () => {
    const { waits, sleep } = recordingSleep();
    const manager = world.tokenManager({ sleep });
    await fault({ path: "/oauth/token", status: 500, times: 3 });
    await world.clock.advance(601);

    const err = await manager.getAccessToken(COMPANY).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PleoUnavailableError);
    expect(err).toMatchObject({ status: 500, endpoint: "POST /oauth/token", message: "Pleo token endpoint: HTTP 500" });
    expect(waits).toHaveLength(2);
    const r = await row();
    expect((err as PleoUnavailableError).retryAt).toEqual(r.nextRefreshAttemptAt);
    expect(r).toMatchObject({ refreshFailures: 1, refreshStartedAt: null, tokenVersion: 0 });
    const s = await stats();
    expect(s.faultsApplied).toBe(3);
    expect(s.tokenRequests.refresh_token).toBe(0);
  });

  it("a Retry-After up to maxInlineWaitMs is waited inline; a longer one becomes the persisted backoff", async () => {
    const inline = recordingSleep();
    const patient = world.tokenManager({ maxInlineWaitMs: 1_000, sleep: inline.sleep });
    await fault({ path: "/oauth/token", status: 503, times: 1 }); // Retry-After: 1
    await world.clock.advance(601);
    expect(await tokenWorks(await patient.getAccessToken(COMPANY))).toBe(true);
    expect(inline.waits).toEqual([1_000]);

    const persisted = recordingSleep();
    const hurried = world.tokenManager({ maxInlineWaitMs: 999, backoffBaseMs: 10, sleep: persisted.sleep });
    await fault({ path: "/oauth/token", status: 429, times: 1 }); // Retry-After: 1
    await world.clock.advance(601);
    const t = world.clock.now();
    await expect(hurried.getAccessToken(COMPANY)).rejects.toMatchObject({ status: 429 });
    expect(persisted.waits).toEqual([]);
    // Pleo's Retry-After (1 s), not the 10 ms backoff, sets when to try again.
    const wait = (await row()).nextRefreshAttemptAt!.getTime() - t;
    expect(wait).toBeGreaterThanOrEqual(1_000);
    expect(wait).toBeLessThanOrEqual(1_000 + (world.clock.now() - t));
  });

  it("a lease taken over during an inline wait: no further attempt, and nothing recorded over the new holder", async () => {
    const takenOver = new Date(world.clock.now() + 601_000 + 5);
    const { waits, sleep } = recordingSleep(() =>
      world.prisma.pleoConnection.update({ where, data: { refreshStartedAt: takenOver } }),
    );
    const manager = world.tokenManager({ sleep });
    await fault({ path: "/oauth/token", status: 500, times: 1 });
    await world.clock.advance(601);

    await expect(manager.getAccessToken(COMPANY)).rejects.toBeInstanceOf(PleoUnavailableError);
    expect(waits).toHaveLength(1);
    expect((await stats()).tokenRequests.refresh_token).toBe(0);
    expect(await row()).toMatchObject({
      refreshStartedAt: takenOver,
      refreshFailures: 0,
      nextRefreshAttemptAt: null,
      tokenVersion: 0,
    });
  });

  it("a lost answer leaves an expired marker (503, no inline retry); verification first when introspection is back, then one refresh", async () => {
    const cap = captureLogger();
    const clock = frozenClock(world.clock.now() + 601_000);
    // Waiting moves the clock, so a wrongly kept lease could not hang the test.
    const { waits, sleep } = recordingSleep((ms) => (clock.t += ms));
    const manager = world.tokenManager({ now: clock.now, sleep, logger: cap.logger });

    await fault({ path: "/oauth/token", reset: true, times: 1 });
    const lost = await manager.getAccessToken(COMPANY).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(PleoUnavailableError);
    expect(lost).toMatchObject({ status: 503, endpoint: "POST /oauth/token" });
    const marked = await row();
    expect(marked.refreshStartedAt!.getTime()).toBe(clock.t - LEASE_MS - 1); // already past the lease
    expect(marked.refreshFailures).toBe(1);
    expect((lost as PleoUnavailableError).retryAt).toEqual(marked.nextRefreshAttemptAt);
    expect(waits).toEqual([]);
    // At that same instant the next caller is told to back off; it does not wait on a lease.
    await expect(manager.getAccessToken(COMPANY)).rejects.toMatchObject({ retryAt: marked.nextRefreshAttemptAt });
    expect(waits).toEqual([]);
    expect((await events("refresh_failed")).map((e) => e.at)).toEqual([new Date(clock.t)]);

    // After the backoff, introspection is unavailable as well: back off again, keep the marker, present nothing.
    await fault({ path: "/oauth/token/introspect", reset: true, times: 1 });
    clock.t = marked.nextRefreshAttemptAt!.getTime() + 1;
    const unverified = await manager.getAccessToken(COMPANY).catch((e: unknown) => e);
    expect(unverified).toBeInstanceOf(PleoUnavailableError);
    expect(unverified).toMatchObject({ status: 503, endpoint: "POST /oauth/token/introspect" });
    expect((unverified as Error).message).toMatch(/^Pleo unavailable while verifying the refresh token \(/);
    const still = await row();
    expect(still.refreshStartedAt!.getTime()).toBe(clock.t - LEASE_MS - 1);
    expect(still.refreshFailures).toBe(2);
    expect((unverified as PleoUnavailableError).retryAt).toEqual(still.nextRefreshAttemptAt);
    let s = await stats();
    expect(s.tokenRequests.refresh_token).toBe(0);
    expect(s.introspections).toBe(0);

    // Then: verified (the token is still active), presented once, stored.
    clock.t = still.nextRefreshAttemptAt!.getTime() + 1;
    const token = await manager.getAccessToken(COMPANY);
    expect(await tokenWorks(token)).toBe(true);
    s = await stats();
    expect(s.introspections).toBe(1);
    expect(s.tokenRequests.refresh_token).toBe(1);
    expect(s.refreshReuseDetected).toBe(0);
    const stored = await row();
    expect(stored).toMatchObject({ refreshStartedAt: null, refreshFailures: 0, tokenVersion: 1 });
    expect(stored.accessTokenExpiresAt.getTime()).toBe(clock.t + 600_000);
    expect(await openAccess(stored)).toBe(token);
    const refreshed = await events("token_refreshed");
    expect(refreshed.map((e) => [e.actor, e.at, e.detail])).toEqual([
      ["scheduler", new Date(clock.t), "Pleo issued a new access token and rotated the refresh token."],
    ]);

    const lines = cap.lines();
    expect(lines.filter((l) => l.event === "pleo.token.verify")).toEqual([
      expect.objectContaining({ outcome: "unavailable", durationMs: 0 }),
      expect.objectContaining({
        level: 30,
        companyId: COMPANY,
        outcome: "active",
        durationMs: 0,
        msg: "verified refresh token after an interrupted refresh",
      }),
    ]);
    expect(refreshLines(lines).at(-1)).toMatchObject({
      level: 30,
      outcome: "ok",
      status: 200,
      durationMs: 0,
      attempt: 1,
      tokenVersion: 1,
      msg: "refreshed Pleo access token",
    });
  });

  it("a lost answer, then Pleo no longer accepts the token: NEEDS_REAUTH 'refresh_interrupted', with the grant-ended writes in the same transaction", async () => {
    const cap = captureLogger();
    const clock = frozenClock(world.clock.now() + 601_000);
    const manager = world.tokenManager({ now: clock.now, logger: cap.logger });
    const ran: Array<{ companyId: string; statusInTransaction: string }> = [];
    detach.push(
      registerGrantEndedWrite("token-refresh-test", async (tx, companyId) => {
        const seen = await tx.pleoConnection.findUniqueOrThrow({ where: { companyId } });
        ran.push({ companyId, statusInTransaction: seen.status });
      }),
    );

    await fault({ path: "/oauth/token", reset: true, times: 1 });
    await expect(manager.getAccessToken(COMPANY)).rejects.toBeInstanceOf(PleoUnavailableError);
    await world.sandbox.control.revoke(COMPANY);
    clock.t = (await row()).nextRefreshAttemptAt!.getTime() + 1;

    const err = await manager.getAccessToken(COMPANY).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NeedsReauthError);
    const detail = "an earlier refresh was interrupted and the stored refresh token is no longer active";
    expect(err).toMatchObject({ companyId: COMPANY, reason: "refresh_interrupted", detail });
    expect(ran).toEqual([{ companyId: COMPANY, statusInTransaction: "NEEDS_REAUTH" }]);
    expect(await row()).toMatchObject({
      status: "NEEDS_REAUTH",
      statusReason: `refresh_interrupted: ${detail}`,
      statusChangedAt: new Date(clock.t),
      refreshStartedAt: null,
    });
    const needs = await events("needs_reconnect");
    expect(needs.map((e) => [e.actor, e.at, e.detail])).toEqual([
      ["pleo", new Date(clock.t), "A token refresh was interrupted and Pleo no longer accepts the stored token."],
    ]);
    expect(cap.lines().filter((l) => l.event === "pleo.token.needs_reauth")).toEqual([
      expect.objectContaining({
        level: 40,
        companyId: COMPANY,
        reason: "refresh_interrupted",
        detail,
        msg: "Pleo connection needs to be reconnected",
      }),
    ]);
    expect((await stats()).tokenRequests.refresh_token).toBe(0);
  });

  it("a revoked grant: NEEDS_REAUTH recorded by Pleo in plain words; a grant-ended write that fails rolls it all back", async () => {
    const manager = world.tokenManager();
    detach.push(
      registerGrantEndedWrite("token-refresh-test", async () => {
        throw new Error("grant-ended write failed");
      }),
    );
    await world.sandbox.control.revoke(COMPANY);
    await world.clock.advance(601);

    await expect(manager.getAccessToken(COMPANY)).rejects.toThrow("grant-ended write failed");
    expect(await row()).toMatchObject({ status: "CONNECTED", statusReason: null });
    expect(await events("needs_reconnect")).toEqual([]);

    // With the write working, the next try (after the lease the failed one left) marks the connection.
    detach.pop()!();
    world.clock.advancePortal(LEASE_MS);
    const err = await manager.getAccessToken(COMPANY).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NeedsReauthError);
    expect((await row()).status).toBe("NEEDS_REAUTH");
    const needs = await events("needs_reconnect");
    expect(needs).toHaveLength(1);
    expect(needs[0].actor).toBe("pleo");
  });

  it("invalid_grant is logged and recorded with what it means for the customer", async () => {
    const cap = captureLogger();
    const manager = world.tokenManager({ logger: cap.logger });
    await world.sandbox.control.revoke(COMPANY);
    await world.clock.advance(601);
    await expect(manager.getAccessToken(COMPANY)).rejects.toMatchObject({ reason: "invalid_grant" });
    expect(refreshLines(cap.lines())).toEqual([
      expect.objectContaining({
        level: 40,
        outcome: "invalid_grant",
        status: 400,
        attempt: 1,
        msg: "Pleo rejected the refresh token",
      }),
    ]);
    expect((await events("needs_reconnect")).map((e) => e.detail)).toEqual([
      "Pleo no longer accepts this connection's authorisation: the app was removed in Pleo or its access was revoked.",
    ]);
  });

  it("a reconnect while the token request is in flight wins: the refresh's tokens are discarded, no 'refreshed' event", async () => {
    const cap = captureLogger();
    let reconnected: string | undefined;
    const reconnecting: typeof fetch = async (input, init) => {
      if (String(input).endsWith("/oauth/token") && !reconnected) {
        reconnected = (await world.reconnect(COMPANY)).access_token;
      }
      return fetch(input, init);
    };
    const manager = world.tokenManager({ oauth: { ...world.oauth, fetch: reconnecting }, logger: cap.logger });
    await world.clock.advance(601);

    const token = await manager.getAccessToken(COMPANY);
    expect(await tokenWorks(token)).toBe(true); // Pleo did issue it, on the old grant
    expect(reconnected).toBeDefined();
    const r = await row();
    expect(r.tokenVersion).toBe(1); // the reconnect's, not the refresh's
    expect(await openAccess(r)).toBe(reconnected);
    expect(await manager.getAccessToken(COMPANY)).toBe(reconnected);
    expect(await events("token_refreshed")).toEqual([]);
    expect(cap.lines().filter((l) => l.event === "pleo.token.discarded")).toEqual([
      expect.objectContaining({
        level: 40,
        companyId: COMPANY,
        msg: "connection changed during refresh (reconnected?); keeping the newer tokens",
      }),
    ]);
  });

  it("a reconnect while a refresh learns the old grant was revoked: the caller is told, the new connection stays CONNECTED", async () => {
    const ran: string[] = [];
    detach.push(registerGrantEndedWrite("token-refresh-test", async (_tx, companyId) => ran.push(companyId)));
    let reconnected: string | undefined;
    const revokedThenReconnected: typeof fetch = async (input, init) => {
      if (String(input).endsWith("/oauth/token") && !reconnected) {
        await world.sandbox.control.revoke(COMPANY);
        reconnected = (await world.reconnect(COMPANY)).access_token;
      }
      return fetch(input, init);
    };
    const manager = world.tokenManager({ oauth: { ...world.oauth, fetch: revokedThenReconnected } });
    await world.clock.advance(601);

    await expect(manager.getAccessToken(COMPANY)).rejects.toMatchObject({ reason: "invalid_grant" });
    expect(await row()).toMatchObject({ status: "CONNECTED", tokenVersion: 1 });
    expect(ran).toEqual([]);
    expect(await events("needs_reconnect")).toEqual([]);
    expect(await manager.getAccessToken(COMPANY)).toBe(reconnected);
  });
});

describe("the token manager: the row changed between a caller's read and its lock", () => {
  it("another instance refreshed meanwhile: its token is used, no second refresh, and no 'reused' line (nobody waited)", async () => {
    const cap = captureLogger();
    const paused = pausedAtLock();
    const manager = world.tokenManager({ prisma: paused.prisma, logger: cap.logger });
    await world.clock.advance(601);
    const waiting = manager.getAccessToken(COMPANY);
    await paused.reached;
    const theirs = await world.tokenManager().getAccessToken(COMPANY);
    paused.open();

    expect(await waiting).toBe(theirs);
    expect((await stats()).tokenRequests.refresh_token).toBe(1);
    expect(cap.lines().filter((l) => String(l.event).startsWith("pleo.token."))).toEqual([]);
  });

  it("a caller refused a token joins a flight that hands back that very token: it refreshes once more", async () => {
    const paused = pausedAtLock();
    const manager = world.tokenManager({ prisma: paused.prisma });
    await world.clock.advance(601);
    const expiring = manager.getAccessToken(COMPANY);
    await paused.reached;
    const theirs = await world.tokenManager().getAccessToken(COMPANY);
    // Pleo refuses `theirs` (say, an admin revoked that one token); this instance's next caller asks for
    // a replacement while the first caller's flight, about to hand back `theirs`, is still under way.
    const replacement = manager.getAccessToken(COMPANY, { forceRefresh: true, rejectedToken: theirs });
    await row(); // queued behind the replacement's own read: it has joined the flight by now
    await new Promise((r) => setImmediate(r));
    paused.open();

    expect(await expiring).toBe(theirs);
    const fresh = await replacement;
    expect(fresh).not.toBe(theirs);
    expect(await tokenWorks(fresh)).toBe(true);
    expect((await stats()).tokenRequests.refresh_token).toBe(2);
    expect((await row()).tokenVersion).toBe(2);
  });

  it("…and if another instance replaced that token before the second lock, the second refresh uses its replacement", async () => {
    const paused = pausedAtLock([1, 2]);
    const manager = world.tokenManager({ prisma: paused.prisma });
    await world.clock.advance(601);
    const expiring = manager.getAccessToken(COMPANY);
    await paused.gate(1).reached;
    const other = world.tokenManager();
    const theirs = await other.getAccessToken(COMPANY);
    const replacement = manager.getAccessToken(COMPANY, { forceRefresh: true, rejectedToken: theirs });
    await row(); // queued behind the replacement's own read: it has joined the flight by now
    await new Promise((r) => setImmediate(r));
    paused.gate(1).open();
    expect(await expiring).toBe(theirs);

    await paused.gate(2).reached; // the replacement's own lock
    const replaced = await other.getAccessToken(COMPANY, { forceRefresh: true, rejectedToken: theirs });
    paused.gate(2).open();
    expect(await replacement).toBe(replaced);
    expect((await stats()).tokenRequests.refresh_token).toBe(2);
  });

  it("a forced refresh finds another instance's forced refresh done meanwhile: it uses that token", async () => {
    const stale = await world.tokenManager().getAccessToken(COMPANY);
    const paused = pausedAtLock();
    const manager = world.tokenManager({ prisma: paused.prisma });
    const forced = manager.getAccessToken(COMPANY, { forceRefresh: true });
    await paused.reached;
    const theirs = await world.tokenManager().getAccessToken(COMPANY, { forceRefresh: true });
    paused.open();

    expect(theirs).not.toBe(stale);
    expect(await forced).toBe(theirs);
    expect((await stats()).tokenRequests.refresh_token).toBe(1);
  });

  it("keep-alive finds the refresh token renewed meanwhile: nothing to do, reported as skipped", async () => {
    const nineDaysAgo = new Date(world.clock.now() - 9 * 24 * 3600 * 1000);
    await world.prisma.pleoConnection.update({ where, data: { refreshTokenIssuedAt: nineDaysAgo } });
    const paused = pausedAtLock();
    const manager = world.tokenManager({ prisma: paused.prisma });
    const keepingAlive = manager.keepAliveIdleConnections({ olderThanDays: 7 });
    await paused.reached;
    const theirs = await world.tokenManager().getAccessToken(COMPANY, { forceRefresh: true });
    paused.open();

    expect(await keepingAlive).toMatchObject({ checked: 1, refreshed: [], skipped: [COMPANY] });
    expect((await stats()).tokenRequests.refresh_token).toBe(1);
    expect(await openAccess(await row())).toBe(theirs);
  });

  it("the connection was removed meanwhile: ConnectionNotFoundError, and Pleo is not asked", async () => {
    const paused = pausedAtLock();
    const manager = world.tokenManager({ prisma: paused.prisma });
    await world.clock.advance(601);
    const waiting = manager.getAccessToken(COMPANY);
    await paused.reached;
    await world.prisma.pleoConnection.delete({ where });
    paused.open();

    await expect(waiting).rejects.toBeInstanceOf(ConnectionNotFoundError);
    expect((await stats()).tokenRequests.refresh_token).toBe(0);
  });

  it("the connection was marked NEEDS_REAUTH meanwhile: 'not_connected' with the stored reason, as later callers are told", async () => {
    const paused = pausedAtLock();
    const manager = world.tokenManager({ prisma: paused.prisma });
    await world.clock.advance(601);
    const waiting = manager.getAccessToken(COMPANY);
    await paused.reached;
    const statusReason = "invalid_grant: revoked while this caller waited";
    await world.prisma.pleoConnection.update({ where, data: { status: "NEEDS_REAUTH", statusReason } });
    paused.open();

    const err = await waiting.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NeedsReauthError);
    expect(err).toMatchObject({ reason: "not_connected", detail: statusReason });
    await expect(manager.getAccessToken(COMPANY)).rejects.toMatchObject({
      reason: "not_connected",
      detail: statusReason,
    });
    expect((await stats()).tokenRequests.refresh_token).toBe(0);
  });
});

describe("the token manager: forced refreshes, and another instance's lease", () => {
  it("a forced refresh rotates even a fresh token; naming a refused token other than an expired stored one refreshes too", async () => {
    const manager = world.tokenManager();
    const stored = await manager.getAccessToken(COMPANY);
    const rotated = await manager.getAccessToken(COMPANY, { forceRefresh: true });
    expect(rotated).not.toBe(stored);
    expect(await tokenWorks(rotated)).toBe(true);
    expect((await stats()).tokenRequests.refresh_token).toBe(1);

    await world.clock.advance(601);
    const renewed = await manager.getAccessToken(COMPANY, {
      forceRefresh: true,
      rejectedToken: "a token this connection never had",
    });
    expect(renewed).not.toBe(rotated);
    expect(await tokenWorks(renewed)).toBe(true);
    expect((await stats()).tokenRequests.refresh_token).toBe(2);
  });

  it("a refresh, and marking a revoked grant, wait behind another transaction (a sync page's commit) past Prisma's 2 s default", async () => {
    const manager = world.tokenManager({ prisma: busyBeforeTransactions(world.prisma, 2_500) });
    const rotated = await manager.getAccessToken(COMPANY, { forceRefresh: true });
    expect(await tokenWorks(rotated)).toBe(true);
    expect((await stats()).tokenRequests.refresh_token).toBe(1);

    await world.sandbox.control.revoke(COMPANY);
    await world.clock.advance(601);
    await expect(manager.getAccessToken(COMPANY)).rejects.toMatchObject({ reason: "invalid_grant" });
    expect((await row()).status).toBe("NEEDS_REAUTH");
  });

  it("a fresh token, and the replacement for a refused one, are handed out without taking the lock", async () => {
    const counting = pausedAtLock([]);
    const manager = world.tokenManager({ prisma: counting.prisma });
    const stored = await manager.getAccessToken(COMPANY);
    const replacement = await world.tokenManager().getAccessToken(COMPANY, { forceRefresh: true });
    expect(await manager.getAccessToken(COMPANY, { forceRefresh: true, rejectedToken: stored })).toBe(replacement);
    expect(await manager.getAccessToken(COMPANY)).toBe(replacement);
    expect(counting.counter.transactions).toBe(0);
    expect((await stats()).tokenRequests.refresh_token).toBe(1);
  });

  it("a refused token older than the stored one, which expires within the skew: the stored one, one lock, no refresh", async () => {
    const counting = pausedAtLock([]);
    const manager = world.tokenManager({ prisma: counting.prisma });
    const stored = await manager.getAccessToken(COMPANY);
    await world.clock.advance(560); // 40 s left: not fresh (60 s skew), not expired
    const token = await manager.getAccessToken(COMPANY, { forceRefresh: true, rejectedToken: "an older token" });
    expect(token).toBe(stored);
    // One look under the lock: the stored token is not the refused one, so there is nothing to do again.
    expect(counting.counter.transactions).toBe(1);
    expect((await stats()).tokenRequests.refresh_token).toBe(0);
  });

  it("a connection marked NEEDS_REAUTH hands out nothing, not even a token that is still fresh", async () => {
    const manager = world.tokenManager();
    const statusReason = "invalid_grant: the app was removed in Pleo";
    await world.prisma.pleoConnection.update({ where, data: { status: "NEEDS_REAUTH", statusReason } });
    const err = await manager.getAccessToken(COMPANY).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NeedsReauthError);
    expect(err).toMatchObject({ companyId: COMPANY, reason: "not_connected", detail: statusReason });
  });

  it("waits for another instance's lease, re-reading every 50 ms by default, then uses its token and says so", async () => {
    await world.clock.advance(601);
    await world.prisma.pleoConnection.update({ where, data: { refreshStartedAt: new Date(world.clock.now()) } });
    const other = world.tokenManager();
    let theirs: string | undefined;
    const { waits, sleep } = recordingSleep(async () => {
      if (theirs) return;
      // The other instance finishes meanwhile: its lease ends and it stores the tokens it got.
      await world.prisma.pleoConnection.update({ where, data: { refreshStartedAt: null } });
      theirs = await other.getAccessToken(COMPANY);
    });
    const cap = captureLogger();
    const manager = world.tokenManager({ pollMs: undefined, sleep, logger: cap.logger });

    const token = await manager.getAccessToken(COMPANY);
    expect(theirs).toBeDefined();
    expect(token).toBe(theirs);
    expect(waits).toEqual([50]);
    expect((await stats()).tokenRequests.refresh_token).toBe(1);
    expect(cap.lines().filter((l) => l.event === "pleo.token.reused")).toEqual([
      expect.objectContaining({
        level: 30,
        companyId: COMPANY,
        tokenVersion: 1,
        msg: "used the token another instance refreshed",
      }),
    ]);
  });

  it("gives up on a lease another instance keeps renewing once the lease and 5 s more have passed", async () => {
    const clock = frozenClock(world.clock.now() + 601_000);
    const start = clock.t;
    await world.prisma.pleoConnection.update({ where, data: { refreshStartedAt: new Date(clock.t) } });
    const { waits, sleep } = recordingSleep(async () => {
      clock.t += 1_000;
      await world.prisma.pleoConnection.update({ where, data: { refreshStartedAt: new Date(clock.t) } });
    });
    const manager = world.tokenManager({ now: clock.now, sleep });

    const err = await manager.getAccessToken(COMPANY).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PleoUnavailableError);
    expect(err).toMatchObject({
      status: 503,
      endpoint: "POST /oauth/token",
      message: "another instance is still refreshing this connection",
    });
    // Re-read at +0 s … +7 s (lease 2 s + 5 s); at +8 s the wait is over.
    expect(waits).toEqual(Array.from({ length: 8 }, () => 10));
    expect(clock.t - start).toBe(8_000);
    expect((await stats()).tokenRequests.refresh_token).toBe(0);
  });

  it("without leaseMs the lease is twice the token request timeout (at least 30 s): an abandoned one is verified only then", async () => {
    const clock = frozenClock(world.clock.now() + 601_000);
    const abandoned = clock.t; // an instance took the lease and died before sending anything
    await world.prisma.pleoConnection.update({ where, data: { refreshStartedAt: new Date(abandoned) } });
    const { sleep } = recordingSleep(() => (clock.t += 1_000));
    const manager = world.tokenManager({
      now: clock.now,
      sleep,
      leaseMs: undefined,
      oauth: { ...world.oauth, timeoutMs: 25_000 },
    });

    const token = await manager.getAccessToken(COMPANY);
    expect(await tokenWorks(token)).toBe(true);
    expect(clock.t - abandoned).toBe(50_000);
    const s = await stats();
    expect(s.introspections).toBe(1);
    expect(s.tokenRequests.refresh_token).toBe(1);
  });
});
