/**
 * What /api/auth/* adds to next-auth (lib/auth/route-handlers.ts), through the real handlers, sandbox
 * and PGlite: each callback's outcome logged once with the sign-in's flow id (the same id /connect/pleo
 * logs at the start), the error page given the classified reason, and nothing logged for other routes.
 */
import { NextRequest } from "next/server";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signInFlowId, signInFlowIdOfUrl } from "@/lib/auth/sign-in-flow";
import { PEER_ADDRESS_HEADER } from "@/lib/limits/client-address";
import { COMPANY_BRIGHTWAVE, COMPANY_NORDLYS, DEMO_USER } from "@/sandbox/seed/fixtures";
import { captureLogger, setProcessLogger } from "@/tests/support/logs";
import { Browser, errorCodeOf, PORTAL, startHarness, type Harness } from "./harness";

const demo = { email: DEMO_USER.email, password: DEMO_USER.password, companyId: COMPANY_NORDLYS.id };

describe("the auth route handlers", () => {
  let h: Harness;
  let capture: ReturnType<typeof captureLogger>;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());
  beforeEach(() => {
    capture = captureLogger();
    setProcessLogger(capture.logger);
  });
  afterEach(async () => {
    setProcessLogger(undefined);
    await h.sandbox.control.clearFaults();
    h.world.configure({ AUTH_URL: PORTAL });
  });

  const signInLines = () =>
    capture.lines().filter((l) => typeof l.event === "string" && (l.event as string).startsWith("auth.signin."));

  it("a completed sign-in is logged once, with the flow id of the authorization request's state", async () => {
    const browser = new Browser();
    const callback = await h.authorize(browser, demo);
    const state = new URL(callback, PORTAL).searchParams.get("state");
    expect(state).toBeTruthy();
    expect(await h.finish(browser, callback)).toBe(`${PORTAL}/dashboard`);

    const lines = signInLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ event: "auth.signin.done", flow: signInFlowId(state), msg: "sign-in completed" });
    expect(lines[0].flow).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it("a refused consent ends on the error page as access_denied, logged as a failure of that flow", async () => {
    const browser = new Browser();
    const callback = await h.authorize(browser, { ...demo, deny: true });
    const state = new URL(callback, PORTAL).searchParams.get("state");
    const location = await h.finish(browser, callback);
    expect(errorCodeOf(location)).toBe("access_denied");
    // Only the reason was replaced: the page and the rest of the redirect are next-auth's.
    expect(new URL(location).origin).toBe(PORTAL);

    const lines = signInLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      event: "auth.signin.failed",
      flow: signInFlowId(state),
      path: "/api/auth/callback/pleo",
      reason: "access_denied",
      level: 40,
      msg: "sign-in failed",
    });
    expect(lines[0].type).toEqual(expect.any(String));
  });

  it("a Pleo error on the code exchange names its reason on the error page instead of next-auth's generic one", async () => {
    const browser = new Browser();
    const callback = await h.authorize(browser, demo);
    await h.sandbox.control.fault({ path: "/oauth/token", status: 503, times: 1 });
    const location = await h.finish(browser, callback);
    expect(errorCodeOf(location)).toBe("pleo_unavailable");
    expect(signInLines()).toMatchObject([{ event: "auth.signin.failed", reason: "pleo_unavailable" }]);
  });

  it("the authorization request's flow id is the one the callback logs", async () => {
    const browser = new Browser();
    const authorizeUrl = await h.startConnect(browser);
    const state = new URL(authorizeUrl).searchParams.get("state");
    expect(signInFlowIdOfUrl(authorizeUrl)).toBe(signInFlowId(state));
  });

  it("other auth routes, and paths below a callback, log no sign-in outcome; next-auth warns of nothing", async () => {
    const browser = new Browser();
    expect((await h.request(browser, "/api/auth/csrf")).status).toBe(200);
    expect((await h.request(browser, "/api/auth/session")).status).toBe(200);
    await h.startConnect(browser);
    await h.request(browser, "/api/auth/callback/pleo/extra?code=x&state=y");
    expect(signInLines()).toEqual([]);
    expect(capture.lines().filter((l) => l.msg === "next-auth warning")).toEqual([]);
  });

  it("a HEAD request reaches next-auth without a body (a request carrying one would fail to build)", async () => {
    const res = await h.handlers.GET(new NextRequest(`${PORTAL}/api/auth/csrf`, { method: "HEAD" }));
    // next-auth's own answer: it serves GET and POST only.
    expect(res.status).toBe(400);
  });

  it("a provider error other than a refusal stays a provider error", async () => {
    const browser = new Browser();
    const state = new URL(await h.startConnect(browser)).searchParams.get("state");
    const location = await h.finish(browser, `/api/auth/callback/pleo?error=server_error&state=${state}`);
    expect(errorCodeOf(location)).toBe("provider_error");
  });

  it("error=access_denied on a callback whose state is not this browser's is a state mismatch, not a refusal", async () => {
    const browser = new Browser();
    await h.startConnect(browser);
    const location = await h.finish(browser, "/api/auth/callback/pleo?error=access_denied&state=forged");
    expect(errorCodeOf(location)).toBe("state_mismatch");
    expect(signInLines()).toMatchObject([{ event: "auth.signin.failed", reason: "state_mismatch" }]);
  });

  it("the signed-in browser's session (its cookie read on this origin) gains a second company", async () => {
    const browser = new Browser();
    expect(await h.connect(browser, demo)).toBe(`${PORTAL}/dashboard`);
    const first = browser.sessionToken();
    expect(await h.connect(browser, { ...demo, companyId: COMPANY_BRIGHTWAVE.id })).toBe(`${PORTAL}/dashboard`);
    expect(browser.sessionToken()).toBe(first);
    const session = (await (await h.request(browser, "/api/auth/session")).json()) as { companyIds: string[] };
    expect([...session.companyIds].sort()).toEqual([COMPANY_BRIGHTWAVE.id, COMPANY_NORDLYS.id].sort());
  });

  it("only the callback is limited per client: past the limit it answers 429, other routes still answer", async () => {
    h.world.configure({ AUTH_URL: PORTAL, RATE_LIMIT_CALLBACK: "2" });
    const get = (path: string) =>
      h.handlers.GET(
        new NextRequest(`${PORTAL}${path}`, { headers: { [PEER_ADDRESS_HEADER]: "192.0.2.77", accept: "text/html" } }),
      );
    for (let i = 0; i < 2; i++) expect((await get("/api/auth/callback/pleo?code=c&state=forged")).status).not.toBe(429);
    const limited = await get("/api/auth/callback/pleo?code=c&state=forged");
    expect(limited.status).toBe(429);
    // The page offers a way back.
    expect(await limited.text()).toContain('<a href="/">Back to the portal</a>');
    for (let i = 0; i < 3; i++) expect((await get("/api/auth/csrf")).status).toBe(200);
    // A path below the callback is not the callback: next-auth answers it, unlimited.
    for (let i = 0; i < 2; i++) expect((await get("/api/auth/callback/pleo/extra?code=c")).status).not.toBe(429);
  });
});

