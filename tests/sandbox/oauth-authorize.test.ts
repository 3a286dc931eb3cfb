/** GET /oauth/authorize validation, login and consent forms, deny, sessions. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  COMPANY_BRIGHTWAVE,
  COMPANY_NORDLYS,
  COMPANY_THISTLE,
  DEMO_USER,
  REGISTERED_SCOPES,
  SOLO_USER,
} from "@/sandbox/seed/fixtures";
import { authorizeViaForms } from "@/sandbox/testing";
import { startTestSandbox, type InProcessSandbox } from "@/tests/support/sandbox";
import { REDIRECT_URI, validAuthorize } from "./helpers";

let sb: InProcessSandbox;
beforeAll(async () => {
  // The sandbox's default size: these tests are about the authorize endpoint, not data.
  sb = await startTestSandbox({ entries: 5000 });
});
afterAll(async () => {
  await sb.close();
});

async function get(url: string) {
  return fetch(url, { redirect: "manual" });
}

function redirectParams(res: Response) {
  const loc = res.headers.get("location");
  expect(loc, "expected a redirect").toBeTruthy();
  const url = new URL(loc!);
  expect(`${url.origin}${url.pathname}`).toBe(REDIRECT_URI);
  return url.searchParams;
}

describe("authorize: errors shown as a page, never redirected", () => {
  it("unknown client_id → 400 HTML page without Location", async () => {
    const { url } = validAuthorize(sb.url, { client_id: "no-such-client" });
    const res = await get(url);
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("Unknown application");
  });

  it("unregistered redirect_uri → 400 page, even a near match", async () => {
    for (const redirect of ["http://evil.test/cb", `${REDIRECT_URI}/`, `${REDIRECT_URI}?x=1`, undefined]) {
      const { url } = validAuthorize(sb.url, { redirect_uri: redirect });
      const res = await get(url);
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      expect(await res.text()).toContain("Invalid redirect URI");
    }
  });
});

describe("authorize: other errors redirect with error, error_description and state", () => {
  const cases: [string, Record<string, string | undefined>, string][] = [
    ["plain PKCE", { code_challenge_method: "plain" }, "invalid_request"],
    ["missing code_challenge_method", { code_challenge_method: undefined }, "invalid_request"],
    ["missing code_challenge", { code_challenge: undefined }, "invalid_request"],
    ["malformed code_challenge", { code_challenge: "too-short" }, "invalid_request"],
    ["response_type=token", { response_type: "token" }, "unsupported_response_type"],
    ["missing response_type", { response_type: undefined }, "invalid_request"],
    ["unknown scope", { scope: "accounting-entries:read export-jobs:write" }, "invalid_scope"],
    ["malformed subject", { urn_pleo_params_oauth_subject: "company-1" }, "invalid_request"],
  ];
  for (const [name, overrides, error] of cases) {
    it(`${name} → ${error}`, async () => {
      const { url, state } = validAuthorize(sb.url, overrides);
      const res = await get(url);
      expect(res.status).toBe(302);
      const p = redirectParams(res);
      expect(p.get("error")).toBe(error);
      expect(p.get("error_description")).toBeTruthy();
      expect(p.get("state")).toBe(state);
      expect(p.get("code")).toBeNull();
    });
  }
});

describe("login page", () => {
  it("is a labelled form that shows the demo credentials", async () => {
    const { url } = validAuthorize(sb.url);
    const res = await get(url);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<label for="email">Email<\/label>/);
    expect(html).toMatch(/<input id="email"[^>]*type="email"/);
    expect(html).toMatch(/<label for="password">Password<\/label>/);
    expect(html).toMatch(/<input id="password"[^>]*type="password"/);
    expect(html).toMatch(/<button type="submit">Log in<\/button>/);
    expect(html).toContain(DEMO_USER.email);
    expect(html).toContain(SOLO_USER.email);
    expect(html).toContain(`<code>${DEMO_USER.password}</code>`);
  });

  it("a wrong password re-renders the form with an alert and issues no code", async () => {
    const { url } = validAuthorize(sb.url);
    const result = await authorizeViaForms({ authorizeUrl: url, email: DEMO_USER.email, password: "wrong" });
    expect(result.status).toBe(401);
    expect(result.error).toBe("login_failed");
    expect(result.code).toBeUndefined();
  });

  it("an unknown or expired request id gives a 400 page", async () => {
    const res = await fetch(`${sb.url}/oauth/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ request_id: "nope", email: DEMO_USER.email, password: DEMO_USER.password }),
      redirect: "manual",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("no longer valid");
  });
});

describe("consent", () => {
  async function consentHtml(email: string, password: string, overrides: Record<string, string | undefined> = {}) {
    const { url } = validAuthorize(sb.url, overrides);
    const first = await get(url);
    const requestId = /name="request_id" value="([^"]+)"/.exec(await first.text())![1];
    const login = await fetch(`${sb.url}/oauth/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ request_id: requestId, email, password }),
      redirect: "manual",
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.getSetCookie()[0].split(";")[0];
    const consent = await fetch(new URL(login.headers.get("location")!, sb.url), {
      headers: { cookie },
      redirect: "manual",
    });
    expect(consent.status).toBe(200);
    return consent.text();
  }

  it("offers one labelled radio per company of the demo user, plus Allow and Deny", async () => {
    const html = await consentHtml(DEMO_USER.email, DEMO_USER.password);
    const radios = [...html.matchAll(/type="radio" id="company-([^"]+)" name="company_id"/g)].map((m) => m[1]);
    expect(radios).toEqual([COMPANY_NORDLYS.id, COMPANY_BRIGHTWAVE.id]);
    expect(html).toContain(`<label for="company-${COMPANY_NORDLYS.id}"`);
    expect(html).toContain(`>${COMPANY_NORDLYS.name}</label>`);
    expect(html).toContain(">Brightwave Studio B.V.</label>");
    expect(html).toMatch(/<button[^>]*value="allow"[^>]*>Allow<\/button>/);
    expect(html).toMatch(/<button[^>]*value="deny"[^>]*>Deny<\/button>/);
  });

  it("the solo user sees only their company", async () => {
    const html = await consentHtml(SOLO_USER.email, SOLO_USER.password);
    const radios = [...html.matchAll(/name="company_id" value="([^"]+)"/g)].map((m) => m[1]);
    expect(radios).toEqual([COMPANY_THISTLE.id]);
  });

  it("urn_pleo_params_oauth_subject preselects that company", async () => {
    const html = await consentHtml(DEMO_USER.email, DEMO_USER.password, {
      urn_pleo_params_oauth_subject: `urn:pleo:company:${COMPANY_BRIGHTWAVE.id}`,
    });
    expect(html).toMatch(new RegExp(`value="${COMPANY_BRIGHTWAVE.id}" checked`));
    expect(html).not.toMatch(new RegExp(`value="${COMPANY_NORDLYS.id}" checked`));
  });

  it("Deny redirects with error=access_denied and the state", async () => {
    const { url, state } = validAuthorize(sb.url);
    const result = await authorizeViaForms({
      authorizeUrl: url,
      email: DEMO_USER.email,
      password: DEMO_USER.password,
      deny: true,
    });
    expect(result.error).toBe("access_denied");
    expect(result.state).toBe(state);
    expect(result.code).toBeUndefined();
    expect(result.location.startsWith(REDIRECT_URI)).toBe(true);
  });

  it("Allow redirects with a code and the state; a company the user lacks is refused", async () => {
    const { url, state } = validAuthorize(sb.url);
    const ok = await authorizeViaForms({
      authorizeUrl: url,
      email: DEMO_USER.email,
      password: DEMO_USER.password,
      companyId: COMPANY_BRIGHTWAVE.id,
    });
    expect(ok.code).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(ok.state).toBe(state);
    const code = sb.state.codes.get(ok.code!);
    expect(code?.companyId).toBe(COMPANY_BRIGHTWAVE.id);

    const other = validAuthorize(sb.url);
    const refused = await authorizeViaForms({
      authorizeUrl: other.url,
      email: SOLO_USER.email,
      password: SOLO_USER.password,
      companyId: COMPANY_NORDLYS.id,
    });
    expect(refused.code).toBeUndefined();
    expect(refused.status).toBe(400);
  });

  it("a missing scope defaults to every registered scope", async () => {
    const { url } = validAuthorize(sb.url, { scope: undefined });
    const ok = await authorizeViaForms({ authorizeUrl: url, email: DEMO_USER.email, password: DEMO_USER.password });
    expect(sb.state.codes.get(ok.code!)?.scope).toEqual([...REGISTERED_SCOPES]);
  });

  it("a logged-in browser skips the login form on the next authorize", async () => {
    const first = validAuthorize(sb.url);
    const page = await (await get(first.url)).text();
    const requestId = /name="request_id" value="([^"]+)"/.exec(page)![1];
    const login = await fetch(`${sb.url}/oauth/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ request_id: requestId, email: DEMO_USER.email, password: DEMO_USER.password }),
      redirect: "manual",
    });
    const cookie = login.headers.getSetCookie()[0].split(";")[0];
    const second = validAuthorize(sb.url);
    const res = await fetch(second.url, { headers: { cookie }, redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toMatch(/^\/oauth\/consent\?request_id=/);
  });
});

function postForm(path: string, fields: Record<string, string>, cookie?: string) {
  return fetch(`${sb.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

/** GET /oauth/authorize without a session: the login page and the request id it carries. */
async function startLogin(overrides: Record<string, string | undefined> = {}) {
  const a = validAuthorize(sb.url, overrides);
  const res = await get(a.url);
  expect(res.status).toBe(200);
  const page = await res.text();
  const requestId = /name="request_id" value="([^"]+)"/.exec(page)![1];
  return { ...a, res, page, requestId };
}

