/** GET /oauth/authorize validation, login and consent forms, deny, sessions. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
