/**
 * What to do with a connection's tokens, decided from the row as re-read under its lock, the caller's
 * intent and the clock. Pure: no database, no network, no decryption (the caller says whether the
 * stored access token is the one Pleo just refused). The rules are explained at the top of
 * lib/pleo/token-manager.ts.
 */

export type Intent =
  /** A token for a request: refresh only if the stored one expires within the skew. */
  | { mode: "expiry" }
  /** Pleo refused a token (401): refresh unless someone replaced it since (`seenVersion`, `rejectedToken`). */
  | { mode: "force"; seenVersion: number; rejectedToken?: string }
  /** Keep an idle grant alive: refresh if its refresh token was issued before `idleBefore`. */
  | { mode: "keepalive"; idleBefore: Date };

/** The token columns a decision reads (never the refresh token itself). */
export type TokenRow = {
  status: string;
  statusReason: string | null;
  accessTokenExpiresAt: Date;
  refreshTokenIssuedAt: Date;
  refreshStartedAt: Date | null;
  refreshFailures: number;
  nextRefreshAttemptAt: Date | null;
  tokenVersion: number;
};

export type Decision =
  /** Hand out the stored access token. */
  | { kind: "use" }
  /** Not connected (any more): the customer must reconnect. */
  | { kind: "reauth"; detail: string | null }
  /** Another caller holds the lease: re-read later, never refresh alongside it. */
  | { kind: "wait" }
  /** A failed refresh backs off until then, and no stored token is usable. */
  | { kind: "backoff"; until: Date }
  /**
   * Take the lease and refresh. `verifyFirst`: a lease outlived its term, so an earlier refresh's outcome
   * is unknown and the refresh token is introspected before it is presented again.
   */
  | { kind: "refresh"; verifyFirst: boolean };

export type DecisionPolicy = {
  /** Refresh when the access token expires within this many ms. */
  skewMs: number;
  /** How long a refresh decision holds the connection. */
  leaseMs: number;
};

export type DecisionInput = {
  row: TokenRow;
  intent: Intent;
  /** Force with a rejectedToken only: is the stored access token the very one Pleo refused? */
  storedTokenRejected?: boolean;
  now: number;
};

/** The stored access token outlives the skew: hand it out without refreshing. */
export function isFresh(accessTokenExpiresAt: Date, now: number, policy: Pick<DecisionPolicy, "skewMs">): boolean {
  return accessTokenExpiresAt.getTime() - now > policy.skewMs;
}

export function decideTokens(input: DecisionInput, policy: DecisionPolicy): Decision {
  const { row, intent, now } = input;
  if (row.status !== "CONNECTED") return { kind: "reauth", detail: row.statusReason };
  const notExpired = row.accessTokenExpiresAt.getTime() > now;

  if (intent.mode === "expiry" && isFresh(row.accessTokenExpiresAt, now, policy)) return { kind: "use" };
  // Someone stored new tokens after the one that failed: use theirs instead of rotating again.
  if (intent.mode === "force" && notExpired) {
    const replaced =
      intent.rejectedToken !== undefined ? !input.storedTokenRejected : row.tokenVersion !== intent.seenVersion;
    if (replaced) return { kind: "use" };
  }
  if (intent.mode === "keepalive" && row.refreshTokenIssuedAt >= intent.idleBefore) return { kind: "use" };

  if (row.refreshStartedAt && now - row.refreshStartedAt.getTime() < policy.leaseMs) return { kind: "wait" };
  if (row.nextRefreshAttemptAt && row.nextRefreshAttemptAt.getTime() > now) {
    // Backing off after a failure: a still-valid access token is better than none.
    const rejected = intent.mode === "force" && intent.rejectedToken !== undefined;
    if (!rejected && intent.mode !== "keepalive" && notExpired) return { kind: "use" };
    return { kind: "backoff", until: row.nextRefreshAttemptAt };
  }
  // A marker older than the lease: an earlier refresh's outcome is unknown.
  return { kind: "refresh", verifyFirst: row.refreshStartedAt !== null };
}
