import "server-only";

import { decryptToken, encryptToken } from "@/lib/crypto";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { logger as processLogger, type Logger } from "@/lib/log";
import { bindEndpoints, endpoints } from "@/lib/pleo/endpoints";
import {
  isNeedsReauth,
  isPleoApiError,
  isPleoRateLimited,
  isPleoUnavailable,
  NeedsReauthError,
  PleoApiError,
  PleoUnavailableError,
} from "@/lib/pleo/errors";
import { createPleoHttp, type RetryPolicy, type TokenSource } from "@/lib/pleo/http";
import { limiterForCompany } from "@/lib/pleo/rate-budget";
import { introspectRefreshToken, refreshTokenGrant, type OAuthClientConfig } from "@/lib/pleo/oauth";
import {
  clearUninstallRefreshMarker,
  markUninstallRefreshStarted,
  readUninstallGrant,
  storeUninstallTokens,
  type OpenToken,
  type SealToken,
  type UninstallGrant,
} from "@/lib/pleo/token-store";

/**
 * The uninstall at Pleo for a company already disconnected in the portal: `DELETE /v1/installations/me`
 * (FOUND: 204, or 404 "Installation does not exist"; it "will revoke all access and refresh tokens for
 * the client"). The connection is gone by then, so the grant it needs waits, sealed, on the
 * Disconnection row (lib/pleo/token-store.ts) and this is the only code that uses it.
 *
 * The caller holds that row's claim (lib/connections/disconnections.ts), so exactly one attempt runs at
 * a time across every portal instance and a refresh here needs no lock of its own. Pleo's rotation rule
 * still applies (presenting a rotated refresh token revokes the grant): a refresh is marked on the row
 * before the token is presented and cleared when its result is stored; a marker left behind by an
 * attempt that died means the outcome is unknown, so the token is introspected first, as the token
 * manager does (lib/pleo/token-manager.ts).
 */

export type UninstallOutcome =
  /** Pleo removed the installation (or had none left): its tokens are revoked. */
  | { kind: "uninstalled" }
  /** Pleo no longer accepts the grant (revoked, uninstalled in Pleo, or a lost rotation): nothing left to do with it. */
  | { kind: "grant_ended"; detail: string }
  /** Pleo could not be reached, or answered 5xx / 429: try again later. */
  | { kind: "unavailable"; detail: string }
  /** An answer the portal did not expect (e.g. 400/403): tried again later, and given up after a while. */
  | { kind: "failed"; detail: string };

export type UninstallDeps = {
  prisma: PrismaClient;
  apiUrl: string;
  oauth: OAuthClientConfig;
  now: () => number;
  seal: SealToken;
  open: OpenToken;
  logger: Logger;
  fetch?: typeof fetch;
  /** Interactive disconnects should not wait minutes on a Pleo that hangs: two tries, 10 s each by default. */
  retry?: Partial<RetryPolicy>;
};

/** An access token this close to expiry is refreshed first. */
const SKEW_MS = 60_000;

const UNINSTALL_RETRY: Partial<RetryPolicy> = { maxAttempts: 2, timeoutMs: 10_000, maxRateLimitWaits: 1 };

/** The portal's wiring: process database, configuration, encryption and logger. */
export function defaultUninstallDeps(overrides: Partial<UninstallDeps> = {}): UninstallDeps {
  const e = env();
  return {
    prisma: db as unknown as PrismaClient,
    apiUrl: e.PLEO_API_URL,
    oauth: { authUrl: e.PLEO_AUTH_URL, clientId: e.PLEO_CLIENT_ID, clientSecret: e.PLEO_CLIENT_SECRET },
    now: Date.now,
    seal: encryptToken,
    open: decryptToken,
    logger: processLogger().child({ component: "pleo-uninstall" }),
    ...overrides,
  };
}

class GrantGoneError extends Error {
  constructor() {
    super("the disconnection's grant was already dropped");
    this.name = "GrantGoneError";
  }
}

