import "server-only";

import { decryptToken, encryptToken } from "@/lib/crypto";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { createLogger, type Logger } from "@/lib/log";
import { ConnectionNotFoundError, NeedsReauthError, PleoUnavailableError } from "@/lib/pleo/errors";
import { DEFAULT_OAUTH_TIMEOUT_MS, type OAuthClientConfig } from "@/lib/pleo/oauth";
import { decideTokens, isFresh, type Decision, type Intent } from "@/lib/pleo/token-decision";
import { keepAliveIdleConnections, type KeepAliveReport } from "@/lib/pleo/token-keep-alive";
import { refreshWithLease, type Lease, type RefreshResult, type RefreshSettings } from "@/lib/pleo/token-refresh";
import { lockTokens, readTokens, takeLease, type OpenToken, type SealToken } from "@/lib/pleo/token-store";
import { sleep as defaultSleep } from "@/lib/util/async";

/**
 * Access tokens for linked companies: one refresh at a time, rotation never lost.
 *
 * Pleo rotates the refresh token on every refresh and revokes the whole grant when a rotated or
 * expired one is presented (README → Token lifecycle), so:
 *  - In one process, concurrent callers share one in-flight refresh per company (`inflight`).
 *  - Across processes, the PleoConnection row is locked (`SELECT … FOR UPDATE`) while deciding; after
 *    the lock the row is re-read, and if another instance refreshed meanwhile its token is used.
 *  - The decision to refresh is committed as a lease (`refreshStartedAt = now`) BEFORE Pleo is called,
 *    and the new access + refresh token and expiry are written in one transaction that clears it.
 *
 * Crash safety (see README → Token lifecycle). A `refreshStartedAt` older than the lease means a
 * refresh was sent and its outcome never stored (process killed, response lost, database write
 * failed): Pleo may already have rotated the stored refresh token. Presenting it again would, if it was
 * rotated, count as reuse and revoke the grant — so it is never presented blindly. Instead the token is
 * introspected (RFC 7662, a read that does not consume it): inactive → the connection is marked
 * NEEDS_REAUTH ("refresh_interrupted") and the customer reconnects; active → it was never rotated and
 * the refresh proceeds. If introspection is unavailable too, the marker stays and we back off.
 *
 * The parts: what to do with a locked row is decided in token-decision.ts (pure); every read and write
 * of the token columns is in token-store.ts; the refresh itself (verify, token endpoint, inline
 * retries, outcome) in token-refresh.ts; keep-alive in token-keep-alive.ts. This module ties them
 * together: single flight per process, lock → decide → lease, waiting for another instance's lease.
 */

export type TokenManagerOptions = {
  prisma: PrismaClient;
  oauth: OAuthClientConfig;
  logger?: Logger;
  /** Clock (ms). Tests move it together with the sandbox clock. */
  now?: () => number;
  /** Refresh when the access token expires within this many ms (default 60 s). */
  skewMs?: number;
  /** How long a refresh decision holds the connection; must exceed the token request timeout. */
  leaseMs?: number;
  /** How often a waiting instance re-reads the row while another one refreshes. */
  pollMs?: number;
  /** Attempts of one refresh for errors that certainly rotated nothing (5xx, 429, not sent). */
  maxInlineAttempts?: number;
  /** Longest Retry-After / backoff waited inside a call; longer ones are persisted and surfaced. */
  maxInlineWaitMs?: number;
  /** Persisted backoff after a failed refresh: base · 2^(failures−1), capped, with jitter. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  sealToken?: SealToken;
  openToken?: OpenToken;
  sleep?: (ms: number) => Promise<void>;
};

export type { KeepAliveReport };

export type TokenManager = {
  /**
   * A valid access token for the company, refreshing first if it expires within the skew.
   * `forceRefresh` (after a 401, with the refused token): refresh unless someone already replaced it.
   */
  getAccessToken(companyId: string, opts?: { forceRefresh?: boolean; rejectedToken?: string }): Promise<string>;
  /** Refresh connections whose refresh token is older than `olderThanDays`, so it never lapses idle. */
  keepAliveIdleConnections(opts?: { olderThanDays?: number }): Promise<KeepAliveReport>;
};

type Issued = { token: string } & RefreshResult;

/** A decision taken under the lock, with what acting on it needs from the row. */
type Locked =
  | { kind: "missing" }
  | { kind: "use"; accessTokenEnc: string; tokenVersion: number }
  | { kind: "refresh"; lease: Lease }
  | Exclude<Decision, { kind: "use" | "refresh" }>;

