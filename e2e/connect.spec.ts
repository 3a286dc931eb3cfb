/**
 * The connect flow in real Chromium against the production build and the sandbox: first connect from
 * the landing page, Deny, a second company, reconnecting, signing out, session-scoped access to an
 * account's companies, the Initiation URL opened directly, and failure pages. Also measures click → signed-in time (median of 5, printed).
 */
import type { Page } from "@playwright/test";
import { COMPANY_BRIGHTWAVE, COMPANY_NORDLYS, COMPANY_THISTLE, DEMO_USER, SOLO_USER } from "@/sandbox/seed/fixtures";
import { expectAccessible } from "./support/axe";
import { connectCompany, forgetSandboxLogin, loginAndConsent } from "./support/connect";
import { cspViolations, expect, test } from "./support/test";

test.describe.configure({ mode: "serial" });

const demo = { email: DEMO_USER.email, password: DEMO_USER.password };
const solo = { email: SOLO_USER.email, password: SOLO_USER.password };

const linkedCompanies = (page: Page) => page.getByRole("navigation", { name: "Linked companies" }).getByRole("link");
/** The settings page's section of each company (a region named after it). */
const companySections = (page: Page) => page.getByTestId("company-section").getByRole("heading", { level: 2 });

test.afterEach(async ({ sandbox }) => {
  await sandbox.clearFaults();
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test("landing → Connect Pleo → sandbox login → consent → signed in with the company shown (timed, 5 runs)", async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const total: number[] = [];
  const portalShare: number[] = [];
  for (let run = 0; run < 5; run++) {
    // A fresh browser profile each run: signed out at the portal and at the sandbox.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    if (run === 0) await expectAccessible(page, "landing");
    // Time spent in the portal's own connect steps: the Initiation URL and the OAuth callback.
    let portalMs = 0;
    const sent = new Map<string, number>();
    page.on("request", (r) => sent.set(r.url(), Date.now()));
    page.on("response", (r) => {
      const path = new URL(r.url()).pathname;
      if (path === "/connect/pleo" || path === "/api/auth/callback/pleo")
        portalMs += Date.now() - (sent.get(r.url()) ?? Date.now());
    });
    const started = Date.now();
    await connectCompany(page, {
      ...demo,
      companyName: COMPANY_BRIGHTWAVE.name,
      start: () => page.getByRole("link", { name: "Connect Pleo" }).click(),
    });
    await expect(page).toHaveURL(/\/dashboard/);
    await expect(linkedCompanies(page).filter({ hasText: COMPANY_BRIGHTWAVE.name })).toBeVisible();
    total.push(Date.now() - started);
    portalShare.push(portalMs);
    await context.close();
  }
  const note =
    `click "Connect Pleo" → signed-in page with the company shown: median ${median(total)} ms of 5 ` +
    `(runs ${total.join(", ")} ms; includes the automated sandbox login + consent). ` +
    `Portal's own steps (Initiation URL + callback): median ${median(portalShare)} ms (runs ${portalShare.join(", ")} ms). ` +
    `Run 1 links a new company; runs 2–5 are returning sign-ins (reconnect).`;
  console.log(note);
  test.info().annotations.push({ type: "connect-time", description: note });
});

test("Deny at Pleo ends on a clear page with a way forward, signed out", async ({ page }) => {
  await connectCompany(page, { ...demo, companyName: COMPANY_NORDLYS.name, decision: "Deny" });
  await expect(page).toHaveURL(/\/auth\/error/);
  await expect(page.getByRole("heading", { name: "Connection cancelled" })).toBeVisible();
  await expectAccessible(page, "error page: connection cancelled");
  await expect(page.getByRole("link", { name: "Try again" })).toHaveAttribute("href", "/connect/pleo");
  await page.getByRole("link", { name: "Back to home" }).click();
  await expect(page.getByRole("link", { name: "Connect Pleo" })).toBeVisible();
  await page.goto("/settings/integrations/pleo");
  await expect(page).toHaveURL(/\/$/); // not signed in: the portal sends visitors to the landing page
});

test("links the demo user's second company, reconnects one, then signs out", async ({ page }) => {
  // Returning user: Brightwave is already linked, so this signs in to its account.
  await connectCompany(page, { ...demo, companyName: COMPANY_BRIGHTWAVE.name });
  await expect(linkedCompanies(page)).toHaveText([COMPANY_BRIGHTWAVE.name]);

  // Second company, from the signed-in header (the sandbox remembers the login: straight to consent).
  await connectCompany(page, {
    ...demo,
    companyName: COMPANY_NORDLYS.name,
    start: () => page.getByRole("link", { name: "Connect another company" }).click(),
  });
  await expect(page).toHaveURL(/\/dashboard/);
  await expect(linkedCompanies(page)).toHaveText([COMPANY_BRIGHTWAVE.name, COMPANY_NORDLYS.name]);

  // Reconnect an already-linked company: still the same two companies, both connected.
  await connectCompany(page, { ...demo, companyName: COMPANY_BRIGHTWAVE.name });
  await page.goto("/settings/integrations/pleo");
  await expect(companySections(page)).toHaveText([COMPANY_BRIGHTWAVE.name, COMPANY_NORDLYS.name]);
  for (const name of [COMPANY_BRIGHTWAVE.name, COMPANY_NORDLYS.name]) {
    await expect(page.getByRole("region", { name, exact: true }).getByTestId("connection-status")).toContainText(
      "Connected",
    );
  }

  // No token ever reaches the browser: not in the page, not in the session endpoint.
  const session = await (await page.request.get("/api/auth/session")).json();
  expect(Object.keys(session.user).sort()).toEqual(["id"]);
  expect(JSON.stringify(session)).not.toMatch(/token/i);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("link", { name: "Connect Pleo" })).toBeVisible();
  expect(await (await page.request.get("/api/auth/session")).json()).toBeNull();
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/$/);
});

