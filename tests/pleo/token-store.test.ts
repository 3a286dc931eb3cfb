import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { encryptToken } from "@/lib/crypto";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { GrantedTokens } from "@/lib/pleo/oauth";
import {
  clearUninstallRefreshMarker,
  dropUninstallGrant,
  insertConnection,
  listIdleConnections,
  lockTokens,
  markNeedsReauth,
  markUninstallRefreshStarted,
  moveGrantToDisconnection,
  readSealedTokens,
  readTokens,
  readUninstallGrant,
  recordRefreshFailure,
  REFRESH_TOKEN_LIFETIME_MS,
  renewLease,
  replaceSealedTokens,
  sealGrant,
  storeReconnectGrant,
  storeRefreshedTokens,
  storeUninstallTokens,
  takeLease,
  type SealToken,
} from "@/lib/pleo/token-store";
import { createTestDatabase, withMember, type TestDatabase } from "@/tests/support/db";
import { configurePortal } from "@/tests/support/env";
import { at, tokenRows, TOKEN_ROWS_T0 } from "@/tests/support/token-rows";
import { openAccess, openRefresh } from "@/tests/support/tokens";

/**
 * Every read and write of the token columns (lib/pleo/token-store.ts) on a real PGlite database: what
 * each write changes and what it leaves alone, the guards (tokenVersion, lease marker, compare-and-set)
 * that make a late writer lose, and the row lock. Tokens are sealed and opened with the real key ring,
 * bound to their company and field. No Pleo is needed: these functions never call it.
 */

const DAY = 24 * 3600 * 1000;
const T0 = TOKEN_ROWS_T0;

const grant = (over: Partial<GrantedTokens> = {}): GrantedTokens => ({
  accessToken: `access-${randomUUID()}`,
  refreshToken: `refresh-${randomUUID()}`,
  expiresInSeconds: 600,
  scope: "expenses:read users:read",
  ...over,
});

