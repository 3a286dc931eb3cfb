import "server-only";

import { decryptToken, encryptToken } from "@/lib/crypto";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { createLogger, type Logger } from "@/lib/log";
import { ConnectionNotFoundError, NeedsReauthError, PleoApiError, PleoUnavailableError } from "@/lib/pleo/errors";
import {
  DEFAULT_OAUTH_TIMEOUT_MS,
  introspectRefreshToken,
  refreshTokenGrant,
  type IssuedTokens,
  type OAuthClientConfig,
} from "@/lib/pleo/oauth";
import { backoffMs, jittered, sleep as defaultSleep } from "@/lib/util/async";

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
  sealToken?: (plain: string) => Promise<string>;
  openToken?: (sealed: string) => Promise<string>;
  sleep?: (ms: number) => Promise<void>;
};

export type RefreshResult = { refreshed: boolean; tokenVersion: number };

export type KeepAliveReport = {
  checked: number;
  refreshed: string[];
  skipped: string[];
  needsReauth: string[];
  failed: Array<{ companyId: string; error: string }>;
};

export type TokenManager = {
  /** A valid access token for the company, refreshing first if it expires within the skew. */
  getAccessToken(companyId: string, opts?: { forceRefresh?: boolean; rejectedToken?: string }): Promise<string>;
  /** Refresh now (unless another caller refreshed since this call started). */
  refreshConnection(companyId: string): Promise<RefreshResult>;
  /** Refresh connections whose refresh token is older than `olderThanDays`, so it never lapses idle. */
  keepAliveIdleConnections(opts?: { olderThanDays?: number }): Promise<KeepAliveReport>;
};

/** Pleo: refresh tokens live "at least 60 days" (FOUND); used when the response carries no lifetime. */
export const REFRESH_TOKEN_MIN_LIFETIME_MS = 60 * 24 * 3600 * 1000;

type Intent =
  | { mode: "expiry" }
  | { mode: "force"; seenVersion: number; rejectedToken?: string }
  | { mode: "keepalive"; idleBefore: Date };

type LockedRow = {
  status: string;
  statusReason: string | null;
  accessTokenEnc: string;
  refreshTokenEnc: string;
  accessTokenExpiresAt: Date;
  refreshTokenIssuedAt: Date;
  refreshStartedAt: Date | null;
  refreshFailures: number;
  nextRefreshAttemptAt: Date | null;
  tokenVersion: number;
};

type Decision =
  | { kind: "use"; accessTokenEnc: string; tokenVersion: number; refreshed: false }
  | { kind: "reauth"; detail: string | null }
  | { kind: "missing" }
  | { kind: "wait" }
  | { kind: "backoff"; until: Date }
  | {
      kind: "refresh";
      refreshTokenEnc: string;
      tokenVersion: number;
      failures: number;
      marker: Date;
      suspect: boolean;
    };

