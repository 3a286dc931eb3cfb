/**
 * The next-auth configuration (lib/auth/config.ts) as built for one request: what it takes from the
 * portal's environment, the session the app sees (never a name or a token), and where next-auth's own
 * errors and warnings go. The whole flow through these settings is tests/connect/linking.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildAuthConfig } from "@/lib/auth/config";
import { createFailureSink } from "@/lib/auth/failure-sink";
import { AUTH_ERROR_PAGE } from "@/lib/auth/sign-in";
import { env } from "@/lib/env";
import { configurePortal } from "@/tests/support/env";
import { captureLogger, setProcessLogger } from "@/tests/support/logs";

const SANDBOX = "http://127.0.0.1:4998";

describe("buildAuthConfig", () => {
  let capture: ReturnType<typeof captureLogger>;
  beforeEach(() => {
    configurePortal(SANDBOX, {
      SESSION_IDLE_MINUTES: "45",
      SESSION_MAX_HOURS: "10",
      AUTH_URL: "http://127.0.0.1:3999",
    });
    capture = captureLogger();
    setProcessLogger(capture.logger);
  });
  afterEach(() => setProcessLogger(undefined));

  it("database sessions whose idle timeout is the configured one, moved forward at most once a minute", () => {
    const config = buildAuthConfig({ sessionToken: null });
    expect(config.session).toEqual({ strategy: "database", maxAge: 45 * 60, updateAge: 60 });
    expect(config).toMatchObject({
      secret: env().AUTH_SECRET,
      basePath: "/api/auth",
      trustHost: true,
      debug: false,
      pages: { error: AUTH_ERROR_PAGE, signIn: AUTH_ERROR_PAGE },
    });
    expect(config.secret).toBeTruthy();
    expect(config.adapter).toBeDefined();
  });

  it("one provider, Pleo's, with the configured endpoints, client and scopes", () => {
    const e = env();
    const [pleo] = buildAuthConfig({ sessionToken: null }).providers as unknown as Record<string, unknown>[];
    expect(buildAuthConfig({ sessionToken: null }).providers).toHaveLength(1);
    expect(pleo).toMatchObject({
      id: "pleo",
      clientId: e.PLEO_CLIENT_ID,
      clientSecret: e.PLEO_CLIENT_SECRET,
      authorization: { url: `${e.PLEO_AUTH_URL}/oauth/authorize`, params: { scope: e.PLEO_SCOPES } },
      token: { url: `${e.PLEO_AUTH_URL}/oauth/token` },
      userinfo: { url: `${e.PLEO_API_URL}/v1/introspect` },
    });
    expect(e.PLEO_AUTH_URL).toBe(SANDBOX);
  });

  it("the session the app sees: its expiry, the user's id and the session's companies; no name, no email", async () => {
    const session = buildAuthConfig({ sessionToken: null }).callbacks!.session as unknown as (a: unknown) => unknown;
    const expires = new Date("2026-12-01T00:00:00Z");
    const seen = await session({
      session: {
        expires,
        user: { id: "u1", name: "Brightwave ApS", email: "owner@example.test" },
        companyIds: ["c1", 7, "c2"],
        sessionToken: "secret-token",
      },
      user: { id: "u1", name: "Brightwave ApS", email: "owner@example.test" },
    });
    expect(seen).toStrictEqual({ expires, user: { id: "u1" }, companyIds: ["c1", "c2"] });
  });

  it("the sign-in callback applies the portal's rules to what next-auth passes it", async () => {
    const signIn = buildAuthConfig({ sessionToken: null }).callbacks!.signIn as unknown as (a: unknown) => unknown;
    expect(await signIn({ account: { access_token: "at" }, profile: { name: "not an owner" } })).toBe(
      `${AUTH_ERROR_PAGE}?error=profile_failed`,
    );
    // The account and profile next-auth passes reach the rules: a verified owner whose grant has no
    // refresh token is refused for that reason.
    const owner = { company: { id: "6f2c3a8e-0000-4000-8000-000000000001", name: "Brightwave" } };
    expect(await signIn({ account: { access_token: "at", expires_in: 3600 }, profile: owner })).toBe(
      `${AUTH_ERROR_PAGE}?error=incomplete_grant`,
    );
  });

  it("inside /api/auth, next-auth's errors go to the request's failure sink and are not logged here", () => {
    const failures = createFailureSink();
    const config = buildAuthConfig({ sessionToken: null, failures });
    const err = Object.assign(new Error("CSRF token was missing"), { type: "MissingCSRF" });
    config.logger!.error!(err);
    expect(failures.errors).toEqual([err]);
    expect(failures.reason()).toBe("session_expired");
    expect(capture.lines()).toEqual([]);
  });

  it("elsewhere (auth() in a page), an error is logged by its type, else its name, and its classification only", () => {
    const config = buildAuthConfig({ sessionToken: null });
    config.logger!.error!(Object.assign(new Error('Pleo said {"access_token":"secret"}'), { type: "MissingCSRF" }));
    const unnamed = new Error("no type");
    unnamed.name = "SomethingElse";
    config.logger!.error!(unnamed);
    const lines = capture.lines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 40, msg: "auth error", type: "MissingCSRF", reason: "session_expired" });
    expect(lines[1]).toMatchObject({ level: 40, msg: "auth error", type: "SomethingElse", reason: "server_error" });
    // Never the error's text: it can carry Pleo's response bodies.
    expect(capture.text()).not.toContain("secret");
  });

  it("next-auth's warnings are logged by code, readable (not redacted as an OAuth code is); its debug output is dropped", () => {
    const config = buildAuthConfig({ sessionToken: null });
    config.logger!.warn!("experimental-webauthn");
    config.logger!.debug!("a debug message", { secret: "x" });
    expect(capture.lines()).toEqual([
      expect.objectContaining({ level: 40, msg: "next-auth warning", warning: "experimental-webauthn" }),
    ]);
  });
});
