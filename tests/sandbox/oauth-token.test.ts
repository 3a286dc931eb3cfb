/** POST /oauth/token and /oauth/token/introspect: codes, PKCE, rotation, reuse detection, client auth. */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { COMPANY_NORDLYS, DEMO_USER, REGISTERED_SCOPES } from "@/sandbox/seed/fixtures";
import { authorizeViaForms, getTokensForCompany } from "@/sandbox/testing";
import { startTestSandbox, type InProcessSandbox } from "@/tests/support/sandbox";
import { CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, api, basic, postToken, validAuthorize } from "./helpers";

let sb: InProcessSandbox;
beforeAll(async () => {
  sb = await startTestSandbox({ entries: 300 });
});
afterAll(async () => {
  await sb.close();
});
beforeEach(async () => {
  await sb.control.reset();
});

async function freshCode(overrides: Record<string, string | undefined> = {}) {
  const a = validAuthorize(sb.url, overrides);
  const r = await authorizeViaForms({
    authorizeUrl: a.url,
    email: DEMO_USER.email,
    password: DEMO_USER.password,
    companyId: COMPANY_NORDLYS.id,
  });
  expect(r.code).toBeTruthy();
  return { code: r.code!, verifier: a.verifier };
}

function exchange(code: string, verifier: string, auth: string | null = basic(), extra: Record<string, string> = {}) {
  return postToken(
    sb.url,
    { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier, ...extra },
    auth,
  );
}

async function introspectActive(token: string): Promise<boolean> {
  const res = await fetch(`${sb.url}/oauth/token/introspect`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic() },
    body: new URLSearchParams({ token }),
  });
  return ((await res.json()) as { active: boolean }).active;
}

async function apiWorks(accessToken: string): Promise<number> {
  return (await api(sb.url, accessToken, "/v1/introspect")).status;
}

function expectOAuthError(
  res: Response,
  body: Record<string, unknown>,
  status: number,
  error: string,
  description?: string,
) {
  expect(res.status).toBe(status);
  expect(body.error).toBe(error);
  if (description === undefined) expect(body.error_description).toMatch(/\w/);
  else expect(body.error_description).toBe(description);
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(res.headers.get("pragma")).toBe("no-cache");
  // RFC 6749 §5.2: the challenge belongs to 401 only.
  if (status !== 401) expect(res.headers.get("www-authenticate")).toBeNull();
}

function s256(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}

function introspect(body: string, headers: Record<string, string> = {}) {
  return fetch(`${sb.url}/oauth/token/introspect`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic(), ...headers },
    body,
  });
}

