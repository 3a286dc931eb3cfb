import "server-only";

import { encryptToken, type TokenBinding } from "@/lib/crypto";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { GrantedTokens } from "@/lib/pleo/oauth";
import { parseScopes } from "@/lib/pleo/schemas/common";
import type { TokenRow } from "@/lib/pleo/token-decision";

/**
 * Every read and write of a connection's token columns (tokens, expiries, lease, backoff, version,
 * granted scopes, and the status changes of the token lifecycle), one named function each; and of the
 * same columns on a Disconnection row, where a disconnected company's grant waits for the uninstall. Tokens are
 * stored sealed (AES-256-GCM, lib/crypto); nothing here returns or logs a plaintext token. Writes
 * that may race a reconnect are guarded by `tokenVersion` or by the lease marker (README → Token
 * lifecycle); lib/pleo/token-manager.ts explains when each one happens.
 */

/** Pleo: refresh tokens live "at least 60 days" (FOUND); we plan with that minimum unless told otherwise. */
export const REFRESH_TOKEN_LIFETIME_MS = 60 * 24 * 3600 * 1000;

/** A Prisma client, or the transaction a caller already holds. */
export type Db = Prisma.TransactionClient;

/** Seal / open one token of one company: the binding is authenticated with the value (lib/crypto). */
export type SealToken = (plain: string, binding: TokenBinding) => Promise<string>;
export type OpenToken = (sealed: string, binding: TokenBinding) => Promise<string>;

/** The row as the token manager reads it: the decision's columns plus the sealed tokens. */
export type StoredTokens = TokenRow & { accessTokenEnc: string; refreshTokenEnc: string };

const TOKEN_ROW_SELECT = {
  status: true,
  statusReason: true,
  accessTokenEnc: true,
  refreshTokenEnc: true,
  accessTokenExpiresAt: true,
  refreshTokenIssuedAt: true,
  refreshStartedAt: true,
  refreshFailures: true,
  nextRefreshAttemptAt: true,
  tokenVersion: true,
} as const;

/** New tokens sealed, with expiries counted from `issuedAt` (the request time: network delay only makes us refresh earlier). */
async function tokenColumns(tokens: GrantedTokens, companyId: string, issuedAt: number, seal: SealToken) {
  const [accessTokenEnc, refreshTokenEnc] = await Promise.all([
    seal(tokens.accessToken, { companyId, field: "access_token" }),
    seal(tokens.refreshToken, { companyId, field: "refresh_token" }),
  ]);
  return {
    accessTokenEnc,
    refreshTokenEnc,
    accessTokenExpiresAt: new Date(issuedAt + tokens.expiresInSeconds * 1000),
    refreshTokenIssuedAt: new Date(issuedAt),
    refreshTokenExpiresAt: new Date(
      issuedAt + (tokens.refreshExpiresInSeconds ? tokens.refreshExpiresInSeconds * 1000 : REFRESH_TOKEN_LIFETIME_MS),
    ),
  };
}

// ---- The connect flow: a fresh grant, written inside the caller's transaction ----

export type SealedGrant = Awaited<ReturnType<typeof tokenColumns>> & { scopes: string[] };

/** A fresh grant, sealed for storage. Scopes: the response's, else the requested ones (RFC 6749 §5.1). */
export async function sealGrant(
  tokens: GrantedTokens,
  requestedScopes: string,
  companyId: string,
  now = new Date(),
): Promise<SealedGrant> {
  return {
    ...(await tokenColumns(tokens, companyId, now.getTime(), encryptToken)),
    scopes: parseScopes(tokens.scope ?? requestedScopes),
  };
}

/** The connection row of a newly linked company, CONNECTED with its grant. */
export function insertConnection(
  tx: Prisma.TransactionClient,
  link: { userId: string; accountId: string; companyId: string },
  grant: SealedGrant,
  now: Date,
): Promise<{ id: string }> {
  return tx.pleoConnection.create({
    data: { ...link, status: "CONNECTED", statusChangedAt: now, connectedAt: now, ...grant },
    select: { id: true },
  });
}

