import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { customFetch } from "next-auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PleoProvider, TOKEN_OWNER_KEY } from "@/lib/auth/pleo-provider";
import { PleoIdentityError } from "@/lib/pleo/identity";
import { COMPANY_BRIGHTWAVE } from "@/sandbox/seed/fixtures";
import { getTokensForCompany } from "@/sandbox/testing";
import { startTestSandbox, type TestSandbox } from "@/tests/support/sandbox";

// The next-auth provider for Pleo (lib/auth/pleo-provider.ts) on its own: the OAuth settings it hands
// next-auth, the "profile" read from the sandbox over HTTP, what it keeps of a token response, and the
// time limit on its calls to Pleo. The whole sign-in through next-auth is tests/connect/linking.test.ts.

const OPTS = {
  authUrl: "http://127.0.0.1:4010",
  apiUrl: "http://127.0.0.1:4011",
  clientId: "portal-client",
  clientSecret: "portal-secret",
  scopes: "accounting-entries:read companies:read",
};

type TokenSet = { access_token?: string };
type UserInfo = { request(ctx: { tokens: TokenSet }): Promise<unknown> };
type Fetch = typeof fetch;
const userinfoOf = (p: ReturnType<typeof PleoProvider>) => p.userinfo as unknown as UserInfo;
const fetchOf = (p: ReturnType<typeof PleoProvider>) =>
  (p.options as unknown as Record<symbol, Fetch>)[customFetch as unknown as symbol];

describe("PleoProvider's settings", () => {
  it("authorization code with PKCE (S256 is oauth4webapi's) and state, Pleo's endpoints, Basic client auth, our scopes", () => {
    const p = PleoProvider(OPTS);
    expect(p).toMatchObject({
      id: "pleo",
      name: "Pleo",
      type: "oauth",
      issuer: OPTS.authUrl,
      clientId: OPTS.clientId,
      clientSecret: OPTS.clientSecret,
      checks: ["pkce", "state"],
      authorization: { url: `${OPTS.authUrl}/oauth/authorize`, params: { scope: OPTS.scopes } },
      token: { url: `${OPTS.authUrl}/oauth/token` },
      client: { token_endpoint_auth_method: "client_secret_basic" },
      userinfo: { url: `${OPTS.apiUrl}/v1/introspect` },
    });
  });

  it("the user is named after the company, whose id is the account's", () => {
    const owner = { company: { id: COMPANY_BRIGHTWAVE.id, name: "Brightwave" } };
    const profile = PleoProvider(OPTS).profile as (o: typeof owner) => unknown;
    expect(profile(owner)).toEqual({ id: COMPANY_BRIGHTWAVE.id, name: "Brightwave" });
  });

  it("keeps the token response's fields the adapter stores, and the verified owner; nothing else", () => {
    const account = PleoProvider(OPTS).account as (t: Record<string, unknown>) => Record<string, unknown>;
    const owner = { identity: { companyId: COMPANY_BRIGHTWAVE.id } };
    const kept = account({
      access_token: "at",
      refresh_token: "rt",
      expires_at: 1_800_000_000,
      expires_in: 3600,
      scope: "companies:read",
      token_type: "bearer",
      id_token: "not-ours",
      something_else: 1,
      [TOKEN_OWNER_KEY]: owner,
    });
    expect(kept).toStrictEqual({
      access_token: "at",
      refresh_token: "rt",
      expires_at: 1_800_000_000,
      expires_in: 3600,
      scope: "companies:read",
      token_type: "bearer",
      [TOKEN_OWNER_KEY]: owner,
    });
    expect(TOKEN_OWNER_KEY).toBe("pleo_token_owner");
  });
});

describe("PleoProvider's calls to Pleo", () => {
  let sandbox: TestSandbox;
  let silent: Server;
  let silentUrl: string;
  let slow: Server;
  let slowUrl: string;
  beforeAll(async () => {
    sandbox = await startTestSandbox({ entries: 10, rateLimit: false });
    // Accepts the connection and never answers.
    silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    // Answers after 300 ms.
    slow = createServer((_req, res) => {
      res.shouldKeepAlive = false;
      setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}'), 300);
    });
    await new Promise<void>((r) => slow.listen(0, "127.0.0.1", r));
    slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    silent?.closeAllConnections();
    slow?.closeAllConnections();
    await Promise.all([
      sandbox?.close(),
      new Promise<void>((r) => (silent ? silent.close(() => r()) : r())),
      new Promise<void>((r) => (slow ? slow.close(() => r()) : r())),
    ]);
  });

  it("the profile is the company behind the token, read from Pleo's API", async () => {
    const tokens = await getTokensForCompany({ sandboxUrl: sandbox.url, companyId: COMPANY_BRIGHTWAVE.id });
    const p = PleoProvider({ ...OPTS, authUrl: sandbox.url, apiUrl: sandbox.url });
    const owner = (await userinfoOf(p).request({ tokens })) as {
      identity: { companyId: string };
      company: { name: string };
    };
    expect(owner.identity.companyId).toBe(COMPANY_BRIGHTWAVE.id);
    expect(owner.company.name).toBe(COMPANY_BRIGHTWAVE.name);
  });

  it("a token response without an access token is refused before any call", async () => {
    const p = PleoProvider({ ...OPTS, apiUrl: silentUrl, timeoutMs: 60_000 });
    await expect(userinfoOf(p).request({ tokens: {} })).rejects.toThrow("token response carried no access_token");
  });

  it("a Pleo that does not answer ends the profile read at the time limit", async () => {
    const p = PleoProvider({ ...OPTS, apiUrl: silentUrl, timeoutMs: 200 });
    const started = Date.now();
    await expect(userinfoOf(p).request({ tokens: { access_token: "at" } })).rejects.toBeInstanceOf(PleoIdentityError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("the code exchange's fetch has the same limit, unless the caller brings its own signal", async () => {
    const limited = fetchOf(PleoProvider({ ...OPTS, timeoutMs: 200 }));
    await expect(limited(silentUrl)).rejects.toMatchObject({ name: "TimeoutError" });
    const caller = new AbortController();
    const pending = limited(silentUrl, { signal: caller.signal });
    caller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    // The caller's signal replaces the limit: a 300 ms answer arrives although the limit is 200 ms.
    const res = await limited(slowUrl, { signal: new AbortController().signal });
    expect(res.status).toBe(200);
  });

  it("the default limit lets a slow Pleo answer (15 s)", async () => {
    const res = await fetchOf(PleoProvider(OPTS))(slowUrl);
    expect(await res.json()).toEqual({ ok: true });
  });
});