const ROW_SELECT = {
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

export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const prisma = options.prisma;
  const log = options.logger ?? createLogger({ name: "pleo-tokens" });
  const now = options.now ?? Date.now;
  const skewMs = options.skewMs ?? 60_000;
  const oauth: OAuthClientConfig = { timeoutMs: DEFAULT_OAUTH_TIMEOUT_MS, ...options.oauth };
  const leaseMs = options.leaseMs ?? Math.max(30_000, (oauth.timeoutMs ?? DEFAULT_OAUTH_TIMEOUT_MS) * 2);
  const pollMs = options.pollMs ?? 50;
  const maxInlineAttempts = options.maxInlineAttempts ?? 3;
  const maxInlineWaitMs = options.maxInlineWaitMs ?? 5_000;
  const backoffBaseMs = options.backoffBaseMs ?? 5_000;
  const backoffMaxMs = options.backoffMaxMs ?? 10 * 60_000;
  const seal = options.sealToken ?? encryptToken;
  const open = options.openToken ?? decryptToken;
  const sleep = options.sleep ?? defaultSleep;

  /** One refresh per company per process: callers arriving while it runs share its promise. */
  const inflight = new Map<string, Promise<{ token: string } & RefreshResult>>();

  const isFresh = (expiresAt: Date) => expiresAt.getTime() - now() > skewMs;
  const notExpired = (expiresAt: Date) => expiresAt.getTime() > now();

  function persistedBackoffMs(failures: number, retryAfterMs: number | null): number {
    return Math.max(retryAfterMs ?? 0, backoffMs(failures, backoffBaseMs, backoffMaxMs));
  }

  /** Lock the row, re-read it and decide; a "refresh" decision commits the lease before returning. */
  async function decide(companyId: string, intent: Intent): Promise<Decision> {
    return prisma.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT "id" FROM "PleoConnection" WHERE "companyId" = ${companyId}::uuid FOR UPDATE`;
        const row: LockedRow | null = await tx.pleoConnection.findUnique({ where: { companyId }, select: ROW_SELECT });
        if (!row) return { kind: "missing" };
        if (row.status !== "CONNECTED") return { kind: "reauth", detail: row.statusReason };
        const use = {
          kind: "use",
          accessTokenEnc: row.accessTokenEnc,
          tokenVersion: row.tokenVersion,
          refreshed: false,
        } as const;

        if (intent.mode === "expiry" && isFresh(row.accessTokenExpiresAt)) return use;
        // Someone stored new tokens after the one that failed: use theirs instead of rotating again.
        if (intent.mode === "force" && notExpired(row.accessTokenExpiresAt)) {
          const replaced =
            intent.rejectedToken !== undefined
              ? (await open(row.accessTokenEnc)) !== intent.rejectedToken
              : row.tokenVersion !== intent.seenVersion;
          if (replaced) return use;
        }
        if (intent.mode === "keepalive" && row.refreshTokenIssuedAt >= intent.idleBefore) return use;

        const t = now();
        if (row.refreshStartedAt && t - row.refreshStartedAt.getTime() < leaseMs) return { kind: "wait" };
        if (row.nextRefreshAttemptAt && row.nextRefreshAttemptAt.getTime() > t) {
          // Backing off after a failure: a still-valid access token is better than none.
          const rejected = intent.mode === "force" && intent.rejectedToken !== undefined;
          if (!rejected && intent.mode !== "keepalive" && notExpired(row.accessTokenExpiresAt)) return use;
          return { kind: "backoff", until: row.nextRefreshAttemptAt };
        }
        const marker = new Date(t);
        await tx.pleoConnection.update({ where: { companyId }, data: { refreshStartedAt: marker } });
        return {
          kind: "refresh",
          refreshTokenEnc: row.refreshTokenEnc,
          tokenVersion: row.tokenVersion,
          failures: row.refreshFailures,
          marker,
          // A stale marker: an earlier refresh's outcome is unknown (see the file comment).
          suspect: row.refreshStartedAt !== null,
        };
      },
      { maxWait: 15_000, timeout: 15_000 },
    );
  }

  /** Still holding the lease? Renew it before another inline attempt (the lease must cover the call). */
  async function renewLease(companyId: string, marker: Date): Promise<Date | null> {
    const next = new Date(now());
    const r = await prisma.pleoConnection.updateMany({
      where: { companyId, refreshStartedAt: marker },
      data: { refreshStartedAt: next },
    });
    return r.count === 1 ? next : null;
  }

  async function markNeedsReauth(
    companyId: string,
    tokenVersion: number,
    reason: NeedsReauthError["reason"],
    detail: string,
  ): Promise<never> {
    // Conditional on tokenVersion: a reconnect that stored fresh tokens meanwhile is not clobbered.
    await prisma.pleoConnection.updateMany({
      where: { companyId, tokenVersion },
      data: {
        status: "NEEDS_REAUTH",
        statusReason: `${reason}: ${detail}`.slice(0, 500),
        statusChangedAt: new Date(now()),
        refreshStartedAt: null,
        nextRefreshAttemptAt: null,
      },
    });
    log.warn(
      { event: "pleo.token.needs_reauth", companyId, reason, detail },
      "Pleo connection needs to be reconnected",
    );
    throw new NeedsReauthError(companyId, reason, detail);
  }

  /**
   * Record a failed refresh and back off. `outcomeUnknown`: the request may have rotated the token,
   * so the lease marker is left behind, aged past the lease, which makes the next attempt verify first.
   */
  async function recordFailure(
    companyId: string,
    marker: Date,
    failures: number,
    retryAfterMs: number | null,
    outcomeUnknown: boolean,
  ): Promise<Date> {
    const t = now();
    const until = new Date(t + persistedBackoffMs(failures + 1, retryAfterMs));
    await prisma.pleoConnection.updateMany({
      where: { companyId, refreshStartedAt: marker },
      data: {
        refreshFailures: failures + 1,
        nextRefreshAttemptAt: until,
        refreshStartedAt: outcomeUnknown ? new Date(t - leaseMs - 1) : null,
      },
    });
    return until;
  }

  async function storeTokens(
    companyId: string,
    fromVersion: number,
    tokens: IssuedTokens,
    requestedAt: number,
  ): Promise<number> {
    const [accessTokenEnc, refreshTokenEnc] = await Promise.all([seal(tokens.accessToken), seal(tokens.refreshToken)]);
    const data = {
      accessTokenEnc,
      refreshTokenEnc,
      // From the request time, so network time only makes us refresh earlier, never later.
      accessTokenExpiresAt: new Date(requestedAt + tokens.expiresIn * 1000),
      refreshTokenIssuedAt: new Date(requestedAt),
      refreshTokenExpiresAt: new Date(
        requestedAt + (tokens.refreshExpiresIn ? tokens.refreshExpiresIn * 1000 : REFRESH_TOKEN_MIN_LIFETIME_MS),
      ),
      lastRefreshedAt: new Date(now()),
      refreshStartedAt: null,
      refreshFailures: 0,
      nextRefreshAttemptAt: null,
      tokenVersion: fromVersion + 1,
      ...(tokens.scope ? { scopes: tokens.scope.split(/\s+/).filter(Boolean) } : {}),
    };
    let lastError: unknown;
    // The new refresh token exists nowhere else: try hard to keep it.
    for (let i = 0; i < 3; i++) {
      try {
        // One statement = one transaction: access, refresh, expiry and version change together or not at all.
        const r = await prisma.pleoConnection.updateMany({ where: { companyId, tokenVersion: fromVersion }, data });
        if (r.count === 0) {
          log.warn(
            { event: "pleo.token.discarded", companyId },
            "connection changed during refresh (reconnected?); keeping the newer tokens",
          );
        }
        return fromVersion + 1;
      } catch (err) {
        lastError = err;
        await sleep(100 * (i + 1));
      }
    }
    throw lastError;
  }

  async function performRefresh(
    companyId: string,
    d: Extract<Decision, { kind: "refresh" }>,
  ): Promise<{ token: string } & RefreshResult> {
    let marker = d.marker;
    const refreshToken = await open(d.refreshTokenEnc);

    if (d.suspect) {
      const started = now();
      const check = await introspectRefreshToken(oauth, refreshToken);
      log.info(
        { event: "pleo.token.verify", companyId, outcome: check.kind, durationMs: now() - started },
        "verified refresh token after an interrupted refresh",
      );
      if (check.kind === "inactive") {
        return markNeedsReauth(
          companyId,
          d.tokenVersion,
          "refresh_interrupted",
          "an earlier refresh was interrupted and the stored refresh token is no longer active",
        );
      }
      if (check.kind === "unavailable") {
        const until = await recordFailure(companyId, marker, d.failures, check.retryAfterMs, true);
        throw new PleoUnavailableError(
          `Pleo unavailable while verifying the refresh token (${check.detail})`,
          check.status ?? 503,
          "POST /oauth/token/introspect",
          until,
        );
      }
    }

    for (let attempt = 1; ; attempt++) {
      const requestedAt = now();
      const outcome = await refreshTokenGrant(oauth, refreshToken);
      const durationMs = now() - requestedAt;
      const status = "status" in outcome ? outcome.status : null;
      const logFields = {
        event: "pleo.token.refresh",
        companyId,
        endpoint: "POST /oauth/token",
        outcome: outcome.kind,
        status,
        durationMs,
        attempt,
      };

      if (outcome.kind === "ok") {
        const tokenVersion = await storeTokens(companyId, d.tokenVersion, outcome.tokens, requestedAt);
        log.info({ ...logFields, tokenVersion }, "refreshed Pleo access token");
        return { token: outcome.tokens.accessToken, refreshed: true, tokenVersion };
      }
      if (outcome.kind === "invalid_grant") {
        log.warn(logFields, "Pleo rejected the refresh token");
        return markNeedsReauth(companyId, d.tokenVersion, "invalid_grant", outcome.detail);
      }
      if (outcome.kind === "rejected") {
        // e.g. invalid_client: our configuration, not the grant. Nothing was rotated; do not retry now.
        log.error({ ...logFields, error: outcome.error }, "Pleo refused the refresh request");
        await recordFailure(companyId, marker, d.failures, null, false);
        throw new PleoApiError(
          outcome.status,
          outcome.error,
          `Pleo token endpoint: ${outcome.detail}`,
          false,
          "POST /oauth/token",
        );
      }
      log.warn(
        { ...logFields, processed: outcome.processed, detail: outcome.detail },
        "Pleo token endpoint unavailable",
      );
      if (outcome.processed === "unknown") {
        // The token may have been rotated: never present it again without verifying (next attempt).
        const until = await recordFailure(companyId, marker, d.failures, outcome.retryAfterMs, true);
        throw new PleoUnavailableError(
          `Pleo token endpoint: ${outcome.detail}`,
          outcome.status ?? 503,
          "POST /oauth/token",
          until,
        );
      }
      const waitMs = outcome.retryAfterMs ?? jittered(200 * 2 ** (attempt - 1));
      if (attempt < maxInlineAttempts && waitMs <= maxInlineWaitMs) {
        await sleep(waitMs);
        const renewed = await renewLease(companyId, marker);
        if (renewed) {
          marker = renewed;
          continue;
        }
      }
      const until = await recordFailure(companyId, marker, d.failures, outcome.retryAfterMs, false);
      throw new PleoUnavailableError(
        `Pleo token endpoint: ${outcome.detail}`,
        outcome.status ?? 503,
        "POST /oauth/token",
        until,
      );
    }
  }

  async function refreshUnderLock(companyId: string, intent: Intent): Promise<{ token: string } & RefreshResult> {
    const waitUntil = now() + leaseMs + 5_000;
    let waited = false;
    for (;;) {
      const d = await decide(companyId, intent);
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
          return { token: await open(d.accessTokenEnc), refreshed: false, tokenVersion: d.tokenVersion };
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
          return performRefresh(companyId, d);
      }
    }
  }

  function singleFlight(companyId: string, run: () => Promise<{ token: string } & RefreshResult>) {
    let p = inflight.get(companyId);
    if (!p) {
      p = run().finally(() => inflight.delete(companyId));
      inflight.set(companyId, p);
    }
    return p;
  }

  async function readRow(companyId: string) {
    const row = await prisma.pleoConnection.findUnique({ where: { companyId }, select: ROW_SELECT });
    if (!row) throw new ConnectionNotFoundError(companyId);
    if (row.status !== "CONNECTED")
      throw new NeedsReauthError(companyId, "not_connected", row.statusReason ?? undefined);
    return row;
  }

  return {
    async getAccessToken(companyId, opts = {}) {
      const row = await readRow(companyId);
      if (!opts.forceRefresh) {
        if (isFresh(row.accessTokenExpiresAt)) return open(row.accessTokenEnc);
        return (await singleFlight(companyId, () => refreshUnderLock(companyId, { mode: "expiry" }))).token;
      }
      if (opts.rejectedToken !== undefined && isFresh(row.accessTokenExpiresAt)) {
        // A 401 storm: callers refused an older token find the replacement without taking the lock.
        const stored = await open(row.accessTokenEnc);
        if (stored !== opts.rejectedToken) return stored;
      }
      const intent: Intent = { mode: "force", seenVersion: row.tokenVersion, rejectedToken: opts.rejectedToken };
      const first = await singleFlight(companyId, () => refreshUnderLock(companyId, intent));
      // Joined a refresh that handed back the very token that was just rejected: refresh once more.
      if (opts.rejectedToken !== undefined && first.token === opts.rejectedToken) {
        return (
          await singleFlight(companyId, () =>
            refreshUnderLock(companyId, { ...intent, seenVersion: first.tokenVersion }),
          )
        ).token;
      }
      return first.token;
    },

    async refreshConnection(companyId) {
      const row = await readRow(companyId);
      const r = await singleFlight(companyId, () =>
        refreshUnderLock(companyId, { mode: "force", seenVersion: row.tokenVersion }),
      );
      return { refreshed: r.refreshed, tokenVersion: r.tokenVersion };
    },

    async keepAliveIdleConnections(opts = {}) {
      const days = opts.olderThanDays ?? 7;
      const idleBefore = new Date(now() - days * 24 * 3600 * 1000);
      const due = await prisma.pleoConnection.findMany({
        where: {
          status: "CONNECTED",
          refreshTokenIssuedAt: { lt: idleBefore },
          OR: [{ nextRefreshAttemptAt: null }, { nextRefreshAttemptAt: { lte: new Date(now()) } }],
        },
        select: { companyId: true },
        orderBy: { refreshTokenIssuedAt: "asc" },
      });
      const report: KeepAliveReport = { checked: due.length, refreshed: [], skipped: [], needsReauth: [], failed: [] };
      // One at a time: keep-alive is background work and must not burst the token endpoint.
      for (const { companyId } of due) {
        try {
          const r = await singleFlight(companyId, () => refreshUnderLock(companyId, { mode: "keepalive", idleBefore }));
          (r.refreshed ? report.refreshed : report.skipped).push(companyId);
        } catch (err) {
          if (err instanceof NeedsReauthError) report.needsReauth.push(companyId);
          else report.failed.push({ companyId, error: (err as Error).message });
        }
      }
      log.info(
        {
          event: "pleo.token.keepalive",
          olderThanDays: days,
          checked: report.checked,
          refreshed: report.refreshed.length,
          needsReauth: report.needsReauth.length,
          failed: report.failed.length,
        },
        "token keep-alive done",
      );
      return report;
    },
  };
}
