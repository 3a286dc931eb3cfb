import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { CallbackRouteError, InvalidCheck, MissingCSRF, OAuthCallbackError } from "@auth/core/errors";
import * as o from "oauth4webapi";
import { describe, expect, it } from "vitest";
import { FAILURE_MESSAGES } from "@/lib/auth/failure-messages";
import { AUTH_FAILURE_CODES, classifyAuthFailure, normalizeFailureCode } from "@/lib/auth/failures";
import { CompanyLinkedElsewhereError } from "@/lib/connections/link";
import { PleoApiError } from "@/lib/pleo/errors";
import { PleoIdentityError } from "@/lib/pleo/identity";
import { freePort } from "@/tests/support/portal-process";

// Every connect failure the error page can name, built the way the libraries build them: oauth4webapi's own
// response checks on real Responses, and next-auth's error classes wrapping them as its callback route does
// (`new CallbackRouteError(err, …)` puts the original under `cause.err`). The page's copy per code is
// lib/auth/failure-messages.ts; the e2e suite shows the page itself.

const as = { issuer: "http://127.0.0.1:1" };
const client = { client_id: "portal" };
// At run time next-auth's error constructors take (Error | message, details); their published types only
// show Error's own constructor.
type AuthErrorConstructor = new (message: Error | string, details?: Record<string, unknown>) => Error;
const asBuilt = (ctor: unknown) => ctor as AuthErrorConstructor;
const viaNextAuth = (err: Error) => new (asBuilt(CallbackRouteError))(err, { provider: "pleo" });

/** What oauth4webapi throws for this authorization response (the redirect back from Pleo). */
function authorizationFailure(query: string): unknown {
  try {
    o.validateAuthResponse(as, client, new URLSearchParams(query), "expected-state");
  } catch (e) {
    return e;
  }
  throw new Error(`validateAuthResponse accepted ${query}`);
}

/** What oauth4webapi throws for this token endpoint answer to the code exchange. */
async function tokenFailure(status: number, body: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const type = typeof body === "string" ? "text/html" : "application/json";
  const res = new Response(text, { status, headers: { "content-type": type, ...headers } });
  return o.processAuthorizationCodeResponse(as, client, res).then(
    () => {
      throw new Error(`processAuthorizationCodeResponse accepted HTTP ${status}`);
    },
    (e: unknown) => e,
  );
}

const classify = (e: unknown) => classifyAuthFailure(e instanceof Error ? viaNextAuth(e) : e);