/**
 * Reconnect: the new grant replaces the old one (its refresh token is dropped), CONNECTED again with
 * any lease, backoff and "needs reconnect" reason cleared, and tokenVersion bumped so a refresh that
 * started with the old tokens cannot overwrite the new ones.
 */
export async function storeReconnectGrant(
  tx: Prisma.TransactionClient,
  connection: { id: string; status: string },
  grant: SealedGrant,
  now: Date,
): Promise<void> {
  await tx.pleoConnection.update({
    where: { id: connection.id },
    data: {
      ...grant,
      status: "CONNECTED",
      statusReason: null,
      refreshStartedAt: null,
      refreshFailures: 0,
      nextRefreshAttemptAt: null,
      ...(connection.status !== "CONNECTED" ? { statusChangedAt: now } : {}),
      tokenVersion: { increment: 1 },
    },
  });
}

// ---- The token manager ----

export function readTokens(db: Db, companyId: string): Promise<StoredTokens | null> {
  return db.pleoConnection.findUnique({ where: { companyId }, select: TOKEN_ROW_SELECT });
}

/** Lock the row for the rest of `tx` (other instances wait), then re-read it. */
export async function lockTokens(tx: Prisma.TransactionClient, companyId: string): Promise<StoredTokens | null> {
  await tx.$queryRaw`SELECT "id" FROM "PleoConnection" WHERE "companyId" = ${companyId}::uuid FOR UPDATE`;
  return readTokens(tx, companyId);
}

/** Commit the decision to refresh (under the lock), so other instances wait for its result. */
export async function takeLease(tx: Prisma.TransactionClient, companyId: string, marker: Date): Promise<void> {
  await tx.pleoConnection.update({ where: { companyId }, data: { refreshStartedAt: marker } });
}

/** Move the lease forward if this caller still holds it (`marker`); false when it was lost. */
export async function renewLease(db: Db, companyId: string, marker: Date, next: Date): Promise<boolean> {
  const r = await db.pleoConnection.updateMany({
    where: { companyId, refreshStartedAt: marker },
    data: { refreshStartedAt: next },
  });
  return r.count === 1;
}

/**
 * Store a refresh's tokens and clear lease and backoff, in one statement (one transaction): access,
 * refresh, expiry and version change together or not at all. Only if nobody stored tokens since
 * `fromVersion` (a reconnect meanwhile wins); false when discarded for that reason. The new refresh
 * token exists nowhere else, so a failing write is tried three times before the error is thrown.
 */
export async function storeRefreshedTokens(
  db: Db,
  companyId: string,
  fromVersion: number,
  tokens: GrantedTokens,
  opts: { requestedAt: number; now: Date; seal: SealToken; sleep: (ms: number) => Promise<void> },
): Promise<boolean> {
  const data = {
    ...(await tokenColumns(tokens, companyId, opts.requestedAt, opts.seal)),
    lastRefreshedAt: opts.now,
    refreshStartedAt: null,
    refreshFailures: 0,
    nextRefreshAttemptAt: null,
    tokenVersion: fromVersion + 1,
    // An absent scope means unchanged (RFC 6749 §5.1).
    ...(tokens.scope ? { scopes: parseScopes(tokens.scope) } : {}),
  };
  let lastError: unknown;
  for (let i = 0; i < 3; i++) {
    try {
      const r = await db.pleoConnection.updateMany({ where: { companyId, tokenVersion: fromVersion }, data });
      return r.count === 1;
    } catch (err) {
      lastError = err;
      await opts.sleep(100 * (i + 1));
    }
  }
  throw lastError;
}