describe("authorization_code grant", () => {
  it("exchanges a code for opaque tokens with the RFC 6749 shape and no-store", async () => {
    const { code, verifier } = await freshCode();
    const { res, body } = await exchange(code, verifier);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(body).toEqual({
      access_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      token_type: "bearer",
      expires_in: 600,
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      scope: "accounting-entries:read users:read companies:read",
    });
    expect(await apiWorks(body.access_token as string)).toBe(200);
  });

  it("accepts client credentials in the body instead of Basic", async () => {
    const { code, verifier } = await freshCode();
    const { res } = await exchange(code, verifier, null, { client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
    expect(res.status).toBe(200);
  });

  it("wrong code_verifier → invalid_grant", async () => {
    const { code } = await freshCode();
    const { res, body } = await exchange(code, "x".repeat(43));
    expectOAuthError(res, body, 400, "invalid_grant");
    expect(body.error_description).toMatch(/PKCE/);
  });

  it("missing code_verifier → invalid_request", async () => {
    const { code } = await freshCode();
    const { res, body } = await postToken(sb.url, {
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
    });
    expectOAuthError(res, body, 400, "invalid_request");
  });

  it("different redirect_uri → invalid_grant", async () => {
    const { code, verifier } = await freshCode();
    const { res, body } = await exchange(code, verifier, basic(), {
      redirect_uri: "http://127.0.0.1:3000/api/auth/callback/pleo",
    });
    expectOAuthError(res, body, 400, "invalid_grant");
  });

  it("expired code (after 5 minutes of sandbox time) → invalid_grant", async () => {
    const { code, verifier } = await freshCode();
    await sb.control.advanceClock(301);
    const { res, body } = await exchange(code, verifier);
    expectOAuthError(res, body, 400, "invalid_grant");
    expect(body.error_description).toMatch(/expired/);
  });

  it("unknown code → invalid_grant", async () => {
    const { res, body } = await exchange("not-a-code", "v".repeat(43));
    expectOAuthError(res, body, 400, "invalid_grant");
  });

  it("a replayed code fails and revokes the tokens issued from it", async () => {
    const { code, verifier } = await freshCode();
    const first = await exchange(code, verifier);
    expect(first.res.status).toBe(200);
    const access = first.body.access_token as string;
    const refresh = first.body.refresh_token as string;
    expect(await apiWorks(access)).toBe(200);

    const replay = await exchange(code, verifier);
    expectOAuthError(replay.res, replay.body, 400, "invalid_grant");
    expect(await apiWorks(access)).toBe(401);
    const r = await postToken(sb.url, { grant_type: "refresh_token", refresh_token: refresh });
    expectOAuthError(r.res, r.body, 400, "invalid_grant");
    const stats = await sb.control.stats();
    expect(stats.codeReplays).toBe(1);
    expect(stats.grantsRevoked).toBe(1);
  });
});

describe("client authentication", () => {
  it("wrong secret via Basic → 401 invalid_client with WWW-Authenticate", async () => {
    const { code, verifier } = await freshCode();
    const { res, body } = await exchange(code, verifier, basic(CLIENT_ID, "wrong-secret"));
    expectOAuthError(res, body, 401, "invalid_client");
    expect(res.headers.get("www-authenticate")).toBe('Basic realm="pleo"');
  });

  it("wrong secret in the body → 401 invalid_client", async () => {
    const { code, verifier } = await freshCode();
    const { res, body } = await exchange(code, verifier, null, { client_id: CLIENT_ID, client_secret: "nope" });
    expectOAuthError(res, body, 401, "invalid_client");
    expect(res.headers.get("www-authenticate")).toContain("Basic");
  });

  it("no credentials, unknown client, or malformed Basic → 401 invalid_client", async () => {
    const { code, verifier } = await freshCode();
    for (const auth of [null, basic("someone-else", CLIENT_SECRET), "Basic !!!"]) {
      const { res, body } = await exchange(code, verifier, auth);
      expectOAuthError(res, body, 401, "invalid_client");
    }
    // The code was never presented by an authenticated client, so it still works.
    expect((await exchange(code, verifier)).res.status).toBe(200);
  });

  it("unsupported grant type and non-form bodies are rejected", async () => {
    const a = await postToken(sb.url, { grant_type: "client_credentials" });
    expectOAuthError(a.res, a.body, 400, "unsupported_grant_type");
    const res = await fetch(`${sb.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: basic() },
      body: JSON.stringify({ grant_type: "refresh_token" }),
    });
    expectOAuthError(res, (await res.json()) as Record<string, unknown>, 400, "invalid_request");
  });
});

describe("refresh_token grant", () => {
  async function tokens() {
    return getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY_NORDLYS.id });
  }
  const refresh = (rt: string, auth: string | null = basic()) =>
    postToken(sb.url, { grant_type: "refresh_token", refresh_token: rt }, auth);

  it("rotates: new access and refresh token each time; the old refresh token stops working", async () => {
    const t0 = await tokens();
    const r1 = await refresh(t0.refresh_token);
    expect(r1.res.status).toBe(200);
    expect(r1.res.headers.get("cache-control")).toBe("no-store");
    expect(r1.body.refresh_token).not.toBe(t0.refresh_token);
    expect(r1.body.access_token).not.toBe(t0.access_token);
    expect(r1.body.token_type).toBe("bearer");
    expect(r1.body.expires_in).toBe(600);
    const r2 = await refresh(r1.body.refresh_token as string);
    expect(r2.res.status).toBe(200);
    expect(await apiWorks(r2.body.access_token as string)).toBe(200);
    expect((await sb.control.stats()).tokenRequests.refresh_token).toBe(2);
  });

  it("reusing a rotated refresh token → invalid_grant and revokes every token of the grant", async () => {
    const t0 = await tokens();
    const r1 = await refresh(t0.refresh_token);
    const newest = r1.body;
    const reuse = await refresh(t0.refresh_token);
    expectOAuthError(reuse.res, reuse.body, 400, "invalid_grant");
    // Even the legitimately rotated tokens are dead now.
    expect(await apiWorks(newest.access_token as string)).toBe(401);
    const again = await refresh(newest.refresh_token as string);
    expectOAuthError(again.res, again.body, 400, "invalid_grant");
    expect(await introspectActive(newest.refresh_token as string)).toBe(false);
    const stats = await sb.control.stats();
    expect(stats.refreshReuseDetected).toBe(1);
    expect(stats.grantsRevoked).toBe(1);
  });

  it("an expired refresh token → invalid_grant and the grant is revoked", async () => {
    await sb.control.config({ refreshTokenTtlSeconds: 3600, accessTokenTtlSeconds: 7200 });
    const t0 = await tokens();
    await sb.control.advanceClock(3601);
    // The access token (2 h) is still valid until the expired refresh token is presented.
    expect(await apiWorks(t0.access_token)).toBe(200);
    const r = await refresh(t0.refresh_token);
    expectOAuthError(r.res, r.body, 400, "invalid_grant");
    expect(r.body.error_description).toMatch(/expired/);
    expect(await apiWorks(t0.access_token)).toBe(401);
    expect((await sb.control.stats()).grantsRevoked).toBe(1);
  });

  it("refresh token lifetime defaults to 60 days", async () => {
    const t0 = await tokens();
    await sb.control.advanceClock(59 * 86400);
    expect((await refresh(t0.refresh_token)).res.status).toBe(200);
  });

  it("wrong client secret on refresh → 401 invalid_client and the token still works after", async () => {
    const t0 = await tokens();
    const bad = await refresh(t0.refresh_token, basic(CLIENT_ID, "x"));
    expectOAuthError(bad.res, bad.body, 401, "invalid_client");
    expect((await refresh(t0.refresh_token)).res.status).toBe(200);
  });

  it("an access token presented as refresh token → invalid_grant; scope widening → invalid_scope", async () => {
    const t0 = await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY_NORDLYS.id, scope: "users:read" });
    const a = await refresh(t0.access_token);
    expectOAuthError(a.res, a.body, 400, "invalid_grant");
    const b = await postToken(sb.url, {
      grant_type: "refresh_token",
      refresh_token: t0.refresh_token,
      scope: "users:read accounts:read",
    });
    expectOAuthError(b.res, b.body, 400, "invalid_scope");
  });

  it("access tokens expire after expires_in seconds of sandbox time", async () => {
    const t0 = await tokens();
    await sb.control.advanceClock(599);
    expect(await apiWorks(t0.access_token)).toBe(200);
    await sb.control.advanceClock(2);
    const r = await api(sb.url, t0.access_token, "/v1/introspect");
    expect(r.status).toBe(401);
    expect(r.json.type).toBe("UNAUTHORIZED");
  });
});

describe("token introspection (RFC 7662)", () => {
  it("describes an active access token with the Pleo subject URN", async () => {
    const t = await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY_NORDLYS.id });
    const res = await fetch(`${sb.url}/oauth/token/introspect`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic() },
      body: new URLSearchParams({ token: t.access_token, token_type_hint: "access_token" }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      active: true,
      client_id: CLIENT_ID,
      token_type: "access_token",
      sub: DEMO_USER.id,
      iss: sb.url,
      "urn:pleo:params:oauth:subject_urn": `urn:pleo:company:${COMPANY_NORDLYS.id}`,
    });
    expect(body.exp).toBe((body.iat as number) + 600);
    expect(await introspectActive(t.refresh_token)).toBe(true);
  });

  it("inactive for unknown or revoked tokens; 401 without Basic client auth", async () => {
    expect(await introspectActive("nope")).toBe(false);
    const t = await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY_NORDLYS.id });
    await sb.control.revoke(COMPANY_NORDLYS.id);
    expect(await introspectActive(t.access_token)).toBe(false);
    const res = await fetch(`${sb.url}/oauth/token/introspect`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: t.access_token, client_id: CLIENT_ID, client_secret: CLIENT_SECRET }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Basic");
  });

  it("only the client that obtained a token may introspect it", async () => {
    const t = await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY_NORDLYS.id });
    // Simulate a token owned by another registered client.
    sb.state.tokens.get(t.access_token)!.clientId = "another-client";
    expect(await introspectActive(t.access_token)).toBe(false);
  });
});

describe("token endpoint: each refusal says what is wrong", () => {
  it("a missing grant_type, code, redirect_uri or code_verifier is named; the counters count every request", async () => {
    const none = await postToken(sb.url, { code: "x" });
    expectOAuthError(none.res, none.body, 400, "invalid_request", "grant_type is required");
    const fields = { grant_type: "authorization_code", code: "c", redirect_uri: REDIRECT_URI, code_verifier: "v" };
    for (const missing of ["code", "redirect_uri", "code_verifier"] as const) {
      const rest: Record<string, string> = { ...fields };
      delete rest[missing];
      const r = await postToken(sb.url, rest);
      expectOAuthError(r.res, r.body, 400, "invalid_request", `${missing} is required`);
    }
    const other = await postToken(sb.url, { grant_type: "client_credentials" });
    expectOAuthError(
      other.res,
      other.body,
      400,
      "unsupported_grant_type",
      "grant_type client_credentials is not supported",
    );
    const json = await fetch(`${sb.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: basic() },
      body: JSON.stringify({ grant_type: "refresh_token" }),
    });
    expectOAuthError(
      json,
      (await json.json()) as Record<string, unknown>,
      400,
      "invalid_request",
      "Content-Type must be application/x-www-form-urlencoded",
    );
    const { code, verifier } = await freshCode();
    expect((await exchange(code, verifier)).res.status).toBe(200);
    const stats = await sb.control.stats();
    expect(stats.tokenRequests).toEqual({ authorization_code: 4, refresh_token: 0, other: 3 });
    expect(stats.tokensIssued).toBe(2);
  });

  it("a form body with a charset parameter is a form body", async () => {
    const { code, verifier } = await freshCode();
    const res = await fetch(`${sb.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded;charset=UTF-8", authorization: basic() },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      }).toString(),
    });
    expect(res.status).toBe(200);
  });

  it("code refusals: unknown, replayed, another client's, wrong redirect_uri", async () => {
    const unknown = await exchange("not-a-code", "v".repeat(43));
    expectOAuthError(unknown.res, unknown.body, 400, "invalid_grant", "Unknown authorization code");

    const a = await freshCode();
    expect((await exchange(a.code, a.verifier)).res.status).toBe(200);
    const replay = await exchange(a.code, a.verifier);
    expectOAuthError(
      replay.res,
      replay.body,
      400,
      "invalid_grant",
      "Authorization code has already been used; tokens issued from it are revoked",
    );

    const b = await freshCode();
    sb.state.codes.get(b.code)!.clientId = "another-client";
    const foreign = await exchange(b.code, b.verifier);
    expectOAuthError(
      foreign.res,
      foreign.body,
      400,
      "invalid_grant",
      "Authorization code was issued to another client",
    );

    const c = await freshCode();
    const wrongUri = await exchange(c.code, c.verifier, basic(), {
      redirect_uri: "http://127.0.0.1:3000/api/auth/callback/pleo",
    });
    expectOAuthError(
      wrongUri.res,
      wrongUri.body,
      400,
      "invalid_grant",
      "redirect_uri does not match the authorization request",
    );
  });

  it("a code_verifier outside RFC 7636's alphabet or 43–128 length fails PKCE even when its hash matches", async () => {
    const valid = "a".repeat(43);
    for (const bad of [`!${valid}`, `${valid}!`, "a".repeat(42), "a".repeat(129)]) {
      const { code } = await freshCode({ code_challenge: s256(bad) });
      const r = await exchange(code, bad);
      expectOAuthError(
        r.res,
        r.body,
        400,
        "invalid_grant",
        "PKCE verification failed: code_verifier does not match code_challenge",
      );
    }
    const longest = "A-._~".repeat(25) + "abc"; // 128 characters
    const { code } = await freshCode({ code_challenge: s256(longest) });
    expect((await exchange(code, longest)).res.status).toBe(200);
  });
});

describe("client authentication in detail", () => {
  const raw = (s: string) => `Basic ${Buffer.from(s).toString("base64")}`;

  it("each failure is named: none, wrong, malformed (no colon, bad escape, not base64), body client_id mismatch", async () => {
    const { code, verifier } = await freshCode();
    const cases: [string | null, Record<string, string>, string][] = [
      [null, {}, "Client authentication required"],
      [null, { client_secret: CLIENT_SECRET }, "Client authentication required"],
      [null, { client_id: CLIENT_ID }, "Client authentication required"],
      [basic(CLIENT_ID, "wrong"), {}, "Client authentication failed"],
      [raw(`:${CLIENT_SECRET}`), {}, "Client authentication failed"],
      [raw(`${CLIENT_ID}${CLIENT_SECRET}`), {}, "Malformed Basic authorization header"],
      [raw(`%zz:${CLIENT_SECRET}`), {}, "Malformed Basic authorization header"],
      [`${basic()} trailing`, {}, "Malformed Basic authorization header"],
      // A malformed Basic header is refused, not passed over for the body's credentials.
      ["Basic !!!", { client_id: CLIENT_ID, client_secret: CLIENT_SECRET }, "Malformed Basic authorization header"],
      [basic(), { client_id: "someone-else" }, "client_id in the body does not match the authenticated client"],
    ];
    for (const [auth, extra, description] of cases) {
      const r = await exchange(code, verifier, auth, extra);
      expectOAuthError(r.res, r.body, 401, "invalid_client", description);
      expect(r.res.headers.get("www-authenticate")).toBe('Basic realm="pleo"');
    }
    // Nothing above consumed the code.
    expect((await exchange(code, verifier)).res.status).toBe(200);
  });

  it("accepts Basic with the same client_id in the body, extra spaces after 'Basic', and another scheme beside body credentials", async () => {
    const ok: [string, Record<string, string>][] = [
      [basic(), { client_id: CLIENT_ID }],
      [basic().replace("Basic ", "Basic   "), {}],
      // Only a header that starts with "Basic" is Basic: this one is another scheme, so the body counts.
      [`Bearer ${basic(CLIENT_ID, "wrong")}`, { client_id: CLIENT_ID, client_secret: CLIENT_SECRET }],
    ];
    for (const [auth, extra] of ok) {
      const { code, verifier } = await freshCode();
      const r = await exchange(code, verifier, auth, extra);
      expect(r.res.status, auth).toBe(200);
    }
  });

  it("Basic credentials are form-urlencoded first: '+' is a space in the client id and the secret", async () => {
    sb.state.config.clientId = "the portal";
    sb.state.config.clientSecret = "a secret+with spaces";
    const encoded = raw("the+portal:a+secret%2Bwith+spaces");
    const res = await introspect(new URLSearchParams({ token: "nope" }).toString(), { authorization: encoded });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ active: false });
  });
});

describe("refresh_token grant: the refusals in detail", () => {
  const tokens = () => getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY_NORDLYS.id });
  const refresh = (rt: string | undefined, scope?: string) =>
    postToken(sb.url, {
      grant_type: "refresh_token",
      ...(rt === undefined ? {} : { refresh_token: rt }),
      ...(scope === undefined ? {} : { scope }),
    });

  it("missing, unknown, another client's, revoked, reused", async () => {
    const missing = await refresh(undefined);
    expectOAuthError(missing.res, missing.body, 400, "invalid_request", "refresh_token is required");
    const t0 = await tokens();
    const access = await refresh(t0.access_token);
    expectOAuthError(access.res, access.body, 400, "invalid_grant", "Unknown refresh token");

    sb.state.tokens.get(t0.refresh_token)!.clientId = "another-client";
    const foreign = await refresh(t0.refresh_token);
    expectOAuthError(foreign.res, foreign.body, 400, "invalid_grant", "Refresh token was issued to another client");

    const t1 = await tokens();
    const r1 = await refresh(t1.refresh_token);
    expect(r1.res.status).toBe(200);
    const reuse = await refresh(t1.refresh_token);
    expectOAuthError(
      reuse.res,
      reuse.body,
      400,
      "invalid_grant",
      "Refresh token was already used; all tokens of this grant are revoked",
    );
    expect((await sb.control.stats()).refreshReuseDetected).toBe(1);
  });

  it("a revoked grant refuses its refresh tokens, rotated or not, as revoked (not as reuse)", async () => {
    const t0 = await tokens();
    const r1 = await refresh(t0.refresh_token);
    expect(r1.res.status).toBe(200);
    await sb.control.revoke(COMPANY_NORDLYS.id, { keepInstallation: true });
    for (const rt of [r1.body.refresh_token as string, t0.refresh_token]) {
      const r = await refresh(rt);
      expectOAuthError(r.res, r.body, 400, "invalid_grant", "Refresh token has been revoked");
    }
    expect((await sb.control.stats()).refreshReuseDetected).toBe(0);
  });

  it("scope may narrow (spaces as separators) but not widen; the refusal names every extra scope", async () => {
    const t0 = await getTokensForCompany({
      sandboxUrl: sb.url,
      companyId: COMPANY_NORDLYS.id,
      scope: "accounting-entries:read users:read companies:read",
    });
    const narrow = await refresh(t0.refresh_token, "  users:read   companies:read ");
    expect(narrow.res.status).toBe(200);
    const wide = await refresh(narrow.body.refresh_token as string, "users:read accounts:read tax-codes:read");
    expectOAuthError(
      wide.res,
      wide.body,
      400,
      "invalid_scope",
      "Scope exceeds the original grant: accounts:read tax-codes:read",
    );
  });

  it("a rotated refresh token introspects as inactive", async () => {
    const t0 = await tokens();
    expect((await refresh(t0.refresh_token)).res.status).toBe(200);
    expect(await introspectActive(t0.refresh_token)).toBe(false);
  });
});

describe("introspection in detail", () => {
  it("a refresh token: its type and space-separated scope; an expired access token is inactive", async () => {
    const t = await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY_NORDLYS.id });
    const res = await introspect(new URLSearchParams({ token: t.refresh_token }).toString());
    expect(await res.json()).toMatchObject({
      active: true,
      token_type: "refresh_token",
      scope: REGISTERED_SCOPES.join(" "),
    });
    await sb.control.advanceClock(601);
    expect(await introspectActive(t.access_token)).toBe(false);
    expect(await introspectActive(t.refresh_token)).toBe(true);
    expect((await sb.control.stats()).introspections).toBe(3);
  });

  it("refuses a non-form body, a missing token and a client without Basic, each named", async () => {
    const json = await introspect(JSON.stringify({ token: "x" }), { "content-type": "application/json" });
    expectOAuthError(
      json,
      (await json.json()) as Record<string, unknown>,
      400,
      "invalid_request",
      "Content-Type must be application/x-www-form-urlencoded",
    );
    const none = await introspect("");
    expectOAuthError(none, (await none.json()) as Record<string, unknown>, 400, "invalid_request", "token is required");
    const noBasic = await introspect(
      new URLSearchParams({ token: "x", client_id: CLIENT_ID, client_secret: CLIENT_SECRET }).toString(),
      { authorization: "" },
    );
    expectOAuthError(
      noBasic,
      (await noBasic.json()) as Record<string, unknown>,
      401,
      "invalid_client",
      "Client authentication required",
    );
  });
});