async function login(requestId: string, email: string = DEMO_USER.email, password: string = DEMO_USER.password) {
  const res = await postForm("/oauth/login", { request_id: requestId, email, password });
  expect(res.status).toBe(303);
  return { res, cookie: res.headers.getSetCookie()[0].split(";")[0] };
}

describe("authorize pages in detail", () => {
  it("the unknown-client page quotes the client_id (empty when missing), has a title and is no-store", async () => {
    const named = await get(validAuthorize(sb.url, { client_id: "no-such-client" }).url);
    expect(named.headers.get("cache-control")).toBe("no-store");
    const page = await named.text();
    expect(page).toContain("<title>Unknown application · Pleo sandbox</title>");
    expect(page).toContain("No OAuth client is registered with client_id &#34;no-such-client&#34;.");
    const missing = await get(validAuthorize(sb.url, { client_id: undefined }).url);
    expect(await missing.text()).toContain("No OAuth client is registered with client_id &#34;&#34;.");
    const uri = await get(validAuthorize(sb.url, { redirect_uri: "http://evil.test/cb" }).url);
    expect(await uri.text()).toContain(
      "The redirect_uri does not exactly match a URI registered for this application.",
    );
  });

  it("each redirected error says what is wrong", async () => {
    const valid43 = "a".repeat(43);
    const subject = `urn:pleo:company:${COMPANY_BRIGHTWAVE.id}`;
    const cases: [Record<string, string | undefined>, string, string][] = [
      [
        { code_challenge_method: undefined },
        "invalid_request",
        "PKCE is required: send code_challenge and code_challenge_method=S256",
      ],
      [
        { code_challenge: undefined },
        "invalid_request",
        "PKCE is required: send code_challenge and code_challenge_method=S256",
      ],
      [
        { code_challenge_method: undefined, code_challenge: undefined },
        "invalid_request",
        "PKCE is required: send code_challenge and code_challenge_method=S256",
      ],
      [
        { code_challenge: `!${valid43}` },
        "invalid_request",
        "code_challenge must be the base64url-encoded SHA-256 of the code_verifier (43 characters)",
      ],
      [
        { code_challenge: `${valid43}a` },
        "invalid_request",
        "code_challenge must be the base64url-encoded SHA-256 of the code_verifier (43 characters)",
      ],
      [
        { urn_pleo_params_oauth_subject: `x${subject}` },
        "invalid_request",
        "urn_pleo_params_oauth_subject must be urn:pleo:company:<uuid>",
      ],
      [
        { urn_pleo_params_oauth_subject: `${subject}x` },
        "invalid_request",
        "urn_pleo_params_oauth_subject must be urn:pleo:company:<uuid>",
      ],
      [
        { scope: "users:read payroll:write cards:write" },
        "invalid_scope",
        "Scope not registered for this client: payroll:write cards:write",
      ],
    ];
    for (const [overrides, error, description] of cases) {
      const res = await get(validAuthorize(sb.url, overrides).url);
      expect(res.status).toBe(302);
      const p = redirectParams(res);
      expect(p.get("error")).toBe(error);
      expect(p.get("error_description")).toBe(description);
    }
  });

  it("without a state the error redirect carries none", async () => {
    const res = await get(validAuthorize(sb.url, { state: undefined, response_type: "token" }).url);
    const p = redirectParams(res);
    expect(p.get("error")).toBe("unsupported_response_type");
    expect(p.has("state")).toBe(false);
  });

  it("scope: surrounding and repeated spaces are separators; a blank scope means every registered one", async () => {
    const spaced = validAuthorize(sb.url, { scope: "  companies:read   users:read " });
    const a = await authorizeViaForms({
      authorizeUrl: spaced.url,
      email: DEMO_USER.email,
      password: DEMO_USER.password,
    });
    expect(sb.state.codes.get(a.code!)?.scope).toEqual(["users:read", "companies:read"]);
    const blank = validAuthorize(sb.url, { scope: "  " });
    const b = await authorizeViaForms({
      authorizeUrl: blank.url,
      email: DEMO_USER.email,
      password: DEMO_USER.password,
    });
    expect(sb.state.codes.get(b.code!)?.scope).toEqual([...REGISTERED_SCOPES]);
  });

  it("the first login page: titled, no alert, an empty email field; HTML-special input is escaped back", async () => {
    const { res, page, requestId } = await startLogin();
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(page).toContain("<title>Log in · Pleo sandbox</title>");
    expect(page).not.toContain('role="alert"');
    // Nothing at all where the alert would be.
    expect(page).toContain("your Pleo account.</p>\n\n<form");
    expect(page).toMatch(/<input id="email"[^>]* value="">/);

    const before = await sb.control.stats();
    const bad = await postForm("/oauth/login", { request_id: requestId, email: `<b>"x"&'y'`, password: "p" });
    expect(bad.status).toBe(401);
    const html = await bad.text();
    expect(html).toContain('<p class="error" role="alert">Incorrect email or password.</p>');
    expect(html).toContain('value="&#60;b&#62;&#34;x&#34;&#38;&#39;y&#39;"');
    expect((await sb.control.stats()).failedLogins).toBe(before.failedLogins + 1);
  });

  it("login: email trimmed and case-folded; another user's email with this password fails; a missing email fails", async () => {
    const { requestId } = await startLogin();
    const attempts: Record<string, string>[] = [
      { email: SOLO_USER.email, password: DEMO_USER.password },
      { password: DEMO_USER.password },
      { email: DEMO_USER.email },
    ];
    for (const fields of attempts) {
      const res = await postForm("/oauth/login", { request_id: requestId, ...fields });
      expect(res.status).toBe(401);
      expect(await res.text()).toContain("Incorrect email or password.");
    }
    const ok = await login(requestId, `  ${DEMO_USER.email.toUpperCase()} `);
    expect(ok.res.headers.get("location")).toBe(`/oauth/consent?request_id=${requestId}`);
  });

  it("the session cookie is HttpOnly, SameSite=Lax and limited to /oauth", async () => {
    const { requestId } = await startLogin();
    const { res } = await login(requestId);
    const setCookie = res.headers.getSetCookie()[0];
    expect(setCookie).toMatch(/^pleo_sandbox_session=[^;]+; Path=\/oauth; HttpOnly; SameSite=Lax$/);
  });

  it("counts authorize requests, logins, failed logins, consents allowed and denied", async () => {
    const before = await sb.control.stats();
    const allow = validAuthorize(sb.url);
    await authorizeViaForms({ authorizeUrl: allow.url, email: DEMO_USER.email, password: DEMO_USER.password });
    const deny = validAuthorize(sb.url);
    await authorizeViaForms({
      authorizeUrl: deny.url,
      email: DEMO_USER.email,
      password: DEMO_USER.password,
      deny: true,
    });
    const bad = validAuthorize(sb.url);
    await authorizeViaForms({ authorizeUrl: bad.url, email: DEMO_USER.email, password: "wrong" });
    const after = await sb.control.stats();
    expect(after.authorizeRequests - before.authorizeRequests).toBe(3);
    expect(after.logins - before.logins).toBe(2);
    expect(after.failedLogins - before.failedLogins).toBe(1);
    expect(after.consents.allowed - before.consents.allowed).toBe(1);
    expect(after.consents.denied - before.consents.denied).toBe(1);
  });
});