/**
 * A failed refresh: count it and back off until `until`, if this caller still holds the lease.
 * `leaveMarkerAt`: the outcome is unknown (the token may have been rotated), so a lease marker is left
 * at that (expired) time, which makes the next attempt verify the token first; null clears the lease.
 */
export async function recordRefreshFailure(
  db: Db,
  companyId: string,
  marker: Date,
  failure: { failures: number; until: Date; leaveMarkerAt: Date | null },
): Promise<void> {
  await db.pleoConnection.updateMany({
    where: { companyId, refreshStartedAt: marker },
    data: {
      refreshFailures: failure.failures,
      nextRefreshAttemptAt: failure.until,
      refreshStartedAt: failure.leaveMarkerAt,
    },
  });
}

/**
 * The grant is dead: NEEDS_REAUTH with the reason; unless a reconnect stored new tokens since
 * `tokenVersion` (false then: nothing changed).
 */
export async function markNeedsReauth(
  db: Db,
  companyId: string,
  tokenVersion: number,
  statusReason: string,
  now: Date,
): Promise<boolean> {
  const r = await db.pleoConnection.updateMany({
    where: { companyId, tokenVersion },
    data: {
      status: "NEEDS_REAUTH",
      statusReason: statusReason.slice(0, 500),
      statusChangedAt: now,
      refreshStartedAt: null,
      nextRefreshAttemptAt: null,
    },
  });
  return r.count === 1;
}

/** Connected companies whose refresh token was issued before `idleBefore` and that are not backing off, oldest first. */
export async function listIdleConnections(db: Db, idleBefore: Date, now: Date): Promise<string[]> {
  const rows = await db.pleoConnection.findMany({
    where: {
      status: "CONNECTED",
      refreshTokenIssuedAt: { lt: idleBefore },
      OR: [{ nextRefreshAttemptAt: null }, { nextRefreshAttemptAt: { lte: now } }],
    },
    select: { companyId: true },
    orderBy: { refreshTokenIssuedAt: "asc" },
  });
  return rows.map((r) => r.companyId);
}

// ---- A disconnected company's grant, kept only until Pleo confirms the uninstall ----

/** The sealed grant a pending uninstall works with (Disconnection row), or null once it was dropped. */
export type UninstallGrant = {
  accessTokenEnc: string;
  refreshTokenEnc: string;
  accessTokenExpiresAt: Date;
  refreshStartedAt: Date | null;
};

/**
 * Disconnect: the connection's sealed tokens move to its Disconnection row, in the caller's transaction
 * (which then deletes the connection): copied inside the database, never decrypted. Only the uninstall
 * at Pleo ever uses them; a refresh lease the connection held is carried over, so an interrupted
 * refresh is verified before its token is presented again.
 */
export async function moveGrantToDisconnection(
  tx: Prisma.TransactionClient,
  companyId: string,
  disconnectionId: string,
): Promise<boolean> {
  const moved = await tx.$executeRaw`
    UPDATE "Disconnection" d SET "accessTokenEnc" = c."accessTokenEnc", "refreshTokenEnc" = c."refreshTokenEnc",
      "accessTokenExpiresAt" = c."accessTokenExpiresAt", "refreshStartedAt" = c."refreshStartedAt"
    FROM "PleoConnection" c
    WHERE d."id" = ${disconnectionId} AND c."companyId" = ${companyId}::uuid`;
  return moved === 1;
}

export async function readUninstallGrant(db: Db, disconnectionId: string): Promise<UninstallGrant | null> {
  const row = await db.disconnection.findUnique({
    where: { id: disconnectionId },
    select: { accessTokenEnc: true, refreshTokenEnc: true, accessTokenExpiresAt: true, refreshStartedAt: true },
  });
  if (!row?.accessTokenEnc || !row.refreshTokenEnc || !row.accessTokenExpiresAt) return null;
  return {
    accessTokenEnc: row.accessTokenEnc,
    refreshTokenEnc: row.refreshTokenEnc,
    accessTokenExpiresAt: row.accessTokenExpiresAt,
    refreshStartedAt: row.refreshStartedAt,
  };
}

