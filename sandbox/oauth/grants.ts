/**
 * Grants and tokens. A grant is one authorization (one code exchange); every token issued under it
 * (initial and rotated) belongs to it, so revoking the grant kills the whole token family.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { Scope } from "../seed/fixtures";
import type { AuthCode, Grant, Installation, SandboxState, TokenRec } from "../store";

export function opaqueToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

export interface TokenResponse {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  refresh_token: string;
  scope: string;
}

function mint(state: SandboxState, grant: Grant, kind: "access" | "refresh"): TokenRec {
  const now = state.clock.now();
  const ttl = kind === "access" ? state.config.accessTokenTtlSeconds : state.config.refreshTokenTtlSeconds;
  const rec: TokenRec = {
    value: opaqueToken(),
    kind,
    grantId: grant.id,
    clientId: grant.clientId,
    companyId: grant.companyId,
    userId: grant.userId,
    scope: grant.scope,
    issuedAt: now,
    expiresAt: now + ttl * 1000,
    revoked: false,
    rotated: false,
    jti: randomUUID(),
  };
  state.tokens.set(rec.value, rec);
  state.issuedTokens.push({ kind, companyId: grant.companyId, value: rec.value });
  grant.tokens.push(rec.value);
  state.stats.tokensIssued++;
  return rec;
}

export function issueTokenPair(state: SandboxState, grant: Grant): TokenResponse {
  const access = mint(state, grant, "access");
  const refresh = mint(state, grant, "refresh");
  return {
    access_token: access.value,
    token_type: "bearer",
    expires_in: state.config.accessTokenTtlSeconds,
    refresh_token: refresh.value,
    scope: grant.scope.join(" "),
  };
}

export function createGrantFromCode(state: SandboxState, code: AuthCode, scope: Scope[]): Grant {
  const grant: Grant = {
    id: randomUUID(),
    clientId: code.clientId,
    companyId: code.companyId,
    userId: code.userId,
    scope,
    createdAt: state.clock.now(),
    revoked: false,
    tokens: [],
  };
  state.grants.set(grant.id, grant);
  code.grantId = grant.id;
  ensureInstallation(state, code.clientId, code.companyId);
  return grant;
}

/** Revoke every token of a grant. Returns false when it was already revoked. */
export function revokeGrant(state: SandboxState, grantId: string | undefined): boolean {
  if (!grantId) return false;
  const grant = state.grants.get(grantId);
  if (!grant || grant.revoked) return false;
  grant.revoked = true;
  for (const t of grant.tokens) {
    const rec = state.tokens.get(t);
    if (rec) rec.revoked = true;
  }
  state.stats.grantsRevoked++;
  return true;
}

/** Revoke all grants for a company, optionally only those of one client. Returns how many. */
export function revokeCompanyGrants(state: SandboxState, companyId: string, clientId?: string): number {
  let n = 0;
  for (const g of state.grants.values()) {
    if (g.companyId === companyId && (clientId === undefined || g.clientId === clientId) && revokeGrant(state, g.id))
      n++;
  }
  return n;
}

/** FOUND: "Installations are created automatically after a successful OAuth flow." */
export function ensureInstallation(state: SandboxState, clientId: string, companyId: string): Installation {
  const key = state.installationKey(clientId, companyId);
  let inst = state.installations.get(key);
  if (!inst) {
    const now = state.clock.now();
    inst = {
      id: randomUUID(),
      clientId,
      companyId,
      // FOUND: apps that need configuration start AUTHORIZED and call :activate after their sync.
      status: "AUTHORIZED",
      errorCode: null,
      metadata: null,
      createdAt: now,
      updatedAt: now,
    };
    state.installations.set(key, inst);
  }
  return inst;
}
