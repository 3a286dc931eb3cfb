/**
 * What /api/auth/* adds to next-auth (lib/auth/route-handlers.ts), through the real handlers, sandbox
 * and PGlite: each callback's outcome logged once with the sign-in's flow id (the same id /connect/pleo
 * logs at the start), the error page given the classified reason, and nothing logged for other routes.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signInFlowId, signInFlowIdOfUrl } from "@/lib/auth/sign-in-flow";
import { COMPANY_NORDLYS, DEMO_USER } from "@/sandbox/seed/fixtures";
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

  it("other auth routes log no sign-in outcome", async () => {
    const browser = new Browser();
    expect((await h.request(browser, "/api/auth/csrf")).status).toBe(200);
    expect((await h.request(browser, "/api/auth/session")).status).toBe(200);
    await h.startConnect(browser);
    expect(signInLines()).toEqual([]);
  });
});
