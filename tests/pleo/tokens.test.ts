import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConnectionNotFoundError, NeedsReauthError, PleoUnavailableError } from "@/lib/pleo/errors";
import type { TokenManager } from "@/lib/pleo/token-manager";
import { DEMO_SECOND_COMPANY_ID, LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import type { FaultSpec } from "@/tests/support/sandbox";
import { transactionOf, withMember } from "@/tests/support/db";
import { captureLogger } from "@/tests/support/logs";
import { openAccess, openRefresh } from "@/tests/support/tokens";
import { createWorld, type World } from "@/tests/support/world";

const COMPANY = LARGE_COMPANY_ID;

let world: World;
let manager: TokenManager;

beforeAll(async () => {
  world = await createWorld({
    database: "pglite",
    // Small data: this suite tests tokens, not search depth.
    sandbox: { entries: 300 },
    companies: [COMPANY],
    tokenManager: { leaseMs: 2_000, backoffBaseMs: 1_000, pollMs: 10 },
  });
});
afterAll(async () => {
  await world?.close();
});
beforeEach(async () => {
  await world.reset();
  manager = world.tokenManager();
});
afterEach(async () => {
  await world.sandbox.control.clearFaults();
});

const stats = () => world.sandbox.control.stats();
const tokenWorks = (token: string) => world.sandbox.control.acceptsToken(token);
const fault = (f: FaultSpec) => world.sandbox.control.fault(f);
const row = () => world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: COMPANY } });

describe("access tokens", () => {
  it("hands out the stored token while it is fresh, without refreshing", async () => {
    const token = await manager.getAccessToken(COMPANY);
    expect(await tokenWorks(token)).toBe(true);
    expect((await stats()).tokenRequests.refresh_token).toBe(0);
  });

  it("100 concurrent callers on an expired token cause exactly one refresh, and all get a working token", async () => {
    const before = await row();
    await world.clock.advance(601); // sandbox access tokens live 600 s
    const tokens = await Promise.all(Array.from({ length: 100 }, () => manager.getAccessToken(COMPANY)));

    const s = await stats();
    expect(s.tokenRequests.refresh_token).toBe(1);
    expect(s.refreshReuseDetected).toBe(0);
    expect(new Set(tokens).size).toBe(1);
    expect(await tokenWorks(tokens[0])).toBe(true);

    const after = await row();
    expect(after.tokenVersion).toBe(before.tokenVersion + 1);
    expect(after.refreshStartedAt).toBeNull();
    expect(after.lastRefreshedAt).not.toBeNull();
    expect(after.refreshTokenEnc).not.toBe(before.refreshTokenEnc);
    expect(after.accessTokenExpiresAt.getTime()).toBeGreaterThan(world.clock.now() + 500_000);
    expect(await openAccess(after)).toBe(tokens[0]);
  });

  it("in one process, concurrent callers share one refresh: as many locked transactions as a lone caller's", async () => {
    // The database lock alone would also keep Pleo at one refresh (the callers after the first re-read the
    // new token under the lock), so count what the in-process single flight saves: transactions.
    const counting = () => {
      const counter = { transactions: 0 };
      const prisma = withMember(world.prisma, "$transaction", (...args: unknown[]) => {
        counter.transactions++;
        return transactionOf(world.prisma)(...args);
      });
      return { counter, manager: world.tokenManager({ prisma }) };
    };

    await world.clock.advance(601);
    const lone = counting();
    await lone.manager.getAccessToken(COMPANY);
    expect((await stats()).tokenRequests.refresh_token).toBe(1);
    expect(lone.counter.transactions).toBeGreaterThan(0);

    await world.clock.advance(601);
    const crowd = counting();
    const tokens = await Promise.all(Array.from({ length: 50 }, () => crowd.manager.getAccessToken(COMPANY)));
    expect(new Set(tokens).size).toBe(1);
    expect((await stats()).tokenRequests.refresh_token).toBe(2);
    expect(crowd.counter.transactions).toBe(lone.counter.transactions);
  });

  it("refreshes within ~60 s of expiry (from expires_in), not only after it", async () => {
    await world.clock.advance(560); // 40 s left
    await manager.getAccessToken(COMPANY);
    expect((await stats()).tokenRequests.refresh_token).toBe(1);
  });

  it("keeps refreshing across many rotations without ever reusing a refresh token", async () => {
    for (let i = 0; i < 5; i++) {
      await world.clock.advance(601);
      const tokens = await Promise.all(Array.from({ length: 10 }, () => manager.getAccessToken(COMPANY)));
      expect(new Set(tokens).size).toBe(1);
    }
    const s = await stats();
    expect(s.tokenRequests.refresh_token).toBe(5);
    expect(s.refreshReuseDetected).toBe(0);
    expect((await row()).tokenVersion).toBe(5);
  });

  it("a forced refresh (after a 401) is not repeated by callers that arrive after it", async () => {
    const stale = await manager.getAccessToken(COMPANY);
    const first = await manager.getAccessToken(COMPANY, { forceRefresh: true, rejectedToken: stale });
    // A second caller that was also refused `stale` must get `first`, not trigger another rotation.
    const second = await manager.getAccessToken(COMPANY, { forceRefresh: true, rejectedToken: stale });
    expect(second).toBe(first);
    expect((await stats()).tokenRequests.refresh_token).toBe(1);
  });

  it("an unknown company is a clear error", async () => {
    await expect(manager.getAccessToken("00000000-0000-4000-8000-000000000000")).rejects.toBeInstanceOf(
      ConnectionNotFoundError,
    );
  });
});