describe("consent in detail", () => {
  it("the page: titled, no alert, every requested scope listed in order, the other company unchecked", async () => {
    const { requestId } = await startLogin();
    const { cookie } = await login(requestId);
    const res = await fetch(`${sb.url}/oauth/consent?request_id=${requestId}`, { headers: { cookie } });
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    expect(html).toContain("<title>Authorize application · Pleo sandbox</title>");
    expect(html).not.toContain('role="alert"');
    expect(html).toContain(`Signed in as ${DEMO_USER.name}.</p>\n\n<form`);
    expect(html).toContain(
      '<ul class="scopes"><li><code>accounting-entries:read</code></li><li><code>users:read</code></li><li><code>companies:read</code></li></ul>',
    );
    expect(html).toContain(`value="${COMPANY_NORDLYS.id}" checked required>`);
    expect(html).toContain(`value="${COMPANY_BRIGHTWAVE.id}" required>`);
  });

  it("a subject company the user does not have preselects their first company", async () => {
    const { requestId } = await startLogin({
      urn_pleo_params_oauth_subject: `urn:pleo:company:${COMPANY_BRIGHTWAVE.id}`,
    });
    const { cookie } = await login(requestId, SOLO_USER.email, SOLO_USER.password);
    const html = await (await fetch(`${sb.url}/oauth/consent?request_id=${requestId}`, { headers: { cookie } })).text();
    expect(html).toContain(`value="${COMPANY_THISTLE.id}" checked required>`);
  });

  it("GET without a session shows the login form for the same request; an unknown request is the expired page", async () => {
    const { requestId } = await startLogin();
    const res = await fetch(`${sb.url}/oauth/consent?request_id=${requestId}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`<input type="hidden" name="request_id" value="${requestId}">`);
    const { cookie } = await login(requestId);
    const unknown = await fetch(`${sb.url}/oauth/consent?request_id=nope`, { headers: { cookie } });
    expect(unknown.status).toBe(400);
    const html = await unknown.text();
    expect(html).toContain("<title>Link expired · Pleo sandbox</title>");
    expect(html).toContain("This sign-in request is no longer valid. Start again from the application.");
  });

  it("POST: unknown request → expired page; no session or another user's session → 403; nothing issued", async () => {
    const { requestId } = await startLogin();
    const { cookie } = await login(requestId);
    const decide = { decision: "allow", company_id: COMPANY_NORDLYS.id };
    const unknown = await postForm("/oauth/consent", { request_id: "nope", ...decide }, cookie);
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("Link expired");

    const other = await startLogin();
    const solo = await login(other.requestId, SOLO_USER.email, SOLO_USER.password);
    for (const c of [undefined, solo.cookie]) {
      const res = await postForm("/oauth/consent", { request_id: requestId, ...decide }, c);
      expect(res.status).toBe(403);
      const html = await res.text();
      expect(html).toContain("<title>Not signed in · Pleo sandbox</title>");
      expect(html).toContain("Your session ended. Start again from the application.");
    }
    // The request is still open for its own user.
    const ok = await postForm("/oauth/consent", { request_id: requestId, ...decide }, cookie);
    expect(ok.status).toBe(303);
    expect(new URL(ok.headers.get("location")!).searchParams.get("code")).toBeTruthy();
  });

  it("POST without a decision re-renders the form with an alert and issues no code", async () => {
    const { requestId } = await startLogin();
    const { cookie } = await login(requestId);
    const codes = sb.state.codes.size;
    const res = await postForm("/oauth/consent", { request_id: requestId, company_id: COMPANY_NORDLYS.id }, cookie);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<p class="error" role="alert">Choose Allow or Deny.</p>');
    expect(sb.state.codes.size).toBe(codes);
  });

  it("Deny describes itself; without a state neither answer carries one", async () => {
    const deny = validAuthorize(sb.url, { state: undefined });
    const denied = await authorizeViaForms({
      authorizeUrl: deny.url,
      email: DEMO_USER.email,
      password: DEMO_USER.password,
      deny: true,
    });
    expect(denied.errorDescription).toBe("The user denied access");
    expect(new URL(denied.location).searchParams.has("state")).toBe(false);
    const allow = validAuthorize(sb.url, { state: undefined });
    const allowed = await authorizeViaForms({
      authorizeUrl: allow.url,
      email: DEMO_USER.email,
      password: DEMO_USER.password,
    });
    expect(allowed.code).toBeTruthy();
    expect(new URL(allowed.location).searchParams.has("state")).toBe(false);
  });
});

describe("lifetimes (sandbox clock)", () => {
  afterEach(async () => {
    await sb.control.reset();
  });

  it("a login request expires after 15 minutes", async () => {
    const { requestId } = await startLogin();
    await sb.control.advanceClock(15 * 60 + 1);
    const res = await postForm("/oauth/login", {
      request_id: requestId,
      email: DEMO_USER.email,
      password: DEMO_USER.password,
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<title>Link expired · Pleo sandbox</title>");
  });

  it("a sandbox session lasts 8 hours", async () => {
    const { requestId } = await startLogin();
    const { cookie } = await login(requestId);
    await sb.control.advanceClock(8 * 3600 - 60);
    const still = await fetch(validAuthorize(sb.url).url, { headers: { cookie }, redirect: "manual" });
    expect(still.status).toBe(303);
    await sb.control.advanceClock(61);
    const gone = await fetch(validAuthorize(sb.url).url, { headers: { cookie }, redirect: "manual" });
    expect(gone.status).toBe(200);
    expect(await gone.text()).toContain('action="/oauth/login"');
  });
});
