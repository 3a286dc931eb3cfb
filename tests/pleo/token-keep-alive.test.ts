import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { resetShutdownForTests, shutdown } from "@/lib/ops/shutdown";
import {
  getAccessToken,
  keepAliveIdleConnections,
  resetTokenManagerForProcess,
  tokenManager,
  tokenManagerFor,
} from "@/lib/pleo/tokens";
import { COMPANY_THISTLE, DEMO_SECOND_COMPANY_ID, LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { transactionOf, withMember } from "@/tests/support/db";
import { captureLogger, setProcessLogger } from "@/tests/support/logs";
import { openAccess, openRefresh } from "@/tests/support/tokens";
import { createWorld, type World } from "@/tests/support/world";

/**
 * Keep-alive (lib/pleo/token-keep-alive.ts) through the token manager's real refresh path, and the
 * process-wide entry points (lib/pleo/tokens.ts), against the sandbox over HTTP and a PGlite database.
 * Companies are connected in each test's hook, never at file level (README → Mutation testing).
 */

const A = LARGE_COMPANY_ID;
const B = DEMO_SECOND_COMPANY_ID;
const C = COMPANY_THISTLE.id;
const DAY = 24 * 3600 * 1000;
const MIN = 60_000;

describe("keep-alive and the process entry points", () => {
  let world: World;

  beforeAll(async () => {
    world = await createWorld({ database: "pglite", sandbox: { entries: 20 } });
  });
  afterAll(async () => {
    await world?.close();
  });
  beforeEach(async () => {
    world.configure();
    setProcessLogger(undefined);
    await world.reset();
    for (const id of [A, B, C]) await world.connect(id);
  });

  const row = (companyId: string) => world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId } });
  const refreshes = async () => (await world.sandbox.control.stats()).tokenRequests.refresh_token;
  /** Make a connection's refresh token `ms` old on `clock` (the portal's test clock by default). */
  const issuedAgo = (companyId: string, ms: number, clock = world.clock.now) =>
    world.prisma.pleoConnection.update({
      where: { companyId },
      data: { refreshTokenIssuedAt: new Date(clock() - ms) },
    });

  /**
   * `world.prisma`, except that its first transaction (the token manager's lock for the first company
   * keep-alive refreshes) waits for `meanwhile` first.
   */
  function beforeFirstLock(meanwhile: () => Promise<unknown>): PrismaClient {
    let first = true;
    return withMember(world.prisma, "$transaction", async (...args: unknown[]) => {
      if (first) {
        first = false;
        await meanwhile();
      }
      return transactionOf(world.prisma)(...args);
    });
  }

  describe("keepAliveIdleConnections (token-keep-alive.ts)", () => {
    it("by default refreshes refresh tokens older than 7 days, oldest first, and logs what it did", async () => {
      await issuedAgo(A, 7 * DAY + MIN);
      await issuedAgo(B, 8 * DAY);
      await issuedAgo(C, 7 * DAY - MIN);
      const before = await row(A);
      const cap = captureLogger();

      const report = await world.tokenManager({ logger: cap.logger }).keepAliveIdleConnections();
      expect(report).toEqual({ checked: 2, refreshed: [B, A], skipped: [], needsReauth: [], failed: [] });
      expect(await refreshes()).toBe(2);
      expect(await openRefresh(await row(A))).not.toBe(await openRefresh(before));
      expect((await row(C)).tokenVersion).toBe(0);

      const done = cap.lines().filter((l) => l.event === "pleo.token.keepalive");
      expect(done).toHaveLength(1);
      expect(done[0]).toMatchObject({
        level: 30,
        msg: "token keep-alive done",
        olderThanDays: 7,
        checked: 2,
        refreshed: 2,
        needsReauth: 0,
        failed: 0,
      });
    });

    it("olderThanDays moves the cut-off; nothing idle: nothing asked of Pleo", async () => {
      await issuedAgo(A, 3 * DAY + MIN);
      await issuedAgo(B, 3 * DAY - MIN);
      const cap = captureLogger();
      const manager = world.tokenManager({ logger: cap.logger });
      expect(await manager.keepAliveIdleConnections({ olderThanDays: 3 })).toMatchObject({
        checked: 1,
        refreshed: [A],
      });
      expect(await manager.keepAliveIdleConnections({ olderThanDays: 3 })).toEqual({
        checked: 0,
        refreshed: [],
        skipped: [],
        needsReauth: [],
        failed: [],
      });
      expect(await refreshes()).toBe(1);
      const done = cap.lines().filter((l) => l.event === "pleo.token.keepalive");
      expect(done.map((l) => [l.olderThanDays, l.checked, l.refreshed])).toEqual([
        [3, 1, 1],
        [3, 0, 0],
      ]);
    });

    it("a revoked grant is reported as needing a reconnect, any other error as failed; the rest go on", async () => {
      await issuedAgo(A, 10 * DAY);
      await issuedAgo(B, 9 * DAY);
      await issuedAgo(C, 8 * DAY);
      await world.sandbox.control.revoke(A);
      // B's refresh token is C's sealed value: bound to another company, it does not open.
      await world.prisma.pleoConnection.update({
        where: { companyId: B },
        data: { refreshTokenEnc: (await row(C)).refreshTokenEnc },
      });
      const cap = captureLogger();

      const report = await world.tokenManager({ logger: cap.logger }).keepAliveIdleConnections();
      expect(report.checked).toBe(3);
      expect(report.needsReauth).toEqual([A]);
      expect(report.failed).toEqual([
        { companyId: B, error: expect.stringContaining("failed authentication") as string },
      ]);
      expect(report.refreshed).toEqual([C]);
      expect(report.skipped).toEqual([]);
      expect((await row(A)).status).toBe("NEEDS_REAUTH");
      expect(cap.lines().find((l) => l.event === "pleo.token.keepalive")).toMatchObject({
        checked: 3,
        refreshed: 1,
        needsReauth: 1,
        failed: 1,
      });
    });

    it("a connection another instance refreshed after the list was read is skipped, not refreshed again", async () => {
      await issuedAgo(A, 9 * DAY);
      const prisma = beforeFirstLock(() => world.tokenManager().getAccessToken(A, { forceRefresh: true }));
      const report = await world.tokenManager({ prisma }).keepAliveIdleConnections();
      expect(report).toEqual({ checked: 1, refreshed: [], skipped: [A], needsReauth: [], failed: [] });
      expect(await refreshes()).toBe(1);
    });

    it("a shutdown during the pass: the refresh under way completes, the rest waits for the next pass", async () => {
      await issuedAgo(A, 10 * DAY);
      await issuedAgo(B, 9 * DAY);
      try {
        const prisma = beforeFirstLock(() => shutdown({ reason: "test", timeoutMs: 1_000 }));
        const report = await world.tokenManager({ prisma }).keepAliveIdleConnections();
        expect(report).toEqual({ checked: 2, refreshed: [A], skipped: [], needsReauth: [], failed: [] });
        expect(await refreshes()).toBe(1);
      } finally {
        resetShutdownForTests();
      }
    });
  });

  describe("the process entry points (tokens.ts)", () => {
    it("tokenManagerFor: the configured token endpoint and client, the process logger, overrides applied", async () => {
      const cap = captureLogger();
      setProcessLogger(cap.logger);
      const stored = await openAccess(await row(A));
      // With the process clock the stored token is fresh.
      expect(await tokenManagerFor(world.prisma).getAccessToken(A)).toBe(stored);
      expect(await refreshes()).toBe(0);

      await world.clock.advance(601); // sandbox access tokens live 600 s
      const renewed = await tokenManagerFor(world.prisma, { now: world.clock.now }).getAccessToken(A);
      expect(renewed).not.toBe(stored);
      expect(await world.sandbox.control.acceptsToken(renewed)).toBe(true);
      expect(await refreshes()).toBe(1);
      const lines = cap.lines().filter((l) => l.event === "pleo.token.refresh");
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(l.component).toBe("pleo-tokens");
    });

    it("one manager per process until it is reset (configuration changed)", async () => {
      const first = tokenManager();
      expect(tokenManager()).toBe(first);
      resetTokenManagerForProcess();
      const second = tokenManager();
      expect(second).not.toBe(first);
      expect(tokenManager()).toBe(second);
    });

    it("getAccessToken: the stored token, or a forced refresh when asked", async () => {
      const stored = await openAccess(await row(B));
      expect(await getAccessToken(B)).toBe(stored);
      const forced = await getAccessToken(B, { forceRefresh: true });
      expect(forced).not.toBe(stored);
      expect(await openAccess(await row(B))).toBe(forced);
      expect(await refreshes()).toBe(1);
    });

    it("keepAliveIdleConnections: TOKEN_KEEPALIVE_DAYS unless olderThanDays is given", async () => {
      world.configure({ TOKEN_KEEPALIVE_DAYS: "3" });
      // The process manager runs on the process clock.
      await issuedAgo(C, 4 * DAY, Date.now);
      expect((await keepAliveIdleConnections({ olderThanDays: 5 })).checked).toBe(0);
      expect(await keepAliveIdleConnections()).toMatchObject({ checked: 1, refreshed: [C] });
      expect(await refreshes()).toBe(1);
    });
  });
});