describe("revoked grants", () => {
  it("marks NEEDS_REAUTH with reason and time, never retries, and a reconnect restores CONNECTED", async () => {
    await world.sandbox.control.revoke(COMPANY);
    await world.clock.advance(601);

    const err = await manager.getAccessToken(COMPANY).catch((e) => e);
    expect(err).toBeInstanceOf(NeedsReauthError);
    expect((err as NeedsReauthError).reason).toBe("invalid_grant");
    const marked = await row();
    expect(marked.status).toBe("NEEDS_REAUTH");
    expect(marked.statusReason).toMatch(/^invalid_grant: /);
    expect(marked.statusChangedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(marked.refreshStartedAt).toBeNull();

    // Later callers (and keep-alive) fail fast: no second refresh with the dead token.
    await expect(manager.getAccessToken(COMPANY)).rejects.toBeInstanceOf(NeedsReauthError);
    await expect(manager.getAccessToken(COMPANY, { forceRefresh: true })).rejects.toBeInstanceOf(NeedsReauthError);
    expect((await manager.keepAliveIdleConnections({ olderThanDays: 0 })).checked).toBe(0);
    expect((await stats()).tokenRequests.refresh_token).toBe(1);

    await world.reconnect(COMPANY);
    const restored = await row();
    expect(restored.status).toBe("CONNECTED");
    const token = await manager.getAccessToken(COMPANY);
    expect(await tokenWorks(token)).toBe(true);
    // And it refreshes normally again on the new grant.
    await world.clock.advance(601);
    expect(await tokenWorks(await manager.getAccessToken(COMPANY))).toBe(true);
    expect((await stats()).refreshReuseDetected).toBe(0);
  });
});

describe("token endpoint failures", () => {
  it("5xx bursts are retried inline; nothing was rotated by the failed attempts", async () => {
    await fault({ path: "/oauth/token", status: 503, times: 2 });
    await world.clock.advance(601);
    const token = await manager.getAccessToken(COMPANY);
    expect(await tokenWorks(token)).toBe(true);
    const s = await stats();
    expect(s.faultsApplied).toBe(2);
    expect(s.tokenRequests.refresh_token).toBe(1); // faults answer before the token endpoint runs
    expect(s.refreshReuseDetected).toBe(0);
  });

  it("a persistent outage backs off, leaves the stored tokens untouched, and recovers later", async () => {
    await fault({ path: "/oauth/token", status: 500, times: 100 });
    const before = await row();
    await world.clock.advance(601);

    const err = await manager.getAccessToken(COMPANY).catch((e) => e);
    expect(err).toBeInstanceOf(PleoUnavailableError);
    expect((err as PleoUnavailableError).retryAt).toBeInstanceOf(Date);
    const backingOff = await row();
    expect(backingOff.accessTokenEnc).toBe(before.accessTokenEnc);
    expect(backingOff.refreshTokenEnc).toBe(before.refreshTokenEnc);
    expect(backingOff.tokenVersion).toBe(before.tokenVersion);
    expect(backingOff.refreshFailures).toBe(1);
    expect(backingOff.refreshStartedAt).toBeNull();
    expect(backingOff.nextRefreshAttemptAt!.getTime()).toBeGreaterThan(world.clock.now());
    expect(backingOff.status).toBe("CONNECTED");

    // During the backoff nobody hammers Pleo.
    const applied = (await stats()).faultsApplied;
    await expect(manager.getAccessToken(COMPANY)).rejects.toBeInstanceOf(PleoUnavailableError);
    expect((await stats()).faultsApplied).toBe(applied);

    await world.sandbox.control.clearFaults();
    world.clock.advancePortal(backingOff.nextRefreshAttemptAt!.getTime() - world.clock.now() + 1);
    const token = await manager.getAccessToken(COMPANY);
    expect(await tokenWorks(token)).toBe(true);
    const recovered = await row();
    expect(recovered.refreshFailures).toBe(0);
    expect(recovered.nextRefreshAttemptAt).toBeNull();
  });

  it("429 with Retry-After is honoured and the same refresh token is then used once", async () => {
    await fault({ path: "/oauth/token", status: 429, times: 1 });
    await world.clock.advance(601);
    const token = await manager.getAccessToken(COMPANY);
    expect(await tokenWorks(token)).toBe(true);
    const s = await stats();
    expect(s.tokenRequests.refresh_token).toBe(1);
    expect(s.refreshReuseDetected).toBe(0);
  });

  it("a dropped connection (outcome unknown) is verified by introspection before the token is presented again", async () => {
    await fault({ path: "/oauth/token", reset: true, times: 1 });
    await world.clock.advance(601);
    await expect(manager.getAccessToken(COMPANY)).rejects.toBeInstanceOf(PleoUnavailableError);
    const pending = await row();
    expect(pending.refreshStartedAt).not.toBeNull(); // the "outcome unknown" marker stays
    expect(pending.refreshFailures).toBe(1);

    world.clock.advancePortal(pending.nextRefreshAttemptAt!.getTime() - world.clock.now() + 1);
    const token = await manager.getAccessToken(COMPANY);
    expect(await tokenWorks(token)).toBe(true);
    const s = await stats();
    expect(s.introspections).toBe(1); // verified first…
    expect(s.tokenRequests.refresh_token).toBe(1); // …then presented exactly once
    expect(s.refreshReuseDetected).toBe(0);
    expect((await row()).refreshStartedAt).toBeNull();
  });
});

describe("a refresh interrupted mid-flight (another instance died holding the lease)", () => {
  /** A fetch that forwards the token request but never hands the answer back: the caller "dies". */
  function dyingFetch(opts: { afterRotation: boolean }) {
    let reached!: () => void;
    const rotated = new Promise<void>((r) => (reached = r));
    const impl: typeof fetch = async (input, init) => {
      if (String(input).endsWith("/oauth/token")) {
        if (opts.afterRotation) await fetch(input, init); // Pleo rotates…
        reached();
        return new Promise<Response>(() => {}); // …and the new tokens are never stored
      }
      return fetch(input, init);
    };
    return { impl, rotated };
  }

  it("after Pleo rotated: the rotated-out token is never presented again; the connection needs a reconnect", async () => {
    await world.clock.advance(601);
    const dying = dyingFetch({ afterRotation: true });
    const doomed = world.tokenManager({ oauth: { ...world.oauth, fetch: dying.impl } });
    void doomed.getAccessToken(COMPANY).catch(() => {});
    await dying.rotated;
    expect((await stats()).tokenRequests.refresh_token).toBe(1);

    // A second instance waits for the lease, then verifies instead of presenting the token blindly.
    const err = await manager.getAccessToken(COMPANY).catch((e) => e);
    expect(err).toBeInstanceOf(NeedsReauthError);
    expect((err as NeedsReauthError).reason).toBe("refresh_interrupted");
    const s = await stats();
    expect(s.tokenRequests.refresh_token).toBe(1);
    expect(s.refreshReuseDetected).toBe(0);
    expect(s.introspections).toBe(1);
    const marked = await row();
    expect(marked.status).toBe("NEEDS_REAUTH");
    expect(marked.statusReason).toMatch(/^refresh_interrupted/);

    await world.reconnect(COMPANY);
    expect(await tokenWorks(await manager.getAccessToken(COMPANY))).toBe(true);
  });

  it("before Pleo saw the request: introspection finds the token active and the refresh completes", async () => {
    await world.clock.advance(601);
    const dying = dyingFetch({ afterRotation: false });
    const doomed = world.tokenManager({ oauth: { ...world.oauth, fetch: dying.impl } });
    void doomed.getAccessToken(COMPANY).catch(() => {});
    await dying.rotated;

    const token = await manager.getAccessToken(COMPANY);
    expect(await tokenWorks(token)).toBe(true);
    const s = await stats();
    expect(s.introspections).toBe(1);
    expect(s.tokenRequests.refresh_token).toBe(1);
    expect(s.refreshReuseDetected).toBe(0);
    expect((await row()).status).toBe("CONNECTED");
  });
});

describe("keep-alive", () => {
  it("refreshes only connections whose refresh token is older than N days, and records its age", async () => {
    await world.connect(DEMO_SECOND_COMPANY_ID);
    const eightDaysAgo = new Date(world.clock.now() - 8 * 24 * 3600 * 1000);
    await world.prisma.pleoConnection.update({
      where: { companyId: COMPANY },
      data: { refreshTokenIssuedAt: eightDaysAgo },
    });

    const report = await manager.keepAliveIdleConnections({ olderThanDays: 7 });
    expect(report.checked).toBe(1);
    expect(report.refreshed).toEqual([COMPANY]);
    const after = await row();
    expect(after.refreshTokenIssuedAt.getTime()).toBeGreaterThan(eightDaysAgo.getTime());
    expect(after.refreshTokenExpiresAt!.getTime()).toBeGreaterThan(world.clock.now() + 59 * 24 * 3600 * 1000);
    expect((await stats()).tokenRequests.refresh_token).toBe(1);

    // Nothing idle any more.
    expect((await manager.keepAliveIdleConnections({ olderThanDays: 7 })).checked).toBe(0);
  });
});

describe("logging", () => {
  it("logs each refresh as a structured event and never a token", async () => {
    const cap = captureLogger();
    const logged = world.tokenManager({ logger: cap.logger });
    const before = await row();
    await world.clock.advance(601);
    const token = await logged.getAccessToken(COMPANY);

    const events = cap.lines().filter((l) => l.event === "pleo.token.refresh");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      companyId: COMPANY,
      endpoint: "POST /oauth/token",
      outcome: "ok",
      status: 200,
      attempt: 1,
    });
    expect(typeof events[0].durationMs).toBe("number");
    const text = cap.text();
    const secrets = [token, await openRefresh(before), await openRefresh(await row()), "sandbox-portal-secret"];
    for (const s of secrets) expect(text).not.toContain(s);
  });
});