describe("classifyAuthFailure on errors as oauth4webapi and next-auth build them", () => {
  it("a redirect back with ?error=: access_denied is the visitor's choice, anything else is Pleo's error", () => {
    expect(classify(authorizationFailure("error=access_denied&state=expected-state"))).toBe("access_denied");
    expect(classify(authorizationFailure("error=server_error&state=expected-state"))).toBe("provider_error");
    // next-auth's own form of the same (its cause does not keep Pleo's error: the route handler reads the URL).
    const nextAuths = new (asBuilt(OAuthCallbackError))("OAuth Provider returned an error", {
      providerId: "pleo",
      error: "access_denied",
    });
    expect(classify(nextAuths)).toBe("provider_error");
  });

  it("a wrong state is a state mismatch; a missing state or PKCE cookie says which", () => {
    expect(classify(authorizationFailure("code=abc&state=forged"))).toBe("state_mismatch");
    expect(classify(new InvalidCheck("pkceCodeVerifier cookie was missing"))).toBe("pkce_missing");
    expect(classify(new InvalidCheck("state cookie was missing"))).toBe("state_mismatch");
    // Only oauth4webapi's invalid-response code marks a state check: another error mentioning "state" is not one.
    expect(classify(new Error('could not save "state"'))).toBe("server_error");
  });

  it("token endpoint errors in the body: the code, the client, or Pleo's own error", async () => {
    expect(classify(await tokenFailure(400, { error: "invalid_grant" }))).toBe("code_rejected");
    expect(classify(await tokenFailure(401, { error: "invalid_client" }))).toBe("client_rejected");
    // RFC 6749 §5.2 lets a server answer invalid_client with 400 too.
    expect(classify(await tokenFailure(400, { error: "invalid_client" }))).toBe("client_rejected");
    expect(classify(await tokenFailure(400, { error: "invalid_request" }))).toBe("provider_error");
    expect(classify(await tokenFailure(429, { error: "slow_down" }))).toBe("pleo_unavailable");
  });

  it("a Basic challenge is a rejected client; 5xx pages and non-conforming answers are told apart", async () => {
    expect(classify(await tokenFailure(401, "", { "www-authenticate": 'Basic realm="pleo"' }))).toBe("client_rejected");
    // A gateway's HTML page: the status is on the Response oauth4webapi keeps as the cause.
    expect(classify(await tokenFailure(500, "<html>oops</html>"))).toBe("pleo_unavailable");
    expect(classify(await tokenFailure(502, "<html>bad gateway</html>"))).toBe("pleo_unavailable");
    // 200 without an access token: a broken answer, not an outage.
    expect(classify(await tokenFailure(200, { token_type: "bearer" }))).toBe("server_error");
  });

  it("Pleo's identity answers: no answer or 5xx/429 is unavailable, any other status failed the profile", () => {
    expect(classify(new PleoIdentityError("could not reach Pleo", null))).toBe("pleo_unavailable");
    expect(classify(new PleoIdentityError("x", 500))).toBe("pleo_unavailable");
    expect(classify(new PleoIdentityError("x", 429))).toBe("pleo_unavailable");
    expect(classify(new PleoIdentityError("x", 499))).toBe("profile_failed");
    expect(classify(new PleoIdentityError("x", 403))).toBe("profile_failed");
  });

  it("a company connected to another account, and an expired form, are named", () => {
    expect(classify(new CompanyLinkedElsewhereError("8b1c0f7e-3a52-4c1e-9d0b-0c6f0d1e2a3b"))).toBe(
      "company_linked_elsewhere",
    );
    expect(classify(new MissingCSRF("CSRF token was missing during an action signin"))).toBe("session_expired");
  });

  it("fetch failures (refused, timed out, aborted) are Pleo unavailable; other type errors are ours", async () => {
    const refused = await fetch(`http://127.0.0.1:${await freePort()}/`).catch((e: unknown) => e);
    expect((refused as Error & { cause: { code: string } }).cause.code).toBe("ECONNREFUSED");
    expect(classify(refused)).toBe("pleo_unavailable");
    // A server that takes the request and never answers, as a stuck token endpoint would.
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
    try {
      const timedOut = await fetch(url, { signal: AbortSignal.timeout(50) }).catch((e: unknown) => e);
      expect((timedOut as Error).name).toBe("TimeoutError");
      expect(classify(timedOut)).toBe("pleo_unavailable");
      const controller = new AbortController();
      const pending = fetch(url, { signal: controller.signal }).catch((e: unknown) => e);
      controller.abort();
      const aborted = await pending;
      expect((aborted as Error).name).toBe("AbortError");
      expect(classify(aborted)).toBe("pleo_unavailable");
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
    expect(classify(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe("server_error");
    expect(classify(new Error("fetch failed"))).toBe("server_error");
  });

  it("a status alone does not make an error Pleo's: only OAuth and identity errors are read for one", () => {
    // A later step's API error (not an OAuth answer) is the portal's own failure.
    expect(classify(new PleoApiError(503, "SERVICE_UNAVAILABLE", "sync failed", true, "GET /v1/x"))).toBe(
      "server_error",
    );
  });

  it("looks through at most six wrappers, so a cyclic cause chain still ends", () => {
    const nest = (depth: number) => {
      let err: Error = new MissingCSRF("CSRF token was missing");
      for (let i = 1; i < depth; i++) err = new Error(`wrapper ${i}`, { cause: err });
      return err;
    };
    expect(classifyAuthFailure(nest(6))).toBe("session_expired");
    expect(classifyAuthFailure(nest(7))).toBe("server_error");
    const cyclic = new Error("a") as Error & { cause?: unknown };
    cyclic.cause = cyclic;
    expect(classifyAuthFailure(cyclic)).toBe("server_error");
    expect(classifyAuthFailure(new Error("no cause", { cause: null }))).toBe("server_error");
    expect(classifyAuthFailure("a thrown string")).toBe("server_error");
  });
});

describe("normalizeFailureCode (the error page's ?error=)", () => {
  it("maps each of next-auth's own codes", () => {
    expect(normalizeFailureCode("AccessDenied")).toBe("access_denied");
    expect(normalizeFailureCode("OAuthCallbackError")).toBe("provider_error");
    expect(normalizeFailureCode("OAuthAccountNotLinked")).toBe("company_linked_elsewhere");
    expect(normalizeFailureCode("AccountNotLinked")).toBe("company_linked_elsewhere");
    expect(normalizeFailureCode("MissingCSRF")).toBe("session_expired");
    expect(normalizeFailureCode("Verification")).toBe("session_expired");
    expect(normalizeFailureCode("Configuration")).toBe("server_error");
    for (const code of AUTH_FAILURE_CODES) expect(normalizeFailureCode(code)).toBe(code);
  });

  it("reads names every JavaScript object inherits as unknown codes, not as its members", () => {
    for (const raw of ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"]) {
      expect([raw, normalizeFailureCode(raw)]).toEqual([raw, "server_error"]);
    }
    expect(normalizeFailureCode("")).toBe("server_error");
    expect(normalizeFailureCode(null)).toBe("server_error");
  });
});

describe("the error page's way forward", () => {
  it("offers Try again except where trying again cannot help (the client's setup, a company owned elsewhere)", () => {
    const noRetry = AUTH_FAILURE_CODES.filter((code) => !FAILURE_MESSAGES[code].canRetry);
    expect(noRetry).toEqual(["client_rejected", "company_linked_elsewhere"]);
  });
});
