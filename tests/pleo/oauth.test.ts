import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  grantFromTokenResponse,
  introspectRefreshToken,
  refreshTokenGrant,
  type OAuthClientConfig,
  type RefreshOutcome,
} from "@/lib/pleo/oauth";
import { COMPANY_BRIGHTWAVE } from "@/sandbox/seed/fixtures";
import { startSandbox, type RunningSandbox } from "@/sandbox/server";
import { getTokensForCompany } from "@/sandbox/testing";
import { freePort } from "@/tests/support/portal-process";

// The refresh_token grant and RFC 7662 introspection (lib/pleo/oauth.ts): what each answer means for the
// token manager, above all whether Pleo may have rotated the refresh token ("processed").

describe("against the sandbox's authorization server", () => {
  // Characters that client_secret_basic must form-encode before Base64 (RFC 6749 §2.3.1): a raw ":" in
  // the id would split it, and "+" or "%" would decode to something else.
  const clientId = "partner portal:1";
  const clientSecret = "s3cret+/é %41";
  let sandbox: RunningSandbox;
  let cfg: OAuthClientConfig;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, quiet: true, entries: 20, clientId, clientSecret });
    // Trailing slashes on the configured URL are tolerated.
    cfg = { authUrl: `${sandbox.url}//`, clientId, clientSecret };
  });
  afterAll(() => sandbox?.close());

  const freshGrant = () =>
    getTokensForCompany({ sandboxUrl: sandbox.url, companyId: COMPANY_BRIGHTWAVE.id, clientId, clientSecret });

  it("rotates: new tokens for the refresh token; the old one is then dead, the new one active", async () => {
    const grant = await freshGrant();
    const outcome = await refreshTokenGrant(cfg, grant.refresh_token);
    expect(outcome).toMatchObject({ kind: "ok", status: 200 });
    const tokens = (outcome as Extract<RefreshOutcome, { kind: "ok" }>).tokens;
    expect(tokens.accessToken).not.toBe(grant.access_token);
    expect(tokens.refreshToken).not.toBe(grant.refresh_token);
    expect(tokens.expiresInSeconds).toBe(600);
    expect(tokens.scope).toBe(grant.scope);

    expect(await introspectRefreshToken(cfg, tokens.refreshToken)).toEqual({ kind: "active" });
    expect(await introspectRefreshToken(cfg, grant.refresh_token)).toEqual({ kind: "inactive" });
    expect(await refreshTokenGrant(cfg, grant.refresh_token)).toMatchObject({ kind: "invalid_grant", status: 400 });
  });

  it("a wrong client secret is rejected as the client's fault, not the grant's", async () => {
    const grant = await freshGrant();
    const outcome = await refreshTokenGrant({ ...cfg, clientSecret: "wrong" }, grant.refresh_token);
    expect(outcome).toMatchObject({ kind: "rejected", status: 401, error: "invalid_client" });
    // Nothing was issued: the refresh token still works.
    expect(await refreshTokenGrant(cfg, grant.refresh_token)).toMatchObject({ kind: "ok" });
  });

  it("a refused connection was never sent: the same token is safe to present again", async () => {
    // A port nothing listens on (one the OS just handed out and took back).
    const nobody = { ...cfg, authUrl: `http://127.0.0.1:${await freePort()}` };
    const outcome = await refreshTokenGrant(nobody, "rt");
    expect(outcome).toMatchObject({ kind: "unavailable", processed: false, status: null, retryAfterMs: null });
    expect((outcome as { detail: string }).detail).toBe("TypeError: fetch failed (ECONNREFUSED)");
    expect(await introspectRefreshToken(nobody, "rt")).toMatchObject({
      kind: "unavailable",
      processed: false,
    });
  });
});

