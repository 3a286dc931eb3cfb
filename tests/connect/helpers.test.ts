import { describe, expect, it } from "vitest";
import { classifyAuthFailure, normalizeFailureCode, AUTH_FAILURE_CODES } from "@/lib/auth/failures";
import { FAILURE_MESSAGES } from "@/lib/auth/failure-messages";
import { safeReturnTo } from "@/lib/auth/return-to";
import { isSecureAuthRequest, sessionTokenFromCookieHeader } from "@/lib/auth/session-cookie";
import { grantFromTokenResponse } from "@/lib/pleo/oauth";
import { parseScopes } from "@/lib/pleo/schemas/common";
import { shouldTrustHost } from "@/lib/auth/config";

describe("failure codes", () => {
  it("maps next-auth's own codes and unknown values to ours", () => {
    expect(normalizeFailureCode("OAuthAccountNotLinked")).toBe("company_linked_elsewhere");
    expect(normalizeFailureCode("Configuration")).toBe("server_error");
    expect(normalizeFailureCode("pkce_missing")).toBe("pkce_missing");
    expect(normalizeFailureCode("<script>")).toBe("server_error");
  });

  it("has a message with a title and body for every code", () => {
    for (const code of AUTH_FAILURE_CODES) {
      expect(FAILURE_MESSAGES[code].title.length).toBeGreaterThan(5);
      expect(FAILURE_MESSAGES[code].body.length).toBeGreaterThan(20);
    }
  });

  it("classifies wrapped errors by their innermost cause", () => {
    const wrap = (err: Error) => Object.assign(new Error("callback"), { type: "CallbackRouteError", cause: { err } });
    // Names as a production build leaves them (minified): only `code`, `type` and our own names count.
    const body = (error: string, status: number) =>
      Object.assign(new Error("x"), { name: "n_", code: "OAUTH_RESPONSE_BODY_ERROR", error, status });
    expect(classifyAuthFailure(wrap(body("invalid_grant", 400)))).toBe("code_rejected");
    expect(classifyAuthFailure(wrap(body("invalid_client", 401)))).toBe("client_rejected");
    expect(classifyAuthFailure(wrap(body("temporarily_unavailable", 503)))).toBe("pleo_unavailable");
    expect(classifyAuthFailure(wrap(new TypeError("fetch failed")))).toBe("pleo_unavailable");
    expect(
      classifyAuthFailure(Object.assign(new Error("PKCE code_verifier cookie was missing"), { type: "InvalidCheck" })),
    ).toBe("pkce_missing");
    expect(classifyAuthFailure(Object.assign(new Error("state cookie was missing"), { type: "InvalidCheck" }))).toBe(
      "state_mismatch",
    );
    expect(
      classifyAuthFailure(
        wrap(
          Object.assign(new Error('unexpected "state" response parameter value'), {
            name: "x",
            code: "OAUTH_INVALID_RESPONSE",
          }),
        ),
      ),
    ).toBe("state_mismatch");
    const challenge = Object.assign(new Error("challenge"), {
      name: "q",
      code: "OAUTH_WWW_AUTHENTICATE_CHALLENGE",
      status: 401,
    });
    expect(classifyAuthFailure(wrap(challenge))).toBe("client_rejected");
    expect(classifyAuthFailure(new Error("disk full"))).toBe("server_error");
  });
});