export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const oauth: OAuthClientConfig = { timeoutMs: DEFAULT_OAUTH_TIMEOUT_MS, ...options.oauth };
  const settings: RefreshSettings = {
    prisma: options.prisma,
    oauth,
    log: options.logger ?? createLogger({ name: "pleo-tokens" }),
    now: options.now ?? Date.now,
    leaseMs: options.leaseMs ?? Math.max(30_000, (oauth.timeoutMs ?? DEFAULT_OAUTH_TIMEOUT_MS) * 2),
    maxInlineAttempts: options.maxInlineAttempts ?? 3,
    maxInlineWaitMs: options.maxInlineWaitMs ?? 5_000,
    backoffBaseMs: options.backoffBaseMs ?? 5_000,
    backoffMaxMs: options.backoffMaxMs ?? 10 * 60_000,
    seal: options.sealToken ?? encryptToken,
    open: options.openToken ?? decryptToken,
    sleep: options.sleep ?? defaultSleep,
  };
  const { prisma, log, now, leaseMs, open, sleep } = settings;
  const policy = { skewMs: options.skewMs ?? 60_000, leaseMs };
  const pollMs = options.pollMs ?? 50;
  const openAccess = (companyId: string, sealed: string) => open(sealed, { companyId, field: "access_token" });

  /** One refresh per company per process: callers arriving while it runs share its promise. */
  const inflight = new Map<string, Promise<Issued>>();

  function singleFlight(companyId: string, run: () => Promise<Issued>): Promise<Issued> {
    let p = inflight.get(companyId);
    if (!p) {
      p = run().finally(() => inflight.delete(companyId));
      inflight.set(companyId, p);
    }
    return p;
  }

  /** Lock the row, re-read it and decide; a refresh commits the lease before the lock is released. */
  function decideLocked(companyId: string, intent: Intent): Promise<Locked> {
    return prisma.$transaction(
      async (tx): Promise<Locked> => {
        const row = await lockTokens(tx, companyId);
        if (!row) return { kind: "missing" };
        const t = now();
        const storedTokenRejected =
          intent.mode === "force" && intent.rejectedToken !== undefined
            ? (await openAccess(companyId, row.accessTokenEnc)) === intent.rejectedToken
            : undefined;
        const d = decideTokens({ row, intent, storedTokenRejected, now: t }, policy);
        if (d.kind === "use")
          return { kind: "use", accessTokenEnc: row.accessTokenEnc, tokenVersion: row.tokenVersion };
        if (d.kind !== "refresh") return d;
        const marker = new Date(t);
        await takeLease(tx, companyId, marker);
        const { refreshTokenEnc, tokenVersion, refreshFailures: failures } = row;
        return {
          kind: "refresh",
          lease: { refreshTokenEnc, tokenVersion, failures, marker, verifyFirst: d.verifyFirst },
        };
      },
      { maxWait: 15_000, timeout: 15_000 },
    );
  }

  async function refreshUnderLock(companyId: string, intent: Intent): Promise<Issued> {
    const waitUntil = now() + leaseMs + 5_000;
    let waited = false;
    for (;;) {
      const d = await decideLocked(companyId, intent);
      switch (d.kind) {
        case "missing":
          throw new ConnectionNotFoundError(companyId);
        case "reauth":
          throw new NeedsReauthError(companyId, "not_connected", d.detail ?? undefined);
        case "use":
          if (waited)
            log.info(
              { event: "pleo.token.reused", companyId, tokenVersion: d.tokenVersion },
              "used the token another instance refreshed",
            );
          return {
            token: await openAccess(companyId, d.accessTokenEnc),
            refreshed: false,
            tokenVersion: d.tokenVersion,
          };
        case "backoff":
          throw new PleoUnavailableError(
            `Pleo token refresh is backing off until ${d.until.toISOString()}`,
            503,
            "POST /oauth/token",
            d.until,
          );
        case "wait":
          // Another instance holds the lease; its result will be re-read, never refreshed again here.
          if (now() > waitUntil)
            throw new PleoUnavailableError(
              "another instance is still refreshing this connection",
              503,
              "POST /oauth/token",
            );
          waited = true;
          await sleep(pollMs);
          continue;
        case "refresh":
          return refreshWithLease(settings, companyId, d.lease);
      }
    }
  }

  /** The row outside any lock: the fast path, and the version a forced refresh starts from. */
  async function readConnected(companyId: string) {
    const row = await readTokens(prisma, companyId);
    if (!row) throw new ConnectionNotFoundError(companyId);
    if (row.status !== "CONNECTED")
      throw new NeedsReauthError(companyId, "not_connected", row.statusReason ?? undefined);
    return row;
  }

  const fresh = (expiresAt: Date) => isFresh(expiresAt, now(), policy);
  const refresh = (companyId: string, intent: Intent) =>
    singleFlight(companyId, () => refreshUnderLock(companyId, intent));

  return {
    async getAccessToken(companyId, opts = {}) {
      const row = await readConnected(companyId);
      if (!opts.forceRefresh) {
        if (fresh(row.accessTokenExpiresAt)) return openAccess(companyId, row.accessTokenEnc);
        return (await refresh(companyId, { mode: "expiry" })).token;
      }
      if (opts.rejectedToken !== undefined && fresh(row.accessTokenExpiresAt)) {
        // A 401 storm: callers refused an older token find the replacement without taking the lock.
        const stored = await openAccess(companyId, row.accessTokenEnc);
        if (stored !== opts.rejectedToken) return stored;
      }
      const intent: Intent = { mode: "force", seenVersion: row.tokenVersion, rejectedToken: opts.rejectedToken };
      const first = await refresh(companyId, intent);
      // Joined a refresh that handed back the very token that was just rejected: refresh once more.
      if (opts.rejectedToken !== undefined && first.token === opts.rejectedToken) {
        return (await refresh(companyId, { ...intent, seenVersion: first.tokenVersion })).token;
      }
      return first.token;
    },

    keepAliveIdleConnections(opts = {}) {
      return keepAliveIdleConnections(
        {
          prisma,
          log,
          now,
          refreshIfIdle: (companyId, idleBefore) => refresh(companyId, { mode: "keepalive", idleBefore }),
        },
        opts,
      );
    },
  };
}