// Answers the sandbox does not give: a Pleo stand-in over real HTTP that records each request and answers
// as the test says.
describe("answers from a stand-in token endpoint", () => {
  type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
  let server: Server;
  let cfg: OAuthClientConfig;
  let handle: Handler;
  const requests: { method?: string; url?: string; headers: IncomingMessage["headers"]; body: string }[] = [];

  const json =
    (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
    (_req, res) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };

  beforeAll(async () => {
    server = createServer((req, res) => {
      // One request per connection: a test that leaves a request hanging cannot spoil the next one's socket.
      res.shouldKeepAlive = false;
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        requests.push({ method: req.method, url: req.url, headers: req.headers, body });
        handle(req, res, body);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cfg = {
      authUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      clientId: "id",
      clientSecret: "secret",
    };
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => {
    requests.length = 0;
  });

  it("sends a Basic-authenticated form to /oauth/token, and to /oauth/token/introspect with a type hint", async () => {
    handle = json(200, { access_token: "a", refresh_token: "r", expires_in: 600 });
    await refreshTokenGrant(cfg, "old rt");
    handle = json(200, { active: true });
    await introspectRefreshToken(cfg, "old rt");
    const basic = `Basic ${Buffer.from("id:secret").toString("base64")}`;
    expect(requests.map((r) => [r.method, r.url, r.headers.authorization, r.body])).toEqual([
      ["POST", "/oauth/token", basic, "grant_type=refresh_token&refresh_token=old+rt"],
      ["POST", "/oauth/token/introspect", basic, "token=old+rt&token_type_hint=refresh_token"],
    ]);
    for (const r of requests) {
      expect(r.headers["content-type"]).toBe("application/x-www-form-urlencoded");
      expect(r.headers.accept).toBe("application/json");
    }
  });

  it("reads the token response's optional fields, and lifetimes sent as strings", async () => {
    handle = json(200, {
      access_token: "a",
      refresh_token: "r",
      expires_in: "600",
      refresh_token_expires_in: 5_184_000,
      scope: "users:read",
    });
    expect(await refreshTokenGrant(cfg, "rt")).toEqual({
      kind: "ok",
      status: 200,
      tokens: {
        accessToken: "a",
        refreshToken: "r",
        expiresInSeconds: 600,
        refreshExpiresInSeconds: 5_184_000,
        scope: "users:read",
      },
    });
    handle = json(200, { access_token: "a", refresh_token: "r", expires_in: 600 });
    expect(await refreshTokenGrant(cfg, "rt")).toMatchObject({ kind: "ok", tokens: { scope: null } });
  });

  it("a 200 it cannot read may have rotated the token: processed is unknown", async () => {
    handle = json(200, { access_token: "a", expires_in: 600 });
    expect(await refreshTokenGrant(cfg, "rt")).toEqual({
      kind: "unavailable",
      processed: "unknown",
      status: 200,
      retryAfterMs: null,
      detail: "token response without access_token/refresh_token/expires_in",
    });
    handle = json(200, "<html>ok</html>");
    expect(await refreshTokenGrant(cfg, "rt")).toMatchObject({ kind: "unavailable", processed: "unknown" });
  });

  it("429 and 5xx issued nothing: processed false, with Pleo's Retry-After", async () => {
    handle = json(503, { error: "temporarily_unavailable" }, { "retry-after": "7" });
    expect(await refreshTokenGrant(cfg, "rt")).toEqual({
      kind: "unavailable",
      processed: false,
      status: 503,
      retryAfterMs: 7000,
      detail: "HTTP 503",
    });
    handle = json(429, { error: "slow_down" });
    expect(await refreshTokenGrant(cfg, "rt")).toMatchObject({ kind: "unavailable", processed: false, status: 429 });
    handle = json(500, "oops");
    expect(await refreshTokenGrant(cfg, "rt")).toMatchObject({ kind: "unavailable", processed: false, status: 500 });
  });

  it("the errors that mean the refresh token is dead, and the ones that do not", async () => {
    for (const error of ["invalid_grant", "invalid_token", "invalid_refresh_token"]) {
      handle = json(400, { error, error_description: `${error} described` });
      expect(await refreshTokenGrant(cfg, "rt")).toEqual({
        kind: "invalid_grant",
        status: 400,
        detail: `${error} described`,
      });
    }
    handle = json(400, { error: "invalid_grant" });
    expect(await refreshTokenGrant(cfg, "rt")).toMatchObject({ kind: "invalid_grant", detail: "invalid_grant" });
    handle = json(400, { error: "unauthorized_client", error_description: "not for this client" });
    expect(await refreshTokenGrant(cfg, "rt")).toEqual({
      kind: "rejected",
      status: 400,
      error: "unauthorized_client",
      detail: "not for this client",
    });
    handle = json(403, "Forbidden");
    expect(await refreshTokenGrant(cfg, "rt")).toEqual({
      kind: "rejected",
      status: 403,
      error: "http_403",
      detail: "HTTP 403",
    });
  });

  it("no answer in time: the request was sent, so processed is unknown", async () => {
    handle = () => {};
    const outcome = await refreshTokenGrant({ ...cfg, timeoutMs: 100 }, "rt");
    expect(outcome).toMatchObject({ kind: "unavailable", processed: "unknown", status: null });
    expect((outcome as { detail: string }).detail).toBe("TimeoutError: The operation was aborted due to timeout");
  });

  it("a body cut off after the headers: unknown after a 200, nothing issued after an error status", async () => {
    const cutOff =
      (status: number): Handler =>
      (_req, res) => {
        res.writeHead(status, { "content-type": "application/json", "content-length": "200" });
        res.write('{"access_token":"a",');
        setTimeout(() => res.socket?.destroy(), 20);
      };
    handle = cutOff(200);
    expect(await refreshTokenGrant(cfg, "rt")).toMatchObject({
      kind: "unavailable",
      processed: "unknown",
      status: 200,
    });
    handle = cutOff(502);
    expect(await refreshTokenGrant(cfg, "rt")).toMatchObject({ kind: "unavailable", processed: false, status: 502 });
  });

  it("introspection: an error status or a body without `active` is unavailable, nothing rotated", async () => {
    handle = json(503, "down", { "retry-after": "3" });
    expect(await introspectRefreshToken(cfg, "rt")).toEqual({
      kind: "unavailable",
      processed: false,
      status: 503,
      retryAfterMs: 3000,
      detail: "introspection HTTP 503",
    });
    handle = json(200, { active: "yes" });
    expect(await introspectRefreshToken(cfg, "rt")).toEqual({
      kind: "unavailable",
      processed: false,
      status: 200,
      retryAfterMs: null,
      detail: "introspection response without `active`",
    });
    handle = json(200, { active: false });
    expect(await introspectRefreshToken(cfg, "rt")).toEqual({ kind: "inactive" });
  });
});

describe("grantFromTokenResponse (the code exchange's answer as next-auth hands it over)", () => {
  const ok = { access_token: "a", refresh_token: "r", expires_in: 600, scope: "x y" };

  it("keeps only string tokens and a string scope", () => {
    expect(grantFromTokenResponse({ ...ok, access_token: 123 })).toBeNull();
    expect(grantFromTokenResponse({ ...ok, refresh_token: { value: "r" } })).toBeNull();
    expect(grantFromTokenResponse({ ...ok, access_token: "" })).toBeNull();
    expect(grantFromTokenResponse({ ...ok, scope: ["x", "y"] })).toMatchObject({ accessToken: "a", scope: null });
  });

  it("needs a lifetime: expires_in, else expires_at; neither, or a non-number, is no grant", () => {
    expect(grantFromTokenResponse({ ...ok, expires_in: undefined })).toBeNull();
    expect(grantFromTokenResponse({ ...ok, expires_in: "600" })).toBeNull();
    expect(grantFromTokenResponse({ ...ok, expires_in: Number.POSITIVE_INFINITY })).toBeNull();
    expect(grantFromTokenResponse({ ...ok, expires_in: undefined, expires_at: 1_600 }, 1_000_000)).toMatchObject({
      expiresInSeconds: 600,
    });
    // Already expired by its own expires_at.
    expect(grantFromTokenResponse({ ...ok, expires_in: undefined, expires_at: 999 }, 1_000_000)).toBeNull();
  });
});
