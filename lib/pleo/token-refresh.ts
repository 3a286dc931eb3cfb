import "server-only";

import { WAIT_FOR_TURN } from "@/lib/db/transactions";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { Logger } from "@/lib/log";
import { PLEO, recordEvent, SCHEDULER } from "@/lib/pleo/activity";
import { NeedsReauthError, PleoApiError, PleoUnavailableError } from "@/lib/pleo/errors";
import { runGrantEndedWrites } from "@/lib/pleo/grant-ended";
import { introspectRefreshToken, refreshTokenGrant, type OAuthClientConfig } from "@/lib/pleo/oauth";
import {
  markNeedsReauth,
  recordRefreshFailure,
  renewLease,
  storeRefreshedTokens,
  type OpenToken,
  type SealToken,
} from "@/lib/pleo/token-store";
import { backoffMs, jittered } from "@/lib/util/async";

/**
 * One refresh, once the lease is taken: verify an interrupted refresh's token first (introspection),
 * then present it to the token endpoint, retrying inline only what certainly rotated nothing, and
 * record the outcome through lib/pleo/token-store.ts (new tokens, backoff, or NEEDS_REAUTH), and in the
 * connection's activity log (lib/pleo/activity.ts). Why each step is safe: the comment at the top of
 * lib/pleo/token-manager.ts.
 */

/** Why a refresh ends a grant ("not_connected" is the token manager's, before any refresh). */
type GrantEndedReason = Exclude<NeedsReauthError["reason"], "not_connected">;

/** Plain words for the activity log, per reason the grant ended. */
const REAUTH_DETAIL: Record<GrantEndedReason, string> = {
  invalid_grant:
    "Pleo no longer accepts this connection's authorisation: the app was removed in Pleo or its access was revoked.",
  refresh_interrupted: "A token refresh was interrupted and Pleo no longer accepts the stored token.",
};

export type RefreshSettings = {
  prisma: PrismaClient;
  oauth: OAuthClientConfig;
  log: Logger;
  now: () => number;
  leaseMs: number;
  maxInlineAttempts: number;
  maxInlineWaitMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  seal: SealToken;
  open: OpenToken;
  sleep: (ms: number) => Promise<void>;
};

/** What the decision under the lock handed over: the lease it took and the row it read. */
export type Lease = {
  refreshTokenEnc: string;
  tokenVersion: number;
  failures: number;
  marker: Date;
  verifyFirst: boolean;
};

export type RefreshResult = { refreshed: boolean; tokenVersion: number };

const TOKEN_ENDPOINT = "POST /oauth/token";