function grantTokens(deps: UninstallDeps, disconnectionId: string, companyId: string): TokenSource {
  const { prisma, now, open, oauth, logger: log } = deps;

  async function read(): Promise<UninstallGrant> {
    const grant = await readUninstallGrant(prisma, disconnectionId);
    if (!grant) throw new GrantGoneError();
    return grant;
  }

  async function refresh(grant: UninstallGrant): Promise<string> {
    const refreshToken = await open(grant.refreshTokenEnc, { companyId, field: "refresh_token" });
    if (grant.refreshStartedAt) {
      const check = await introspectRefreshToken(oauth, refreshToken);
      log.info({ event: "pleo.uninstall.verify", companyId, outcome: check.kind }, "verified an interrupted refresh");
      if (check.kind === "inactive") {
        throw new NeedsReauthError(companyId, "refresh_interrupted", "an earlier refresh was interrupted");
      }
      if (check.kind === "unavailable") {
        throw new PleoUnavailableError(`Pleo unavailable while verifying the refresh token (${check.detail})`);
      }
    }
    const requestedAt = now();
    await markUninstallRefreshStarted(prisma, disconnectionId, new Date(requestedAt));
    const outcome = await refreshTokenGrant(oauth, refreshToken);
    log.info({ event: "pleo.uninstall.refresh", companyId, outcome: outcome.kind }, "refreshed for the uninstall");
    switch (outcome.kind) {
      case "ok":
        await storeUninstallTokens(prisma, { id: disconnectionId, companyId }, outcome.tokens, {
          requestedAt,
          seal: deps.seal,
        });
        return outcome.tokens.accessToken;
      case "invalid_grant":
        throw new NeedsReauthError(companyId, "invalid_grant", outcome.detail);
      case "rejected":
        await clearUninstallRefreshMarker(prisma, disconnectionId);
        throw new PleoApiError(outcome.status, outcome.error, `Pleo token endpoint: ${outcome.detail}`);
      case "unavailable":
        // Only an answer that may have been lost leaves the marker (the next attempt verifies first).
        if (outcome.processed === false) await clearUninstallRefreshMarker(prisma, disconnectionId);
        throw new PleoUnavailableError(`Pleo token endpoint: ${outcome.detail}`, outcome.status ?? 503);
    }
  }

  return {
    async get() {
      const grant = await read();
      if (!grant.refreshStartedAt && grant.accessTokenExpiresAt.getTime() - now() > SKEW_MS) {
        return open(grant.accessTokenEnc, { companyId, field: "access_token" });
      }
      return refresh(grant);
    },
    async forceRefresh() {
      return refresh(await read());
    },
  };
}

/** One uninstall attempt with the Disconnection's grant; the caller holds its claim. Never throws for Pleo's answers. */
export async function uninstallWithStoredGrant(
  deps: UninstallDeps,
  disconnection: { id: string; companyId: string },
): Promise<UninstallOutcome> {
  const { id, companyId } = disconnection;
  const http = createPleoHttp({
    apiUrl: deps.apiUrl,
    companyId,
    tokens: grantTokens(deps, id, companyId),
    limiter: limiterForCompany(companyId, env().PLEO_RATE_LIMIT_PER_MINUTE),
    logger: deps.logger,
    fetch: deps.fetch,
    retry: { ...UNINSTALL_RETRY, ...deps.retry },
  });
  const api = bindEndpoints(http, { companyId }, { deleteInstallation: endpoints.deleteInstallation });
  try {
    await api.deleteInstallation();
    deps.logger.info({ event: "pleo.uninstall", companyId, outcome: "uninstalled" }, "uninstalled at Pleo");
    return { kind: "uninstalled" };
  } catch (err) {
    const outcome = classify(err);
    if (!outcome) throw err;
    deps.logger.warn({ event: "pleo.uninstall", companyId, outcome: outcome.kind, err }, "uninstall at Pleo not done");
    return outcome;
  }
}

function classify(err: unknown): UninstallOutcome | null {
  if (err instanceof GrantGoneError)
    return { kind: "grant_ended", detail: "the stored authorisation was already gone" };
  if (isNeedsReauth(err)) {
    return { kind: "grant_ended", detail: "Pleo no longer accepts the portal's authorisation for this company" };
  }
  if (isPleoRateLimited(err) || isPleoUnavailable(err)) {
    return { kind: "unavailable", detail: "Pleo could not be reached" };
  }
  if (isPleoApiError(err)) {
    // 401 even after a refresh: Pleo refuses the grant's tokens.
    if (err.status === 401) return { kind: "grant_ended", detail: "Pleo refused the portal's authorisation" };
    return { kind: "failed", detail: `Pleo answered HTTP ${err.status}` };
  }
  return null;
}