describe("the auth route handlers behind an https AUTH_URL", () => {
  // next-auth names the session cookie `__Secure-authjs.session-token` on an https origin; the sign-in
  // check must read that one, or a signed-in user's second company would start a new account.
  const HTTPS_PORTAL = "https://127.0.0.1:3999";
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness("pglite", HTTPS_PORTAL);
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.world.configure());

  it("the signed-in browser's __Secure- session cookie is read: the second company joins the same account and session", async () => {
    const browser = new Browser();
    expect(await h.connect(browser, demo)).toBe(`${HTTPS_PORTAL}/dashboard`);
    expect(browser.cookies.has("__Secure-authjs.session-token")).toBe(true);
    expect(browser.cookies.has("authjs.session-token")).toBe(false);
    const first = browser.sessionToken();
    expect(await h.connect(browser, { ...demo, companyId: COMPANY_BRIGHTWAVE.id })).toBe(`${HTTPS_PORTAL}/dashboard`);
    expect(browser.sessionToken()).toBe(first);
    expect(await h.db.prisma.user.count()).toBe(1);
    const session = (await (await h.request(browser, "/api/auth/session")).json()) as { companyIds: string[] };
    expect([...session.companyIds].sort()).toEqual([COMPANY_BRIGHTWAVE.id, COMPANY_NORDLYS.id].sort());
  });
});
