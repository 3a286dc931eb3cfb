/**
 * GET /oauth/authorize → login form → consent form → redirect back with `code` (or an error).
 * Unknown client or redirect URI: an HTML error page (400), never a redirect (RFC 6749 §4.1.2.1).
 */
import { randomUUID } from "node:crypto";
import { Hono, type Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import {
  REGISTERED_SCOPES,
  SANDBOX_APPLICATION_NAME,
  USERS,
  companyById,
  type Scope,
  type UserFixture,
} from "../seed/fixtures";
import type { AuthRequest, SandboxState } from "../store";
import { findClient } from "./client";
import { opaqueToken } from "./grants";
import { consentPage, errorPage, loginPage } from "./pages";

export const SESSION_COOKIE = "pleo_sandbox_session";
const AUTH_REQUEST_TTL_MS = 15 * 60_000;
const SESSION_TTL_MS = 8 * 3_600_000;
/** GUESSED: Pleo only says "short-lived"; 5 minutes, single use. */
export const CODE_TTL_MS = 5 * 60_000;
/** S256 challenge = base64url(sha256) without padding: exactly 43 characters. */
const CHALLENGE_RE = /^[A-Za-z0-9_-]{43}$/;
const SUBJECT_RE = /^urn:pleo:company:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

function errorRedirect(c: Context, redirectUri: string, state: string | undefined, error: string, description: string) {
  const url = new URL(redirectUri);
  url.searchParams.set("error", error);
  url.searchParams.set("error_description", description);
  if (state !== undefined) url.searchParams.set("state", state);
  return c.redirect(url.toString(), 302);
}

function html(c: Context, body: string, status: 200 | 400 | 401 | 403 = 200) {
  return c.html(body, status, { "Cache-Control": "no-store" });
}

export function authorizeRoutes(state: SandboxState) {
  const app = new Hono();

  const currentUser = (c: Context): UserFixture | undefined => {
    const sid = getCookie(c, SESSION_COOKIE);
    const session = sid ? state.sessions.get(sid) : undefined;
    if (!session || session.expiresAt <= state.clock.now()) return undefined;
    return USERS.find((u) => u.id === session.userId);
  };

  const liveRequest = (id: string | undefined): AuthRequest | undefined => {
    const ar = id ? state.authRequests.get(id) : undefined;
    return ar && ar.expiresAt > state.clock.now() ? ar : undefined;
  };

  const expiredPage = (c: Context) =>
    html(
      c,
      errorPage("Link expired", "This sign-in request is no longer valid. Start again from the application."),
      400,
    );

  const renderConsent = (c: Context, ar: AuthRequest, user: UserFixture, error?: string) => {
    const companies = user.companyIds.map((id) => companyById(id)!);
    const selected =
      ar.subjectCompanyId && user.companyIds.includes(ar.subjectCompanyId) ? ar.subjectCompanyId : undefined;
    return html(
      c,
      consentPage({
        requestId: ar.id,
        userName: user.name,
        companies,
        selected,
        scopes: ar.scope,
        applicationName: SANDBOX_APPLICATION_NAME,
        error,
      }),
      error ? 400 : 200,
    );
  };

  app.get("/oauth/authorize", (c) => {
    state.stats.authorizeRequests++;
    const q = c.req.query();
    const client = findClient(state, q.client_id);
    if (!client) {
      return html(
        c,
        errorPage("Unknown application", `No OAuth client is registered with client_id "${q.client_id ?? ""}".`),
        400,
      );
    }
    if (!q.redirect_uri || !client.redirectUris.includes(q.redirect_uri)) {
      return html(
        c,
        errorPage(
          "Invalid redirect URI",
          "The redirect_uri does not exactly match a URI registered for this application.",
        ),
        400,
      );
    }
    const fail = (error: string, description: string) => errorRedirect(c, q.redirect_uri, q.state, error, description);
    if (q.response_type === undefined) return fail("invalid_request", "response_type is required");
    if (q.response_type !== "code") return fail("unsupported_response_type", "Only response_type=code is supported");
    if (q.code_challenge_method === undefined || q.code_challenge === undefined) {
      return fail("invalid_request", "PKCE is required: send code_challenge and code_challenge_method=S256");
    }
    if (q.code_challenge_method !== "S256") {
      return fail("invalid_request", "code_challenge_method must be S256; plain is not allowed");
    }
    if (!CHALLENGE_RE.test(q.code_challenge)) {
      return fail(
        "invalid_request",
        "code_challenge must be the base64url-encoded SHA-256 of the code_verifier (43 characters)",
      );
    }
    // GUESSED: a missing scope grants everything registered for the client.
    const requested = q.scope === undefined || q.scope.trim() === "" ? [...client.scopes] : q.scope.trim().split(/\s+/);
    const unknown = requested.filter((s) => !client.scopes.includes(s as Scope));
    if (unknown.length > 0) return fail("invalid_scope", `Scope not registered for this client: ${unknown.join(" ")}`);
    let subjectCompanyId: string | undefined;
    if (q.urn_pleo_params_oauth_subject !== undefined) {
      const m = SUBJECT_RE.exec(q.urn_pleo_params_oauth_subject);
      if (!m) return fail("invalid_request", "urn_pleo_params_oauth_subject must be urn:pleo:company:<uuid>");
      subjectCompanyId = m[1].toLowerCase();
    }

    const ar: AuthRequest = {
      id: randomUUID(),
      clientId: client.id,
      redirectUri: q.redirect_uri,
      scope: REGISTERED_SCOPES.filter((s) => requested.includes(s)),
      state: q.state,
      codeChallenge: q.code_challenge,
      subjectCompanyId,
      userId: undefined,
      expiresAt: state.clock.now() + AUTH_REQUEST_TTL_MS,
    };
    state.authRequests.set(ar.id, ar);
    const user = currentUser(c);
    if (user) {
      ar.userId = user.id;
      return c.redirect(`/oauth/consent?request_id=${encodeURIComponent(ar.id)}`, 303);
    }
    return html(c, loginPage({ requestId: ar.id }));
  });

  app.post("/oauth/login", async (c) => {
    const form = await c.req.parseBody();
    const ar = liveRequest(typeof form.request_id === "string" ? form.request_id : undefined);
    if (!ar) return expiredPage(c);
    const email = typeof form.email === "string" ? form.email.trim().toLowerCase() : "";
    const password = typeof form.password === "string" ? form.password : "";
    const user = USERS.find((u) => u.email === email && u.password === password);
    if (!user) {
      state.stats.failedLogins++;
      return html(c, loginPage({ requestId: ar.id, email, error: "Incorrect email or password." }), 401);
    }
    state.stats.logins++;
    const sid = opaqueToken(24);
    state.sessions.set(sid, { id: sid, userId: user.id, expiresAt: state.clock.now() + SESSION_TTL_MS });
    setCookie(c, SESSION_COOKIE, sid, { path: "/oauth", httpOnly: true, sameSite: "Lax" });
    ar.userId = user.id;
    return c.redirect(`/oauth/consent?request_id=${encodeURIComponent(ar.id)}`, 303);
  });

  app.get("/oauth/consent", (c) => {
    const ar = liveRequest(c.req.query("request_id"));
    if (!ar) return expiredPage(c);
    const user = currentUser(c);
    if (!user) return html(c, loginPage({ requestId: ar.id }));
    ar.userId = user.id;
    return renderConsent(c, ar, user);
  });

  app.post("/oauth/consent", async (c) => {
    const form = await c.req.parseBody();
    const ar = liveRequest(typeof form.request_id === "string" ? form.request_id : undefined);
    if (!ar) return expiredPage(c);
    const user = currentUser(c);
    if (!user || ar.userId !== user.id) {
      return html(c, errorPage("Not signed in", "Your session ended. Start again from the application."), 403);
    }
    if (form.decision === "deny") {
      state.authRequests.delete(ar.id);
      state.stats.consents.denied++;
      return errorRedirect(c, ar.redirectUri, ar.state, "access_denied", "The user denied access");
    }
    if (form.decision !== "allow") return renderConsent(c, ar, user, "Choose Allow or Deny.");
    const companyId = typeof form.company_id === "string" ? form.company_id : "";
    if (!user.companyIds.includes(companyId)) return renderConsent(c, ar, user, "Choose one of your companies.");
    state.authRequests.delete(ar.id);
    state.stats.consents.allowed++;
    const code = opaqueToken(32);
    state.codes.set(code, {
      code,
      clientId: ar.clientId,
      redirectUri: ar.redirectUri,
      codeChallenge: ar.codeChallenge,
      scope: ar.scope,
      companyId,
      userId: user.id,
      expiresAt: state.clock.now() + CODE_TTL_MS,
      used: false,
      grantId: undefined,
    });
    const url = new URL(ar.redirectUri);
    url.searchParams.set("code", code);
    if (ar.state !== undefined) url.searchParams.set("state", ar.state);
    return c.redirect(url.toString(), 303);
  });

  return app;
}