test("a sign-in via one company does not open the account's other companies (session-scoped access)", async ({
  browser,
}) => {
  // Browser 1: the demo user's admin connects both companies in one session (links or reconnects them).
  const first = await browser.newContext();
  const p1 = await first.newPage();
  await connectCompany(p1, { ...demo, companyName: COMPANY_NORDLYS.name });
  await connectCompany(p1, { ...demo, companyName: COMPANY_BRIGHTWAVE.name });
  await expect(linkedCompanies(p1)).toHaveText([COMPANY_BRIGHTWAVE.name, COMPANY_NORDLYS.name]);

  // Browser 2: someone who completes Pleo's consent for Brightwave only. Same portal account, but Pleo proved
  // Brightwave alone, so Nordlys must stay invisible: not in the header, not in settings, not by URL.
  const second = await browser.newContext();
  const p2 = await second.newPage();
  await connectCompany(p2, { ...demo, companyName: COMPANY_BRIGHTWAVE.name });
  await expect(p2).toHaveURL(/\/dashboard/);
  await expect(linkedCompanies(p2)).toHaveText([COMPANY_BRIGHTWAVE.name]);
  await expect(p2.getByText(COMPANY_NORDLYS.name)).toHaveCount(0);

  await p2.goto("/settings/integrations/pleo");
  await expect(companySections(p2)).toHaveText([COMPANY_BRIGHTWAVE.name]);
  const note = p2.getByRole("note");
  await expect(note).toContainText("1 other company is linked to this portal account; connect it here to view it.");
  await expect(note.getByRole("link", { name: "Connect" })).toHaveAttribute("href", /^\/connect\/pleo/);
  await expect(p2.getByText(COMPANY_NORDLYS.name)).toHaveCount(0);

  await p2.goto(`/settings/integrations/pleo?company=${COMPANY_NORDLYS.id}`);
  await expect(p2.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(p2.getByText(COMPANY_NORDLYS.name)).toHaveCount(0);
  await p2.goto(`/dashboard?company=${COMPANY_NORDLYS.id}`);
  await expect(p2.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expectAccessible(p2, "error page: not found (dashboard)");
  await expect(p2.getByText(COMPANY_NORDLYS.name)).toHaveCount(0);
  const session = await (await p2.request.get("/api/auth/session")).json();
  expect(session.companyIds).toEqual([COMPANY_BRIGHTWAVE.id]);

  // Browser 1 keeps both.
  await p1.goto(`/dashboard?company=${COMPANY_NORDLYS.id}`);
  await expect(linkedCompanies(p1)).toHaveText([COMPANY_BRIGHTWAVE.name, COMPANY_NORDLYS.name]);
  await expect(p1.getByRole("heading", { name: "Not found" })).toHaveCount(0);
  await first.close();
  await second.close();
});

test("opening the Initiation URL directly, signed out, goes straight to Pleo and back signed in", async ({ page }) => {
  await page.goto("/connect/pleo");
  await expect(page.getByRole("heading", { name: "Log in to Pleo" })).toBeVisible();
  await loginAndConsent(page, { ...solo, companyName: COMPANY_THISTLE.name });
  await expect(page).toHaveURL(/\/dashboard/);
  await expect(linkedCompanies(page)).toHaveText([COMPANY_THISTLE.name]);
  await expectAccessible(page, "dashboard right after connecting (first sync)");
});

test("a company linked to another account is refused, and the current account is untouched", async ({
  page,
  sandboxUrl,
}) => {
  await connectCompany(page, { ...solo, companyName: COMPANY_THISTLE.name });
  await forgetSandboxLogin(page, sandboxUrl);
  await connectCompany(page, { ...demo, companyName: COMPANY_NORDLYS.name });
  await expect(
    page.getByRole("heading", { name: "This company is connected to another portal account" }),
  ).toBeVisible();
  await expectAccessible(page, "error page: company linked elsewhere");
  await page.goto("/settings/integrations/pleo");
  await expect(companySections(page)).toHaveText([COMPANY_THISTLE.name]);
});

test("failure pages: Pleo down during the exchange, then Try again succeeds", async ({ page, sandbox }) => {
  await sandbox.fault({ path: "/oauth/token", status: 503, times: 1 });
  await connectCompany(page, { ...solo, companyName: COMPANY_THISTLE.name });
  await expect(page.getByRole("heading", { name: "Pleo is not reachable right now" })).toBeVisible();
  await expectAccessible(page, "error page: Pleo not reachable");
  await expect(page.getByText("Nothing was connected")).toBeVisible();
  await connectCompany(page, {
    ...solo,
    companyName: COMPANY_THISTLE.name,
    start: () => page.getByRole("link", { name: "Try again" }).click(),
  });
  await expect(linkedCompanies(page)).toHaveText([COMPANY_THISTLE.name]);
});

test("failure pages: a callback that does not belong to this browser (state) and a stale PKCE cookie", async ({
  page,
}) => {
  await page.goto("/api/auth/callback/pleo?code=forged&state=forged");
  await expect(page.getByRole("heading", { name: "This sign-in link is no longer valid" })).toBeVisible();
  await expectAccessible(page, "error page: sign-in link not valid");

  // Start a real flow, then lose the PKCE cookie (as when it expires after 15 minutes) before returning.
  await page.goto("/connect/pleo");
  await page.context().clearCookies({ name: "authjs.pkce.code_verifier" });
  await loginAndConsent(page, { ...solo, companyName: COMPANY_THISTLE.name });
  await expect(page.getByRole("heading", { name: "Your connection attempt expired" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Try again" })).toBeVisible();
});

test("failure pages: an unknown ?error=, even a name every object inherits, reads as a server error", async ({
  page,
}) => {
  for (const error of ["constructor", "__proto__", "no-such-code"]) {
    const res = await page.goto(`/auth/error?error=${error}`);
    expect(res?.status()).toBe(200);
    await expect(page.getByTestId("auth-error-code")).toHaveText("Reference: server_error");
    await expect(page.getByRole("link", { name: "Try again" })).toBeVisible();
  }
});

test("the landing page loads no script, and Connect Pleo signs in with JavaScript switched off", async ({
  browser,
}) => {
  // The landing page is the one Pages Router page, with Next's client runtime off (README, "Page weight").
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const landing = await page.goto("/");
  expect(landing?.status()).toBe(200);
  await expect(page.getByRole("heading", { level: 1, name: "See what your Pleo companies spend." })).toBeVisible();
  // The app's stylesheet still applies (the button is styled, not a bare link).
  const connect = page.getByRole("link", { name: "Connect Pleo" });
  expect(await connect.evaluate((a) => getComputedStyle(a).paddingLeft)).not.toBe("0px");
  // No script at all in the HTML: nothing to download, nothing inline (no __NEXT_DATA__ either).
  expect(await page.locator("script").count()).toBe(0);

  // The link is the Initiation URL (a GET handled on the server: no form, no CSRF token needed), and the
  // sandbox's login and consent are plain forms: the whole connect works without JavaScript.
  await connectCompany(page, { ...solo, companyName: COMPANY_THISTLE.name, start: () => connect.click() });
  await expect(page).toHaveURL(/\/dashboard/);
  const session = await (await page.request.get("/api/auth/session")).json();
  expect(session.companyIds).toEqual([COMPANY_THISTLE.id]);
  await context.close();
});

test("security headers as served: a fresh nonce per response on every script, an injected handler blocked", async ({
  page,
  request,
}) => {
  const url = "/auth/error?error=access_denied";
  const [a, b] = [await request.get(url), await request.get(url)];
  const csp = a.headers()["content-security-policy"];
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  expect(nonce).toBeTruthy();
  expect(b.headers()["content-security-policy"]).not.toContain(nonce);
  expect(csp).toContain("'strict-dynamic'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("base-uri 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(csp).toMatch(/form-action 'self' http:\/\/127\.0\.0\.1:\d+(;|$)/);
  expect(a.headers()).toMatchObject({
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
  });
  expect(a.headers()["permissions-policy"]).toContain("camera=()");
  // The portal runs on http here: no HSTS (it would be sent with an https AUTH_URL).
  expect(a.headers()["strict-transport-security"]).toBeUndefined();
  // Every script Next.js rendered carries this response's nonce (scripts without it would not run).
  const scripts = (await a.text()).match(/<script\b[^>]*>/g) ?? [];
  expect(scripts.length).toBeGreaterThan(2);
  for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);

  // An injected inline handler does not run, and the guard every test has (e2e/support/test.ts) sees it.
  await page.goto(url);
  const before = cspViolations.length;
  await page.evaluate(() => {
    document.body.insertAdjacentHTML("beforeend", `<img alt="" src="data:," onerror="window.__injected = true">`);
  });
  await expect.poll(() => cspViolations.length).toBeGreaterThan(before);
  expect(await page.evaluate(() => (window as { __injected?: boolean }).__injected)).toBeUndefined();
  expect(cspViolations.splice(before).join("\n")).toMatch(/script-src/);
});