describe("helpers", () => {
  it("only returns to same-site paths", () => {
    expect(safeReturnTo("/settings/integrations/pleo")).toBe("/settings/integrations/pleo");
    for (const bad of [
      null,
      "",
      "https://evil.test",
      "//evil.test",
      "/\\evil.test",
      "/api/auth/signout",
      "/connect/pleo",
    ]) {
      expect(safeReturnTo(bad)).toBe("/dashboard");
    }
  });

  it("reads exactly the session cookie next-auth uses for the request's protocol", () => {
    const http = { secure: false };
    const https = { secure: true };
    expect(sessionTokenFromCookieHeader("a=1; authjs.session-token=abc%3D", http)).toBe("abc=");
    const both = "__Secure-authjs.session-token=s; authjs.session-token=p";
    expect(sessionTokenFromCookieHeader(both, https)).toBe("s");
    expect(sessionTokenFromCookieHeader(both, http)).toBe("p");
    // On https a planted unprefixed cookie is never read, even when it is the only one.
    expect(sessionTokenFromCookieHeader("authjs.session-token=planted", https)).toBeNull();
    expect(sessionTokenFromCookieHeader(null, http)).toBeNull();
    expect(sessionTokenFromCookieHeader("other=1", http)).toBeNull();
    expect(sessionTokenFromCookieHeader("authjs.session-token=", http)).toBeNull();
  });

  it("never throws on a malformed neighbour, and parses like next-auth's cookie parser", () => {
    expect(sessionTokenFromCookieHeader("x=100%; authjs.session-token=tok", { secure: false })).toBe("tok");
    expect(sessionTokenFromCookieHeader("authjs.session-token=bad%E0%A4%A; y=%", { secure: false })).toBe(
      "bad%E0%A4%A",
    );
    expect(sessionTokenFromCookieHeader('authjs.session-token="quoted"', { secure: false })).toBe("quoted");
    expect(
      sessionTokenFromCookieHeader("authjs.session-token=first; authjs.session-token=second", { secure: false }),
    ).toBe("first");
    expect(sessionTokenFromCookieHeader(";;=;  ; authjs.session-token=ok", { secure: false })).toBe("ok");
  });

  it("strips only a matched pair of quotes and the spaces around a value; a part without = is no cookie", () => {
    const read = (header: string) => sessionTokenFromCookieHeader(header, { secure: false });
    expect(read("authjs.session-token=  tok  ; x=1")).toBe("tok");
    expect(read('authjs.session-token="abc')).toBe('"abc');
    expect(read('authjs.session-token=abc"')).toBe('abc"');
    expect(read('authjs.session-token="')).toBe('"');
    expect(read('authjs.session-token=""')).toBeNull();
    // "authjs.session-token1" has no "=": not a cookie named like ours with value "1".
    expect(read("authjs.session-token1")).toBeNull();
    expect(read("authjs.session-token1; authjs.session-token=real")).toBe("real");
  });

  it("takes the protocol the way next-auth does: AUTH_URL, else x-forwarded-proto, else https", () => {
    const h = (proto?: string) => new Headers(proto ? { "x-forwarded-proto": proto } : {});
    expect(isSecureAuthRequest(h("http"), "https://portal.example")).toBe(true);
    expect(isSecureAuthRequest(h("https"), "http://127.0.0.1:3000")).toBe(false);
    expect(isSecureAuthRequest(h("http"), undefined)).toBe(false);
    expect(isSecureAuthRequest(h("https:"), undefined)).toBe(true);
    // Only a trailing colon is dropped, as next-auth does.
    expect(isSecureAuthRequest(h("ht:tps"), undefined)).toBe(false);
    expect(isSecureAuthRequest(h(), undefined)).toBe(true);
  });

  it("accepts only token responses that can keep a connection alive", () => {
    const ok = { access_token: "a", refresh_token: "r", expires_in: 600, scope: "x y" };
    expect(grantFromTokenResponse(ok)).toEqual({
      accessToken: "a",
      refreshToken: "r",
      expiresInSeconds: 600,
      scope: "x y",
    });
    expect(grantFromTokenResponse({ ...ok, expires_in: undefined, expires_at: 1_000 }, 400_000)).toMatchObject({
      expiresInSeconds: 600,
    });
    expect(grantFromTokenResponse({ ...ok, refresh_token: undefined })).toBeNull();
    expect(grantFromTokenResponse({ ...ok, expires_in: 0 })).toBeNull();
    expect(parseScopes(" a  b a ")).toEqual(["a", "b"]);
  });

  it("uses the Host header only in development: production needs AUTH_URL", () => {
    expect(shouldTrustHost({ NODE_ENV: "production" } as NodeJS.ProcessEnv)).toBe(false);
    expect(shouldTrustHost({ NODE_ENV: "production", AUTH_URL: "https://portal.example" } as NodeJS.ProcessEnv)).toBe(
      true,
    );
    // The old escape hatch is gone: a production build never trusts Host.
    expect(shouldTrustHost({ NODE_ENV: "production", AUTH_TRUST_HOST: "true" } as NodeJS.ProcessEnv)).toBe(false);
    // A production build stays one whatever NODE_ENV says at run time.
    expect(shouldTrustHost({ NODE_ENV: "development" } as NodeJS.ProcessEnv, true)).toBe(false);
    expect(shouldTrustHost({ NODE_ENV: "development" } as NodeJS.ProcessEnv)).toBe(true);
  });
});

describe("the public origin of /api/auth requests", () => {
  it("is AUTH_URL when set, else the Host the browser used (never Next's 127.0.0.1 → localhost rewrite)", async () => {
    const { NextRequest } = await import("next/server");
    const { publicOrigin } = await import("@/lib/auth/route-handlers");
    const req = new NextRequest("http://127.0.0.1:3000/api/auth/callback/pleo?code=x", {
      headers: { host: "127.0.0.1:3000" },
    });
    expect(req.url).toContain("localhost"); // the rewrite this guards against
    const saved = process.env.AUTH_URL;
    try {
      delete process.env.AUTH_URL;
      expect(publicOrigin(req)).toBe("http://127.0.0.1:3000");
      process.env.AUTH_URL = "https://portal.example.com/";
      expect(publicOrigin(req)).toBe("https://portal.example.com");
    } finally {
      if (saved === undefined) delete process.env.AUTH_URL;
      else process.env.AUTH_URL = saved;
    }
  });
});
