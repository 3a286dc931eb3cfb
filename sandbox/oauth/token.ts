/**
 * POST /oauth/token (authorization_code with PKCE S256, refresh_token with rotation) and
 * POST /oauth/token/introspect (RFC 7662). Errors follow RFC 6749 §5.2.
 */
import { createHash } from "node:crypto";
import { Hono, type Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { bump } from "../api/common";
import { companyUrn } from "../seed/fixtures";
import type { SandboxState } from "../store";
import { authenticateClient } from "./client";
import { createGrantFromCode, issueTokenPair, revokeGrant } from "./grants";

const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" };
const VERIFIER_RE = /^[A-Za-z0-9\-._~]{43,128}$/;

async function formBody(c: Context): Promise<Record<string, string> | null> {
  const type = c.req.header("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded")) return null;
  const params = new URLSearchParams(await c.req.text());
  const out: Record<string, string> = {};
  for (const [k, v] of params) out[k] = v;
  return out;
}

export function tokenRoutes(state: SandboxState) {
  const app = new Hono();

  const oauthError = (c: Context, error: string, description: string, status: ContentfulStatusCode = 400) => {
    bump(state.stats.tokenErrors, error);
    const headers: Record<string, string> = { ...NO_STORE };
    if (status === 401) headers["WWW-Authenticate"] = 'Basic realm="pleo"';
    return c.json({ error, error_description: description }, status, headers);
  };

  app.post("/oauth/token", async (c) => {
    const body = await formBody(c);
    if (!body) {
      state.stats.tokenRequests.other++;
      return oauthError(c, "invalid_request", "Content-Type must be application/x-www-form-urlencoded");
    }
    const grantType = body.grant_type;
    if (grantType === "authorization_code" || grantType === "refresh_token") state.stats.tokenRequests[grantType]++;
    else state.stats.tokenRequests.other++;

    const auth = authenticateClient(state, c, body);
    if ("error" in auth) return oauthError(c, "invalid_client", auth.error, 401);
    const client = auth.client;
    const now = state.clock.now();

    if (grantType === undefined) return oauthError(c, "invalid_request", "grant_type is required");

    if (grantType === "authorization_code") {
      for (const p of ["code", "redirect_uri", "code_verifier"] as const) {
        if (!body[p]) return oauthError(c, "invalid_request", `${p} is required`);
      }
      const code = state.codes.get(body.code);
      if (!code) return oauthError(c, "invalid_grant", "Unknown authorization code");
      if (code.used) {
        // RFC 6749 §4.1.2: a replayed code should revoke the tokens issued from it.
        state.stats.codeReplays++;
        revokeGrant(state, code.grantId);
        return oauthError(
          c,
          "invalid_grant",
          "Authorization code has already been used; tokens issued from it are revoked",
        );
      }
      if (code.clientId !== client.id)
        return oauthError(c, "invalid_grant", "Authorization code was issued to another client");
      code.used = true; // single use, even when the checks below fail
      if (code.expiresAt <= now) return oauthError(c, "invalid_grant", "Authorization code has expired");
      if (code.redirectUri !== body.redirect_uri) {
        return oauthError(c, "invalid_grant", "redirect_uri does not match the authorization request");
      }
      const verifier = body.code_verifier;
      const challenge = createHash("sha256").update(verifier).digest("base64url");
      if (!VERIFIER_RE.test(verifier) || challenge !== code.codeChallenge) {
        return oauthError(c, "invalid_grant", "PKCE verification failed: code_verifier does not match code_challenge");
      }
      const grant = createGrantFromCode(state, code, code.scope);
      return c.json(issueTokenPair(state, grant), 200, NO_STORE);
    }

    if (grantType === "refresh_token") {
      if (!body.refresh_token) return oauthError(c, "invalid_request", "refresh_token is required");
      const old = state.tokens.get(body.refresh_token);
      if (!old || old.kind !== "refresh") return oauthError(c, "invalid_grant", "Unknown refresh token");
      if (old.clientId !== client.id)
        return oauthError(c, "invalid_grant", "Refresh token was issued to another client");
      const grant = state.grants.get(old.grantId);
      if (!grant || grant.revoked) return oauthError(c, "invalid_grant", "Refresh token has been revoked");
      if (old.rotated) {
        // FOUND: rotated tokens stop working; reuse signals theft, so the whole grant is revoked.
        state.stats.refreshReuseDetected++;
        revokeGrant(state, grant.id);
        return oauthError(c, "invalid_grant", "Refresh token was already used; all tokens of this grant are revoked");
      }
      // A refresh token's own `revoked` is only set with its grant's or when it is rotated, both refused
      // above: no separate check of it here.
      if (old.expiresAt <= now) {
        // FOUND: "If an expired refresh token is used, all active refresh tokens for that authorisation are invalidated."
        revokeGrant(state, grant.id);
        return oauthError(c, "invalid_grant", "Refresh token has expired; all tokens of this grant are revoked");
      }
      if (body.scope !== undefined) {
        const extra = body.scope.split(/\s+/).filter((s) => s && !grant.scope.includes(s as never));
        if (extra.length > 0)
          return oauthError(c, "invalid_scope", `Scope exceeds the original grant: ${extra.join(" ")}`);
      }
      old.rotated = true;
      old.revoked = true;
      // Earlier access tokens stay valid until they expire (GUESSED; RFC 6749 leaves this open).
      return c.json(issueTokenPair(state, grant), 200, NO_STORE);
    }

    return oauthError(c, "unsupported_grant_type", `grant_type ${grantType} is not supported`);
  });

  app.post("/oauth/token/introspect", async (c) => {
    state.stats.introspections++;
    const body = await formBody(c);
    if (!body) return oauthError(c, "invalid_request", "Content-Type must be application/x-www-form-urlencoded");
    // FOUND: introspection authenticates the client with HTTP Basic.
    const auth = authenticateClient(state, c, body, false);
    if ("error" in auth) return oauthError(c, "invalid_client", auth.error, 401);
    if (!body.token) return oauthError(c, "invalid_request", "token is required");
    const t = state.tokens.get(body.token);
    const now = state.clock.now();
    const active =
      t !== undefined &&
      t.clientId === auth.client.id && // FOUND: only the client that obtained the token may introspect it
      !t.revoked &&
      !state.grants.get(t.grantId)?.revoked &&
      t.expiresAt > now;
    if (!active) return c.json({ active: false }, 200, NO_STORE);
    return c.json(
      {
        active: true,
        scope: t.scope.join(" "),
        client_id: t.clientId,
        token_type: t.kind === "access" ? "access_token" : "refresh_token",
        exp: Math.floor(t.expiresAt / 1000),
        iat: Math.floor(t.issuedAt / 1000),
        sub: t.userId,
        aud: state.issuer,
        iss: state.issuer,
        jti: t.jti,
        "urn:pleo:params:oauth:subject_urn": companyUrn(t.companyId),
      },
      200,
      NO_STORE,
    );
  });

  return app;
}