/** A `sleep` that records the waits it is asked for and waits for nothing. */
function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe("token store", () => {
  let database: TestDatabase;
  let prisma: PrismaClient;

  beforeAll(async () => {
    database = await createTestDatabase("pglite");
    prisma = database.prisma;
  });
  afterAll(async () => {
    await database?.drop();
  });
  beforeEach(async () => {
    // The key ring (TOKEN_ENCRYPTION_KEYS) comes from the configuration; no Pleo is reached here.
    configurePortal("http://127.0.0.1:9");
    await tokenRows(prisma).clear();
  });

  const rows = () => tokenRows(prisma);
  const owner = (companyId?: string) => rows().owner(companyId);
  const connection = (over?: Record<string, unknown>, companyId?: string) => rows().connection(over, companyId);
  const disconnection = (companyId: string, over?: Record<string, unknown>) => rows().disconnection(companyId, over);
  const rowOf = (companyId: string) => prisma.pleoConnection.findUniqueOrThrow({ where: { companyId } });

  describe("a fresh grant (connect) and a reconnect", () => {
    it("REFRESH_TOKEN_LIFETIME_MS is Pleo's documented minimum, 60 days", () => {
      expect(REFRESH_TOKEN_LIFETIME_MS).toBe(60 * DAY);
    });

    it("sealGrant: tokens sealed to their company and field, expiries from `now`, the response's scopes", async () => {
      const companyId = randomUUID();
      const tokens = grant({ expiresInSeconds: 900, scope: "b a  b" });
      const g = await sealGrant(tokens, "requested:scope", companyId, at(0));
      expect(Object.keys(g).sort()).toEqual(
        [
          "accessTokenEnc",
          "accessTokenExpiresAt",
          "refreshTokenEnc",
          "refreshTokenExpiresAt",
          "refreshTokenIssuedAt",
          "scopes",
        ].sort(),
      );
      expect(await openAccess({ companyId, ...g })).toBe(tokens.accessToken);
      expect(await openRefresh({ companyId, ...g })).toBe(tokens.refreshToken);
      expect(g.accessTokenEnc).not.toContain(tokens.accessToken);
      expect(g.accessTokenExpiresAt).toEqual(at(900_000));
      expect(g.refreshTokenIssuedAt).toEqual(at(0));
      expect(g.refreshTokenExpiresAt).toEqual(at(60 * DAY));
      expect(g.scopes).toEqual(["b", "a"]);
    });

    it("sealGrant: without a scope in the response, the requested scopes; a refresh lifetime Pleo states is used", async () => {
      const companyId = randomUUID();
      const g = await sealGrant(
        grant({ scope: null, refreshExpiresInSeconds: 3600 }),
        "expenses:read users:read",
        companyId,
        at(5_000),
      );
      expect(g.scopes).toEqual(["expenses:read", "users:read"]);
      expect(g.refreshTokenExpiresAt).toEqual(at(5_000 + 3_600_000));
      expect(g.refreshTokenIssuedAt).toEqual(at(5_000));
    });

    it("sealGrant: `now` defaults to the current time", async () => {
      const before = Date.now();
      const g = await sealGrant(grant({ expiresInSeconds: 60 }), "", randomUUID());
      const after = Date.now();
      expect(g.refreshTokenIssuedAt.getTime()).toBeGreaterThanOrEqual(before);
      expect(g.refreshTokenIssuedAt.getTime()).toBeLessThanOrEqual(after);
      expect(g.accessTokenExpiresAt.getTime() - g.refreshTokenIssuedAt.getTime()).toBe(60_000);
    });

    it("insertConnection: a CONNECTED row with the grant, connected and status-changed at `now`", async () => {
      const link = await owner();
      const tokens = grant();
      const g = await sealGrant(tokens, "", link.companyId, at(0));
      const created = await prisma.$transaction((tx) => insertConnection(tx, link, g, at(1_000)));
      expect(Object.keys(created)).toEqual(["id"]);
      const r = await rowOf(link.companyId);
      expect(r.id).toBe(created.id);
      expect(r).toMatchObject({
        ...link,
        status: "CONNECTED",
        statusChangedAt: at(1_000),
        connectedAt: at(1_000),
        accessTokenEnc: g.accessTokenEnc,
        refreshTokenEnc: g.refreshTokenEnc,
        accessTokenExpiresAt: g.accessTokenExpiresAt,
        refreshTokenIssuedAt: at(0),
        refreshTokenExpiresAt: g.refreshTokenExpiresAt,
        scopes: g.scopes,
        tokenVersion: 0,
      });
    });

    it("storeReconnectGrant: a NEEDS_REAUTH row is CONNECTED again, reason, lease and backoff cleared, version + 1", async () => {
      const { companyId, row } = await connection({
        status: "NEEDS_REAUTH",
        statusReason: "invalid_grant",
        refreshStartedAt: at(10),
        refreshFailures: 4,
        nextRefreshAttemptAt: at(99_000),
        tokenVersion: 3,
      });
      const tokens = grant({ scope: "x:read" });
      const g = await sealGrant(tokens, "", companyId, at(50_000));
      await prisma.$transaction((tx) => storeReconnectGrant(tx, row, g, at(60_000)));
      const r = await rowOf(companyId);
      expect(r).toMatchObject({
        status: "CONNECTED",
        statusReason: null,
        statusChangedAt: at(60_000),
        refreshStartedAt: null,
        refreshFailures: 0,
        nextRefreshAttemptAt: null,
        tokenVersion: 4,
        scopes: ["x:read"],
        accessTokenExpiresAt: at(50_000 + 600_000),
        refreshTokenIssuedAt: at(50_000),
      });
      expect(await openAccess(r)).toBe(tokens.accessToken);
      expect(await openRefresh(r)).toBe(tokens.refreshToken);
    });

    it("storeReconnectGrant: a CONNECTED row keeps its statusChangedAt", async () => {
      const { companyId, row } = await connection({ tokenVersion: 1 });
      const g = await sealGrant(grant(), "", companyId, at(50_000));
      await prisma.$transaction((tx) => storeReconnectGrant(tx, row, g, at(60_000)));
      const r = await rowOf(companyId);
      expect(r.statusChangedAt).toEqual(at(0));
      expect(r.tokenVersion).toBe(2);
      expect(r.status).toBe("CONNECTED");
    });
  });

  describe("what the token manager reads and the lease", () => {
    it("readTokens: exactly the decision's columns and the sealed tokens; null for an unknown company", async () => {
      const { companyId, row } = await connection({
        status: "NEEDS_REAUTH",
        statusReason: "why",
        refreshStartedAt: at(1),
        refreshFailures: 2,
        nextRefreshAttemptAt: at(2),
        tokenVersion: 7,
      });
      expect(await readTokens(prisma, companyId)).toEqual({
        status: "NEEDS_REAUTH",
        statusReason: "why",
        accessTokenEnc: row.accessTokenEnc,
        refreshTokenEnc: row.refreshTokenEnc,
        accessTokenExpiresAt: at(600_000),
        refreshTokenIssuedAt: at(0),
        refreshStartedAt: at(1),
        refreshFailures: 2,
        nextRefreshAttemptAt: at(2),
        tokenVersion: 7,
      });
      expect(await readTokens(prisma, randomUUID())).toBeNull();
    });

    it("lockTokens: the row is locked by the caller's transaction (FOR UPDATE), then read", async () => {
      const { companyId, row } = await connection({ tokenVersion: 5 });
      await connection(); // another row, not locked
      const seen = await prisma.$transaction(async (tx) => {
        const read = await lockTokens(tx, companyId);
        // A row lock writes the locking transaction's id into the tuple's xmax (PostgreSQL's row locks).
        const locks = await tx.$queryRaw<Array<{ companyId: string; mine: boolean }>>`
          SELECT "companyId"::text AS "companyId", ("xmax"::text = (txid_current() % 4294967296)::text) AS "mine"
          FROM "PleoConnection" ORDER BY "companyId"`;
        return { read, locks };
      });
      expect(seen.read).toMatchObject({ accessTokenEnc: row.accessTokenEnc, tokenVersion: 5 });
      expect(seen.locks).toHaveLength(2);
      expect(seen.locks.filter((l) => l.mine).map((l) => l.companyId)).toEqual([companyId]);
      expect(await prisma.$transaction((tx) => lockTokens(tx, randomUUID()))).toBeNull();
    });

    it("takeLease sets the marker; renewLease moves it only for the holder", async () => {
      const { companyId } = await connection();
      const other = await connection();
      await prisma.$transaction((tx) => takeLease(tx, companyId, at(100)));
      expect((await rowOf(companyId)).refreshStartedAt).toEqual(at(100));
      expect((await rowOf(other.companyId)).refreshStartedAt).toBeNull();

      expect(await renewLease(prisma, companyId, at(99), at(200))).toBe(false);
      expect((await rowOf(companyId)).refreshStartedAt).toEqual(at(100));
      expect(await renewLease(prisma, companyId, at(100), at(200))).toBe(true);
      expect((await rowOf(companyId)).refreshStartedAt).toEqual(at(200));
      expect(await renewLease(prisma, other.companyId, at(100), at(300))).toBe(false);
      expect((await rowOf(other.companyId)).refreshStartedAt).toBeNull();
    });
  });

  describe("storeRefreshedTokens", () => {
    const opts = (sleep = recordingSleep().sleep, seal: SealToken = encryptToken) => ({
      requestedAt: T0 + 10_000,
      now: at(12_000),
      seal,
      sleep,
    });

    it("stores the tokens with their expiries, clears lease and backoff, version + 1, the new scopes", async () => {
      const { companyId } = await connection({
        tokenVersion: 2,
        refreshStartedAt: at(9_000),
        refreshFailures: 3,
        nextRefreshAttemptAt: at(20_000),
      });
      const other = await connection({ tokenVersion: 2 });
      const tokens = grant({ expiresInSeconds: 300, refreshExpiresInSeconds: 7_200, scope: "a:read b:read" });
      expect(await storeRefreshedTokens(prisma, companyId, 2, tokens, opts())).toBe(true);
      const r = await rowOf(companyId);
      expect(r).toMatchObject({
        accessTokenExpiresAt: at(10_000 + 300_000),
        refreshTokenIssuedAt: at(10_000),
        refreshTokenExpiresAt: at(10_000 + 7_200_000),
        lastRefreshedAt: at(12_000),
        refreshStartedAt: null,
        refreshFailures: 0,
        nextRefreshAttemptAt: null,
        tokenVersion: 3,
        scopes: ["a:read", "b:read"],
      });
      expect(await openAccess(r)).toBe(tokens.accessToken);
      expect(await openRefresh(r)).toBe(tokens.refreshToken);
      // The other connection is untouched.
      expect(await rowOf(other.companyId)).toEqual(other.row);
    });

    it("an absent scope leaves the scopes as they were; the refresh lifetime defaults to 60 days", async () => {
      const { companyId } = await connection({ scopes: ["kept:read"] });
      expect(await storeRefreshedTokens(prisma, companyId, 0, grant({ scope: null }), opts())).toBe(true);
      const r = await rowOf(companyId);
      expect(r.scopes).toEqual(["kept:read"]);
      expect(r.refreshTokenExpiresAt).toEqual(at(10_000 + 60 * DAY));
    });

    it("discarded (false, nothing written) when the version moved since the refresh started", async () => {
      const { companyId, row } = await connection({ tokenVersion: 4 });
      const { waits, sleep } = recordingSleep();
      expect(await storeRefreshedTokens(prisma, companyId, 3, grant(), opts(sleep))).toBe(false);
      expect(await rowOf(companyId)).toEqual(row);
      expect(waits).toEqual([]);
    });

    /** `prisma` whose pleoConnection.updateMany fails the first `failures` calls. */
    function failingWrites(failures: number) {
      const calls = { n: 0 };
      const updateMany = prisma.pleoConnection.updateMany.bind(prisma.pleoConnection) as (...a: unknown[]) => unknown;
      const pleoConnection = withMember(prisma.pleoConnection, "updateMany", (...args: unknown[]) => {
        if (++calls.n <= failures) return Promise.reject(new Error(`write ${calls.n} failed`));
        return updateMany(...args);
      });
      const db = withMember(prisma, "pleoConnection", pleoConnection);
      return { db, calls };
    }

    it("a failing write is tried again after 100 ms, then 200 ms: stored on the third try", async () => {
      const { companyId } = await connection();
      const { db, calls } = failingWrites(2);
      const { waits, sleep } = recordingSleep();
      const tokens = grant();
      expect(await storeRefreshedTokens(db, companyId, 0, tokens, opts(sleep))).toBe(true);
      expect(calls.n).toBe(3);
      expect(waits).toEqual([100, 200]);
      expect(await openRefresh(await rowOf(companyId))).toBe(tokens.refreshToken);
    });

    it("three failed writes: the last error is thrown, nothing stored", async () => {
      const { companyId, row } = await connection();
      const { db, calls } = failingWrites(3);
      const { waits, sleep } = recordingSleep();
      await expect(storeRefreshedTokens(db, companyId, 0, grant(), opts(sleep))).rejects.toThrow("write 3 failed");
      expect(calls.n).toBe(3);
      expect(waits).toEqual([100, 200, 300]);
      expect(await rowOf(companyId)).toEqual(row);
    });
  });

  describe("a failed refresh, a dead grant, keep-alive's list", () => {
    it("recordRefreshFailure: counted with its backoff and marker for the lease holder only", async () => {
      const { companyId } = await connection({ refreshStartedAt: at(100), refreshFailures: 1 });
      await recordRefreshFailure(prisma, companyId, at(99), { failures: 5, until: at(9_000), leaveMarkerAt: null });
      expect(await rowOf(companyId)).toMatchObject({
        refreshStartedAt: at(100),
        refreshFailures: 1,
        nextRefreshAttemptAt: null,
      });

      await recordRefreshFailure(prisma, companyId, at(100), { failures: 2, until: at(9_000), leaveMarkerAt: at(50) });
      expect(await rowOf(companyId)).toMatchObject({
        refreshStartedAt: at(50),
        refreshFailures: 2,
        nextRefreshAttemptAt: at(9_000),
      });
      await recordRefreshFailure(prisma, companyId, at(50), { failures: 3, until: at(19_000), leaveMarkerAt: null });
      expect(await rowOf(companyId)).toMatchObject({
        refreshStartedAt: null,
        refreshFailures: 3,
        nextRefreshAttemptAt: at(19_000),
      });
    });

    it("markNeedsReauth: NEEDS_REAUTH with the reason (500 characters at most), lease and backoff cleared", async () => {
      const { companyId } = await connection({
        tokenVersion: 2,
        refreshStartedAt: at(1),
        nextRefreshAttemptAt: at(2),
        refreshFailures: 3,
      });
      const other = await connection({ tokenVersion: 2 });
      const reason = `${"x".repeat(499)}yz`;
      expect(await markNeedsReauth(prisma, companyId, 2, reason, at(7_000))).toBe(true);
      expect(await rowOf(companyId)).toMatchObject({
        status: "NEEDS_REAUTH",
        statusReason: `${"x".repeat(499)}y`,
        statusChangedAt: at(7_000),
        refreshStartedAt: null,
        nextRefreshAttemptAt: null,
        refreshFailures: 3,
        tokenVersion: 2,
      });
      expect(await rowOf(other.companyId)).toEqual(other.row);
    });

    it("markNeedsReauth: a reconnect since (another version) wins: false, nothing changed", async () => {
      const { companyId, row } = await connection({ tokenVersion: 3 });
      expect(await markNeedsReauth(prisma, companyId, 2, "invalid_grant", at(7_000))).toBe(false);
      expect(await rowOf(companyId)).toEqual(row);
    });

    it("listIdleConnections: CONNECTED, issued before the cut-off, not backing off; oldest first", async () => {
      const idleBefore = at(0);
      const now = at(1_000);
      const c = (issued: number, over: Record<string, unknown> = {}) =>
        connection({ refreshTokenIssuedAt: at(issued), ...over }).then((x) => x.companyId);
      const newer = await c(-10);
      const oldest = await c(-30);
      const backoffOver = await c(-20, { nextRefreshAttemptAt: at(1_000) }); // due exactly now
      await c(-40, { nextRefreshAttemptAt: at(1_001) }); // still backing off
      await c(0); // issued at the cut-off: not before it
      await c(-50, { status: "NEEDS_REAUTH" });
      await c(-60, { status: "DISCONNECTED" });
      expect(await listIdleConnections(prisma, idleBefore, now)).toEqual([oldest, backoffOver, newer]);
    });
  });

  describe("a disconnected company's grant", () => {
    it("moveGrantToDisconnection copies the sealed grant and lease inside the database; false when nothing matched", async () => {
      const { companyId, row } = await connection({ refreshStartedAt: at(77) });
      const other = await connection();
      const d = await disconnection(companyId);
      const untouched = await disconnection(other.companyId);
      expect(await prisma.$transaction((tx) => moveGrantToDisconnection(tx, companyId, d.id))).toBe(true);
      expect(await prisma.disconnection.findUniqueOrThrow({ where: { id: d.id } })).toMatchObject({
        accessTokenEnc: row.accessTokenEnc,
        refreshTokenEnc: row.refreshTokenEnc,
        accessTokenExpiresAt: row.accessTokenExpiresAt,
        refreshStartedAt: at(77),
      });
      expect(await prisma.disconnection.findUniqueOrThrow({ where: { id: untouched.id } })).toEqual(untouched);
      expect(await prisma.$transaction((tx) => moveGrantToDisconnection(tx, randomUUID(), untouched.id))).toBe(false);
      expect(await prisma.$transaction((tx) => moveGrantToDisconnection(tx, companyId, "no-such-row"))).toBe(false);
    });

    it("readUninstallGrant: the grant, or null when any part of it is gone", async () => {
      const companyId = randomUUID();
      const full = {
        accessTokenEnc: "sealed-a",
        refreshTokenEnc: "sealed-r",
        accessTokenExpiresAt: at(600_000),
        refreshStartedAt: at(5),
      };
      const d = await disconnection(companyId, full);
      expect(await readUninstallGrant(prisma, d.id)).toEqual(full);
      const noMarker = await disconnection(companyId, { ...full, refreshStartedAt: null });
      expect(await readUninstallGrant(prisma, noMarker.id)).toEqual({ ...full, refreshStartedAt: null });
      for (const gone of ["accessTokenEnc", "refreshTokenEnc", "accessTokenExpiresAt"]) {
        const partial = await disconnection(companyId, { ...full, [gone]: null });
        expect(await readUninstallGrant(prisma, partial.id), gone).toBeNull();
      }
      expect(await readUninstallGrant(prisma, "no-such-row")).toBeNull();
    });

    it("the refresh marker, the rotated tokens, and the grant dropped", async () => {
      const companyId = randomUUID();
      const d = await disconnection(companyId, {
        accessTokenEnc: "sealed-a",
        refreshTokenEnc: "sealed-r",
        accessTokenExpiresAt: at(600_000),
      });
      const other = await disconnection(companyId, { accessTokenEnc: "o-a", refreshTokenEnc: "o-r" });
      const read = () => prisma.disconnection.findUniqueOrThrow({ where: { id: d.id } });

      await markUninstallRefreshStarted(prisma, d.id, at(40));
      expect((await read()).refreshStartedAt).toEqual(at(40));
      await clearUninstallRefreshMarker(prisma, d.id);
      expect((await read()).refreshStartedAt).toBeNull();

      await markUninstallRefreshStarted(prisma, d.id, at(41));
      const tokens = grant({ expiresInSeconds: 120 });
      await storeUninstallTokens(prisma, { id: d.id, companyId }, tokens, {
        requestedAt: T0 + 50_000,
        seal: encryptToken,
      });
      const stored = await read();
      expect(stored).toMatchObject({ accessTokenExpiresAt: at(50_000 + 120_000), refreshStartedAt: null });
      expect(await openAccess(stored)).toBe(tokens.accessToken);
      expect(await openRefresh(stored)).toBe(tokens.refreshToken);

      await markUninstallRefreshStarted(prisma, d.id, at(42));
      await dropUninstallGrant(prisma, d.id);
      expect(await read()).toMatchObject({
        accessTokenEnc: null,
        refreshTokenEnc: null,
        accessTokenExpiresAt: null,
        refreshStartedAt: null,
      });
      expect(await prisma.disconnection.findUniqueOrThrow({ where: { id: other.id } })).toEqual(other);
    });
  });

  describe("re-sealing (tokens:reseal)", () => {
    it("readSealedTokens: connections in id order, a page at a time after `afterId`", async () => {
      const made = [(await connection()).row, (await connection()).row, (await connection()).row];
      const ids = made.map((r) => r.id).sort();
      const sealed = (id: string) => {
        const r = made.find((x) => x.id === id)!;
        return { id, companyId: r.companyId, accessTokenEnc: r.accessTokenEnc, refreshTokenEnc: r.refreshTokenEnc };
      };
      const first = await readSealedTokens(prisma, "PleoConnection", null, 2);
      expect(first).toEqual([sealed(ids[0]), sealed(ids[1])]);
      expect(await readSealedTokens(prisma, "PleoConnection", ids[1], 2)).toEqual([sealed(ids[2])]);
      expect(await readSealedTokens(prisma, "PleoConnection", ids[0], 5)).toEqual([sealed(ids[1]), sealed(ids[2])]);
    });

    it("readSealedTokens: disconnections that still hold both tokens, in id order, paged", async () => {
      const companyId = randomUUID();
      const holding = [];
      for (let i = 0; i < 3; i++) {
        holding.push(await disconnection(companyId, { accessTokenEnc: `a${i}`, refreshTokenEnc: `r${i}` }));
      }
      await disconnection(companyId, { accessTokenEnc: "a-only" });
      await disconnection(companyId, { refreshTokenEnc: "r-only" });
      await disconnection(companyId);
      await connection(); // a connection is not a disconnection
      const expected = holding
        .map((d) => ({ id: d.id, companyId, accessTokenEnc: d.accessTokenEnc, refreshTokenEnc: d.refreshTokenEnc }))
        .sort((x, y) => (x.id < y.id ? -1 : 1));
      expect(await readSealedTokens(prisma, "Disconnection", null, 10)).toEqual(expected);
      expect(await readSealedTokens(prisma, "Disconnection", null, 2)).toEqual(expected.slice(0, 2));
      expect(await readSealedTokens(prisma, "Disconnection", expected[0].id, 10)).toEqual(expected.slice(1));
    });

    it("replaceSealedTokens: compare-and-set on both tokens, per table", async () => {
      const { row, companyId } = await connection();
      const before = {
        id: row.id,
        companyId,
        accessTokenEnc: row.accessTokenEnc,
        refreshTokenEnc: row.refreshTokenEnc,
      };
      const next = { accessTokenEnc: "new-a", refreshTokenEnc: "new-r" };
      // Either token changed since it was read: not replaced.
      for (const stale of [
        { ...before, accessTokenEnc: "other" },
        { ...before, refreshTokenEnc: "other" },
        { ...before, id: "other" },
      ]) {
        expect(await replaceSealedTokens(prisma, "PleoConnection", stale, next)).toBe(false);
      }
      expect(await rowOf(companyId)).toEqual(row);
      // The same id in the other table is another row.
      expect(await replaceSealedTokens(prisma, "Disconnection", before, next)).toBe(false);
      expect(await replaceSealedTokens(prisma, "PleoConnection", before, next)).toBe(true);
      expect(await rowOf(companyId)).toMatchObject(next);

      const d = await disconnection(companyId, { accessTokenEnc: "a", refreshTokenEnc: "r" });
      const dBefore = { id: d.id, companyId, accessTokenEnc: "a", refreshTokenEnc: "r" };
      expect(await replaceSealedTokens(prisma, "Disconnection", { ...dBefore, refreshTokenEnc: "x" }, next)).toBe(
        false,
      );
      expect(await replaceSealedTokens(prisma, "PleoConnection", dBefore, next)).toBe(false);
      expect(await replaceSealedTokens(prisma, "Disconnection", dBefore, next)).toBe(true);
      expect(await prisma.disconnection.findUniqueOrThrow({ where: { id: d.id } })).toMatchObject(next);
    });
  });
});