export async function refreshWithLease(
  s: RefreshSettings,
  companyId: string,
  lease: Lease,
): Promise<{ token: string } & RefreshResult> {
  let marker = lease.marker;
  const refreshToken = await s.open(lease.refreshTokenEnc, { companyId, field: "refresh_token" });

  async function needsReauth(reason: GrantEndedReason, detail: string): Promise<never> {
    const at = new Date(s.now());
    // One transaction: the status, and what must change with it (the company leaves every portal
    // session: lib/pleo/grant-ended.ts), happen together or not at all.
    const marked = await s.prisma.$transaction(async (tx) => {
      if (!(await markNeedsReauth(tx, companyId, lease.tokenVersion, `${reason}: ${detail}`, at))) return false;
      await runGrantEndedWrites(tx, companyId);
      return true;
    }, WAIT_FOR_TURN);
    if (marked) {
      await recordEvent(s.prisma, {
        companyId,
        type: "needs_reconnect",
        actor: PLEO,
        detail: REAUTH_DETAIL[reason],
        at,
      });
    }
    s.log.warn(
      { event: "pleo.token.needs_reauth", companyId, reason, detail },
      "Pleo connection needs to be reconnected",
    );
    throw new NeedsReauthError(companyId, reason, detail);
  }

  /** Count the failure and back off (persisted). `outcomeUnknown`: see recordRefreshFailure. */
  async function backOff(retryAfterMs: number | null, outcomeUnknown: boolean): Promise<Date> {
    const t = s.now();
    const failures = lease.failures + 1;
    const until = new Date(t + Math.max(retryAfterMs ?? 0, backoffMs(failures, s.backoffBaseMs, s.backoffMaxMs)));
    const leaveMarkerAt = outcomeUnknown ? new Date(t - s.leaseMs - 1) : null;
    await recordRefreshFailure(s.prisma, companyId, marker, { failures, until, leaveMarkerAt });
    await recordEvent(s.prisma, {
      companyId,
      type: "refresh_failed",
      actor: SCHEDULER,
      detail: `Pleo did not renew the access token (attempt ${failures} in a row); the portal tries again later.`,
      at: new Date(t),
    });
    return until;
  }

  if (lease.verifyFirst) {
    const started = s.now();
    const check = await introspectRefreshToken(s.oauth, refreshToken);
    s.log.info(
      { event: "pleo.token.verify", companyId, outcome: check.kind, durationMs: s.now() - started },
      "verified refresh token after an interrupted refresh",
    );
    if (check.kind === "inactive") {
      return needsReauth(
        "refresh_interrupted",
        "an earlier refresh was interrupted and the stored refresh token is no longer active",
      );
    }
    if (check.kind === "unavailable") {
      const until = await backOff(check.retryAfterMs, true);
      throw new PleoUnavailableError(
        `Pleo unavailable while verifying the refresh token (${check.detail})`,
        check.status ?? 503,
        "POST /oauth/token/introspect",
        until,
      );
    }
  }

  for (let attempt = 1; ; attempt++) {
    const requestedAt = s.now();
    const outcome = await refreshTokenGrant(s.oauth, refreshToken);
    const logFields = {
      event: "pleo.token.refresh",
      companyId,
      endpoint: TOKEN_ENDPOINT,
      outcome: outcome.kind,
      status: outcome.status,
      durationMs: s.now() - requestedAt,
      attempt,
    };

    if (outcome.kind === "ok") {
      const stored = await storeRefreshedTokens(s.prisma, companyId, lease.tokenVersion, outcome.tokens, {
        requestedAt,
        now: new Date(s.now()),
        seal: s.seal,
        sleep: s.sleep,
      });
      if (!stored) {
        s.log.warn(
          { event: "pleo.token.discarded", companyId },
          "connection changed during refresh (reconnected?); keeping the newer tokens",
        );
      }
      const tokenVersion = lease.tokenVersion + 1;
      s.log.info({ ...logFields, tokenVersion }, "refreshed Pleo access token");
      if (stored) {
        await recordEvent(s.prisma, {
          companyId,
          type: "token_refreshed",
          actor: SCHEDULER,
          detail: "Pleo issued a new access token and rotated the refresh token.",
          at: new Date(s.now()),
        });
      }
      return { token: outcome.tokens.accessToken, refreshed: true, tokenVersion };
    }
    if (outcome.kind === "invalid_grant") {
      s.log.warn(logFields, "Pleo rejected the refresh token");
      return needsReauth("invalid_grant", outcome.detail);
    }
    if (outcome.kind === "rejected") {
      // e.g. invalid_client: our configuration, not the grant. Nothing was rotated; do not retry now.
      s.log.error({ ...logFields, error: outcome.error }, "Pleo refused the refresh request");
      await backOff(null, false);
      throw new PleoApiError(
        outcome.status,
        outcome.error,
        `Pleo token endpoint: ${outcome.detail}`,
        false,
        TOKEN_ENDPOINT,
      );
    }
    s.log.warn(
      { ...logFields, processed: outcome.processed, detail: outcome.detail },
      "Pleo token endpoint unavailable",
    );
    const unavailable = (until: Date) =>
      new PleoUnavailableError(`Pleo token endpoint: ${outcome.detail}`, outcome.status ?? 503, TOKEN_ENDPOINT, until);
    if (outcome.processed === "unknown") {
      // The token may have been rotated: never present it again without verifying (next attempt).
      throw unavailable(await backOff(outcome.retryAfterMs, true));
    }
    const waitMs = outcome.retryAfterMs ?? jittered(200 * 2 ** (attempt - 1));
    if (attempt < s.maxInlineAttempts && waitMs <= s.maxInlineWaitMs) {
      await s.sleep(waitMs);
      // Still holding the lease? Renew it before another attempt (the lease must cover the call).
      const next = new Date(s.now());
      if (await renewLease(s.prisma, companyId, marker, next)) {
        marker = next;
        continue;
      }
    }
    throw unavailable(await backOff(outcome.retryAfterMs, false));
  }
}
