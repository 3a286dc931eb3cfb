import { describe, expect, it } from "vitest";
import { decideTokens, type Intent, type TokenRow } from "@/lib/pleo/token-decision";

/**
 * The token decision on its own: what the manager does with a row it locked and re-read, for each
 * intent, at a given time. No database, no sandbox: the lifecycle tests (tokens.test.ts,
 * multiprocess.test.ts) prove the same rules end to end.
 */

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const policy = { skewMs: 60_000, leaseMs: 30_000 };
const at = (offsetMs: number) => new Date(NOW + offsetMs);

function row(overrides: Partial<TokenRow> = {}): TokenRow {
  return {
    status: "CONNECTED",
    statusReason: null,
    accessTokenExpiresAt: at(10 * 60_000), // fresh: 10 minutes left
    refreshTokenIssuedAt: at(-3600_000),
    refreshStartedAt: null,
    refreshFailures: 0,
    nextRefreshAttemptAt: null,
    tokenVersion: 4,
    ...overrides,
  };
}

const decide = (r: TokenRow, intent: Intent, storedTokenRejected?: boolean) =>
  decideTokens({ row: r, intent, storedTokenRejected, now: NOW }, policy);

const expiry: Intent = { mode: "expiry" };
const refresh = { kind: "refresh", verifyFirst: false };

describe("decideTokens", () => {
  it("uses a token that expires later than the skew, refreshes one that expires within it", () => {
    expect(decide(row(), expiry)).toEqual({ kind: "use" });
    expect(decide(row({ accessTokenExpiresAt: at(60_001) }), expiry)).toEqual({ kind: "use" });
    expect(decide(row({ accessTokenExpiresAt: at(60_000) }), expiry)).toEqual(refresh);
    expect(decide(row({ accessTokenExpiresAt: at(-1) }), expiry)).toEqual(refresh);
  });

  it("a connection that is not CONNECTED needs a reconnect, whatever the intent", () => {
    const marked = row({ status: "NEEDS_REAUTH", statusReason: "invalid_grant: revoked" });
    for (const intent of [expiry, { mode: "force", seenVersion: 4 } as const]) {
      expect(decide(marked, intent)).toEqual({ kind: "reauth", detail: "invalid_grant: revoked" });
    }
    expect(decide(row({ status: "DISCONNECTED" }), expiry)).toEqual({ kind: "reauth", detail: null });
  });

  it("force after a 401: uses a replacement someone stored meanwhile, refreshes the refused token", () => {
    const force: Intent = { mode: "force", seenVersion: 4, rejectedToken: "refused" };
    expect(decide(row(), force, false)).toEqual({ kind: "use" }); // the stored token is another one
    expect(decide(row(), force, true)).toEqual(refresh); // the stored token is the refused one
    // An expired replacement is no replacement.
    expect(decide(row({ accessTokenExpiresAt: at(-1) }), force, false)).toEqual(refresh);
    // Nor is one that expires this very millisecond.
    expect(decide(row({ accessTokenExpiresAt: at(0) }), force, false)).toEqual(refresh);
    expect(decide(row({ accessTokenExpiresAt: at(1) }), force, false)).toEqual({ kind: "use" });
  });

  it("force without the refused token compares versions", () => {
    expect(decide(row({ tokenVersion: 5 }), { mode: "force", seenVersion: 4 })).toEqual({ kind: "use" });
    expect(decide(row(), { mode: "force", seenVersion: 4 })).toEqual(refresh);
  });

  it("keep-alive refreshes only a refresh token issued before the idle limit", () => {
    const idleBefore = at(-7 * 24 * 3600_000);
    const keepalive: Intent = { mode: "keepalive", idleBefore };
    expect(decide(row({ refreshTokenIssuedAt: at(-24 * 3600_000) }), keepalive)).toEqual({ kind: "use" });
    expect(decide(row({ refreshTokenIssuedAt: idleBefore }), keepalive)).toEqual({ kind: "use" });
    expect(decide(row({ refreshTokenIssuedAt: at(-8 * 24 * 3600_000) }), keepalive)).toEqual(refresh);
  });

  it("waits while another caller holds the lease; an expired lease means verify first", () => {
    const expired = { accessTokenExpiresAt: at(-1) };
    expect(decide(row({ ...expired, refreshStartedAt: at(-29_999) }), expiry)).toEqual({ kind: "wait" });
    expect(decide(row({ ...expired, refreshStartedAt: at(-30_000) }), expiry)).toEqual({
      kind: "refresh",
      verifyFirst: true,
    });
    // A fresh token is used even while someone else refreshes.
    expect(decide(row({ refreshStartedAt: at(-1_000) }), expiry)).toEqual({ kind: "use" });
  });

  it("during a backoff: a still-valid token is used, otherwise the caller is told when to come back", () => {
    const until = at(5_000);
    const backingOff = { nextRefreshAttemptAt: until, refreshFailures: 2 };
    const stillValid = row({ ...backingOff, accessTokenExpiresAt: at(30_000) }); // within the skew, not expired
    const expired = row({ ...backingOff, accessTokenExpiresAt: at(-1) });

    expect(decide(stillValid, expiry)).toEqual({ kind: "use" });
    expect(decide(stillValid, { mode: "force", seenVersion: 4 })).toEqual({ kind: "use" });
    expect(decide(expired, expiry)).toEqual({ kind: "backoff", until });
    // A token Pleo refused, or keep-alive's own refresh, cannot be served from the old token.
    expect(decide(stillValid, { mode: "force", seenVersion: 4, rejectedToken: "refused" }, true)).toEqual({
      kind: "backoff",
      until,
    });
    const idle = { mode: "keepalive", idleBefore: at(0) } as const;
    expect(decide(row({ ...backingOff, refreshTokenIssuedAt: at(-1) }), idle)).toEqual({ kind: "backoff", until });
  });

  it("refreshes once the backoff has passed", () => {
    const r = row({ accessTokenExpiresAt: at(-1), nextRefreshAttemptAt: at(0), refreshFailures: 3 });
    expect(decide(r, expiry)).toEqual(refresh);
  });
});
