import "server-only";

import { encryptToken } from "@/lib/crypto";

/**
 * The tokens of a fresh OAuth grant, and how they are stored: sealed (AES-256-GCM, lib/crypto) with
 * their expiry times. Nothing here ever returns or logs a plaintext token.
 */

export type GrantedTokens = {
  accessToken: string;
  refreshToken: string;
  /** `expires_in` of the token response, seconds (Pleo: "never assume" 10 minutes). */
  expiresInSeconds: number;
  /** `scope` of the token response; RFC 6749 §5.1: when absent, the requested scopes were granted. */
  scope: string | null;
};

/** Pleo documents refresh tokens as living "at least 60 days"; we plan with that minimum. */
export const REFRESH_TOKEN_LIFETIME_MS = 60 * 24 * 3600 * 1000;

export type SealedGrant = {
  accessTokenEnc: string;
  refreshTokenEnc: string;
  accessTokenExpiresAt: Date;
  refreshTokenIssuedAt: Date;
  refreshTokenExpiresAt: Date;
  scopes: string[];
};

export function parseScopes(scope: string | null | undefined): string[] {
  return [...new Set((scope ?? "").split(/\s+/).filter(Boolean))];
}

export async function sealGrant(
  tokens: GrantedTokens,
  requestedScopes: string,
  now = new Date(),
): Promise<SealedGrant> {
  return {
    accessTokenEnc: await encryptToken(tokens.accessToken),
    refreshTokenEnc: await encryptToken(tokens.refreshToken),
    accessTokenExpiresAt: new Date(now.getTime() + tokens.expiresInSeconds * 1000),
    refreshTokenIssuedAt: now,
    refreshTokenExpiresAt: new Date(now.getTime() + REFRESH_TOKEN_LIFETIME_MS),
    scopes: parseScopes(tokens.scope ?? requestedScopes),
  };
}

/**
 * Reads the token response next-auth hands over (oauth4webapi output: `access_token`, `refresh_token`,
 * `expires_in`, `expires_at`, `scope`). Returns null when it cannot keep the connection alive
 * (no refresh token or no usable lifetime), so the caller fails the sign-in instead of storing it.
 */
export function grantFromTokenResponse(t: Record<string, unknown>, now = Date.now()): GrantedTokens | null {
  const accessToken = typeof t.access_token === "string" && t.access_token ? t.access_token : null;
  const refreshToken = typeof t.refresh_token === "string" && t.refresh_token ? t.refresh_token : null;
  let expiresIn: number | null = null;
  if (typeof t.expires_in === "number" && Number.isFinite(t.expires_in)) expiresIn = t.expires_in;
  else if (typeof t.expires_at === "number") expiresIn = t.expires_at - Math.floor(now / 1000);
  if (!accessToken || !refreshToken || expiresIn === null || expiresIn <= 0) return null;
  return {
    accessToken,
    refreshToken,
    expiresInSeconds: expiresIn,
    scope: typeof t.scope === "string" ? t.scope : null,
  };
}