/** Before presenting the refresh token: its outcome is unknown until `storeUninstallTokens` clears this. */
export async function markUninstallRefreshStarted(db: Db, disconnectionId: string, at: Date): Promise<void> {
  await db.disconnection.update({ where: { id: disconnectionId }, data: { refreshStartedAt: at } });
}

/** Nothing was rotated (Pleo answered an error or was never reached): the stored refresh token is still the one. */
export async function clearUninstallRefreshMarker(db: Db, disconnectionId: string): Promise<void> {
  await db.disconnection.update({ where: { id: disconnectionId }, data: { refreshStartedAt: null } });
}

/** A refresh's rotated tokens, sealed, in one statement that also clears the marker. */
export async function storeUninstallTokens(
  db: Db,
  disconnection: { id: string; companyId: string },
  tokens: GrantedTokens,
  opts: { requestedAt: number; seal: SealToken },
): Promise<void> {
  const cols = await tokenColumns(tokens, disconnection.companyId, opts.requestedAt, opts.seal);
  const disconnectionId = disconnection.id;
  await db.disconnection.update({
    where: { id: disconnectionId },
    data: {
      accessTokenEnc: cols.accessTokenEnc,
      refreshTokenEnc: cols.refreshTokenEnc,
      accessTokenExpiresAt: cols.accessTokenExpiresAt,
      refreshStartedAt: null,
    },
  });
}

/** The uninstall ended (either way): the grant is forgotten for good. */
export async function dropUninstallGrant(db: Db, disconnectionId: string): Promise<void> {
  await db.disconnection.update({
    where: { id: disconnectionId },
    data: { accessTokenEnc: null, refreshTokenEnc: null, accessTokenExpiresAt: null, refreshStartedAt: null },
  });
}

// ---- Re-sealing under the newest key (npm run tokens:reseal) ----

/** Where sealed tokens are stored: a connection's grant, or a disconnected company's grant awaiting its uninstall. */
export type SealedTable = "PleoConnection" | "Disconnection";

export type SealedRow = { id: string; companyId: string; accessTokenEnc: string; refreshTokenEnc: string };

/** One page of rows holding sealed tokens, in id order after `afterId`. */
export async function readSealedTokens(
  db: Db,
  table: SealedTable,
  afterId: string | null,
  limit: number,
): Promise<SealedRow[]> {
  const page = { ...(afterId ? { id: { gt: afterId } } : {}) };
  const rest = {
    orderBy: { id: "asc" },
    take: limit,
    select: { id: true, companyId: true, accessTokenEnc: true, refreshTokenEnc: true },
  } as const;
  const rows =
    table === "PleoConnection"
      ? await db.pleoConnection.findMany({ where: page, ...rest })
      : await db.disconnection.findMany({
          where: { ...page, accessTokenEnc: { not: null }, refreshTokenEnc: { not: null } },
          ...rest,
        });
  return rows as SealedRow[];
}

/**
 * Replace a row's sealed tokens with the same tokens sealed anew, only if they are still the values read
 * (compare-and-set): a refresh or reconnect that stored new tokens meanwhile wins, and the row is
 * counted as changed (its new values are already sealed under the newest key). False in that case.
 */
export async function replaceSealedTokens(
  db: Db,
  table: SealedTable,
  before: SealedRow,
  sealed: { accessTokenEnc: string; refreshTokenEnc: string },
): Promise<boolean> {
  const args = {
    where: { id: before.id, accessTokenEnc: before.accessTokenEnc, refreshTokenEnc: before.refreshTokenEnc },
    data: sealed,
  };
  const r =
    table === "PleoConnection" ? await db.pleoConnection.updateMany(args) : await db.disconnection.updateMany(args);
  return r.count === 1;
}
