/**
 * The uninstall at Pleo with a disconnected company's stored grant (lib/pleo/uninstall.ts) on its own,
 * against the real sandbox over HTTP and a real PGlite database: each of Pleo's answers becomes one
 * outcome (never a throw), the grant is refreshed when its access token is about to expire or Pleo
 * refuses it, a refresh is marked before its token is presented and the marker is cleared only when
 * nothing can have been rotated, and an interrupted refresh is verified (introspection) first.
 * tests/connect/disconnections.test.ts covers what the bookkeeping does with each outcome.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDisconnection } from "@/lib/connections/disconnections";
import { decryptToken, encryptToken } from "@/lib/crypto";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { moveGrantToDisconnection } from "@/lib/pleo/token-store";
import { defaultUninstallDeps, uninstallWithStoredGrant, type UninstallDeps } from "@/lib/pleo/uninstall";
import { COMPANY_THISTLE } from "@/sandbox/seed/fixtures";
import { captureLogger, setProcessLogger } from "@/tests/support/logs";
import { createWorld, type World } from "@/tests/support/world";
import { SYNC_ENV } from "@/tests/sync/support";

const COMPANY = COMPANY_THISTLE.id;
const DELETE = "DELETE /v1/installations/me";
const INSTALLATION = "/v1/installations/me";

// Everything inside one describe: a failing hook then fails the tests (README → Mutation testing).
describe("uninstall with the stored grant", () => {
  let world: World;
  let logs: ReturnType<typeof captureLogger>;
  /** API requests sent through the deps' fetch (the sandbox does not count the ones a fault answers). */
  let sent = 0;
  let urls: string[] = [];
  const apiFetch: typeof fetch = (input, init) => {
    sent++;
    urls.push(`${init?.method} ${String(input)}`);
    return fetch(input, init);
  };

  beforeAll(async () => {
    world = await createWorld({
      database: "pglite",
      sandbox: { entries: 10, rateLimit: false },
      env: SYNC_ENV,
    });
  });
  afterAll(async () => {
    await world?.close();
  });
  beforeEach(async () => {
    await world.reset();
    await world.prisma.disconnection.deleteMany();
    logs = captureLogger();
    setProcessLogger(logs.logger);
    sent = 0;
    urls = [];
  });
  afterEach(() => setProcessLogger(undefined));

  const row = (id: string) => world.prisma.disconnection.findUniqueOrThrow({ where: { id } });
  const stats = () => world.sandbox.control.stats();
  const installed = async () => (await world.sandbox.control.installations()).some((i) => i.companyId === COMPANY);
  const logged = (event: string) => logs.lines().filter((l) => l.event === event);
  /** The error the one "not done" line logged with its outcome. */
  const loggedError = () => {
    const lines = logged("pleo.uninstall");
    expect(lines).toHaveLength(1);
    return lines[0].err as { type: string; message: string; status?: number };
  };

  /** A disconnected company's row holding its grant (as lib/settings/disconnect.ts leaves it); `grant: false`: none. */
  async function disconnection(opts: { grant?: boolean } = {}): Promise<string> {
    await world.connect(COMPANY);
    return world.prisma.$transaction(async (tx) => {
      const id = await createDisconnection(tx, {
        companyId: COMPANY,
        companyName: COMPANY_THISTLE.name,
        userId: "user-1",
        sessionId: null,
        keepData: true,
        entryCount: 0,
        now: new Date(),
      });
      if (opts.grant !== false) expect(await moveGrantToDisconnection(tx, COMPANY, id)).toBe(true);
      return id;
    });
  }

  /** The portal's wiring, on this world's clock and a captured logger; short waits between tries. */
  const deps = (overrides: Partial<UninstallDeps> = {}): UninstallDeps =>
    defaultUninstallDeps({
      now: world.clock.now,
      logger: logs.logger,
      fetch: apiFetch,
      retry: { baseDelayMs: 1, maxDelayMs: 1 },
      ...overrides,
    });

  const uninstall = (id: string, d: UninstallDeps = deps()) => uninstallWithStoredGrant(d, { id, companyId: COMPANY });

  it("the portal's wiring: its configuration, database, encryption, clock and a logger named for it; overrides win", () => {
    const e = env();
    const d = defaultUninstallDeps();
    expect(d.apiUrl).toBe(e.PLEO_API_URL);
    expect(d.apiUrl).toBe(world.sandbox.url);
    expect(d.oauth).toEqual({
      authUrl: e.PLEO_AUTH_URL,
      clientId: e.PLEO_CLIENT_ID,
      clientSecret: e.PLEO_CLIENT_SECRET,
    });
    expect(d.oauth).toEqual(world.oauth);
    expect(d.prisma).toBe(db);
    expect(d.now).toBe(Date.now);
    expect(d.seal).toBe(encryptToken);
    expect(d.open).toBe(decryptToken);
    expect(d.fetch).toBeUndefined();
    expect(d.retry).toBeUndefined();
    d.logger.info("hello");
    expect(logs.lines()).toMatchObject([{ component: "pleo-uninstall", msg: "hello" }]);
    const now = () => 1;
    expect(defaultUninstallDeps({ apiUrl: "http://elsewhere", now })).toMatchObject({
      apiUrl: "http://elsewhere",
      now,
    });
  });

  it("Pleo removes the installation: uninstalled, with the stored access token (no refresh), logged", async () => {
    const id = await disconnection();
    const before = await stats();
    expect(await uninstall(id)).toEqual({ kind: "uninstalled" });
    expect(sent).toBe(1);
    expect(urls).toEqual([`DELETE ${world.sandbox.url}/v1/installations/me?company_id=${COMPANY}`]);
    const after = await stats();
    expect(after.apiRequestsByPath[DELETE] ?? 0).toBe((before.apiRequestsByPath[DELETE] ?? 0) + 1);
    expect(after.tokenRequests.refresh_token).toBe(before.tokenRequests.refresh_token);
    expect(await installed()).toBe(false);
    expect(logged("pleo.uninstall")).toMatchObject([
      { level: 30, companyId: COMPANY, outcome: "uninstalled", msg: "uninstalled at Pleo" },
    ]);
  });

  it("the grant was dropped already: nothing to do with it, and Pleo is not called", async () => {
    const id = await disconnection({ grant: false });
    const before = await stats();
    expect(await uninstall(id)).toEqual({ kind: "grant_ended", detail: "the stored authorisation was already gone" });
    expect((await stats()).apiRequests).toBe(before.apiRequests);
    expect(sent).toBe(0);
    expect(await installed()).toBe(true);
    const lines = logged("pleo.uninstall");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      companyId: COMPANY,
      outcome: "grant_ended",
      msg: "uninstall at Pleo not done",
      err: { type: "GrantGoneError", message: "the disconnection's grant was already dropped" },
    });
  });

  it("Pleo revoked the grant: the refresh is refused too, so the grant has ended", async () => {
    const id = await disconnection();
    await world.sandbox.control.revoke(COMPANY, { keepInstallation: true });
    expect(await uninstall(id)).toEqual({
      kind: "grant_ended",
      detail: "Pleo no longer accepts the portal's authorisation for this company",
    });
    expect(logged("pleo.uninstall.refresh")).toMatchObject([{ companyId: COMPANY, outcome: "invalid_grant" }]);
    const err = loggedError();
    expect(err.type).toBe("NeedsReauthError");
    expect(err.message).toContain(`company ${COMPANY} needs to be reconnected (invalid_grant: `);
  });

  it("Pleo refuses even a freshly refreshed token: the grant has ended; the rotated tokens were stored", async () => {
    const id = await disconnection();
    const sealed = await row(id);
    await world.sandbox.control.fault({ path: INSTALLATION, status: 401 });
    expect(await uninstall(id)).toEqual({ kind: "grant_ended", detail: "Pleo refused the portal's authorisation" });
    expect(sent).toBe(2);
    const after = await row(id);
    expect(after.refreshStartedAt).toBeNull();
    expect(after.refreshTokenEnc).not.toBe(sealed.refreshTokenEnc);
    expect(after.accessTokenEnc).not.toBe(sealed.accessTokenEnc);
    // The stored refresh token is the new one Pleo issued: it still works.
    const refresh = await decryptToken(after.refreshTokenEnc!, { companyId: COMPANY, field: "refresh_token" });
    const access = await decryptToken(after.accessTokenEnc!, { companyId: COMPANY, field: "access_token" });
    expect(await world.sandbox.control.acceptsToken(access)).toBe(true);
    expect(refresh).not.toBe("");
  });

  it("Pleo answers 5xx: unavailable after two tries (more when the caller asks for more)", async () => {
    const id = await disconnection();
    await world.sandbox.control.fault({ path: INSTALLATION, status: 503 });
    expect(await uninstall(id)).toEqual({ kind: "unavailable", detail: "Pleo could not be reached" });
    expect(sent).toBe(2);
    expect(await uninstall(id, deps({ retry: { baseDelayMs: 1, maxDelayMs: 1, maxAttempts: 3 } }))).toMatchObject({
      kind: "unavailable",
    });
    expect(sent).toBe(5);
    expect(logged("pleo.uninstall")).toMatchObject([{ outcome: "unavailable" }, { outcome: "unavailable" }]);
  });

  it("Pleo rate-limits: one wait, then unavailable", async () => {
    const id = await disconnection();
    await world.sandbox.control.fault({ path: INSTALLATION, status: 429 });
    expect(await uninstall(id)).toEqual({ kind: "unavailable", detail: "Pleo could not be reached" });
    expect(sent).toBe(2);
  });

  it("an answer the portal does not expect (403): failed, with the status, tried once", async () => {
    const id = await disconnection();
    await world.sandbox.control.fault({ path: INSTALLATION, status: 403 });
    expect(await uninstall(id)).toEqual({ kind: "failed", detail: "Pleo answered HTTP 403" });
    expect(sent).toBe(1);
    expect(await installed()).toBe(true);
  });

  it("an error that is not Pleo's answer reaches the caller", async () => {
    const id = await disconnection();
    const open = async () => {
      throw new Error("key ring unavailable");
    };
    await expect(uninstall(id, deps({ open }))).rejects.toThrow("key ring unavailable");
    expect(logged("pleo.uninstall")).toEqual([]);
  });

  describe("refreshing the grant", () => {
    /** Requests seen by the token endpoint's fetch, with the row's refresh marker at that moment. */
    function watchedOAuth(id: string, after?: (res: Response) => Response | Promise<Response>) {
      const seen: Array<{ path: string; marker: Date | null }> = [];
      const oauthFetch: typeof fetch = async (input, init) => {
        const { refreshStartedAt } = await row(id);
        seen.push({ path: new URL(String(input)).pathname, marker: refreshStartedAt });
        const res = await fetch(input, init);
        return after ? after(res) : res;
      };
      return { seen, oauth: { ...world.oauth, fetch: oauthFetch } };
    }

    it("an access token with a minute or less left is refreshed first (marked before, rotated tokens stored after)", async () => {
      const id = await disconnection();
      const { accessTokenExpiresAt, refreshTokenEnc } = await row(id);
      const at = accessTokenExpiresAt!.getTime() - 60_000;
      const w = watchedOAuth(id);
      expect(await uninstall(id, deps({ now: () => at, oauth: w.oauth }))).toEqual({ kind: "uninstalled" });
      expect(w.seen).toEqual([{ path: "/oauth/token", marker: new Date(at) }]);
      const after = await row(id);
      expect(after.refreshStartedAt).toBeNull();
      expect(after.refreshTokenEnc).not.toBe(refreshTokenEnc);
      const ttl = (await world.sandbox.control.config()).accessTokenTtlSeconds;
      expect(after.accessTokenExpiresAt).toEqual(new Date(at + ttl * 1000));
      expect(logged("pleo.uninstall.refresh")).toMatchObject([
        { level: 30, companyId: COMPANY, outcome: "ok", msg: "refreshed for the uninstall" },
      ]);
    });

    it("one millisecond more than a minute left: the stored access token is used as it is", async () => {
      const id = await disconnection();
      const { accessTokenExpiresAt } = await row(id);
      const w = watchedOAuth(id);
      const now = () => accessTokenExpiresAt!.getTime() - 60_001;
      expect(await uninstall(id, deps({ now, oauth: w.oauth }))).toEqual({ kind: "uninstalled" });
      expect(w.seen).toEqual([]);
    });

    it("an interrupted refresh whose token is still active: verified first, even with a fresh access token, then refreshed", async () => {
      const id = await disconnection();
      const marker = new Date(Date.now() - 60_000);
      await world.prisma.disconnection.update({ where: { id }, data: { refreshStartedAt: marker } });
      const w = watchedOAuth(id);
      expect(await uninstall(id, deps({ oauth: w.oauth }))).toEqual({ kind: "uninstalled" });
      expect(w.seen.map((s) => s.path)).toEqual(["/oauth/token/introspect", "/oauth/token"]);
      expect(w.seen[0].marker).toEqual(marker);
      expect(logged("pleo.uninstall.verify")).toMatchObject([
        { level: 30, companyId: COMPANY, outcome: "active", msg: "verified an interrupted refresh" },
      ]);
    });

    it("an interrupted refresh Pleo did process: the rotated-out token is never presented; the grant has ended", async () => {
      const id = await disconnection();
      // Pleo rotated the stored refresh token (the answer was lost on the way back).
      const { refreshTokenEnc } = await row(id);
      const old = await decryptToken(refreshTokenEnc!, { companyId: COMPANY, field: "refresh_token" });
      const res = await fetch(`${world.sandbox.url}/oauth/token`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Basic ${Buffer.from(`${world.oauth.clientId}:${world.oauth.clientSecret}`).toString("base64")}`,
        },
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: old }),
      });
      expect(res.status).toBe(200);
      await world.prisma.disconnection.update({ where: { id }, data: { refreshStartedAt: new Date() } });
      const w = watchedOAuth(id);
      const before = await stats();
      expect(await uninstall(id, deps({ oauth: w.oauth }))).toEqual({
        kind: "grant_ended",
        detail: "Pleo no longer accepts the portal's authorisation for this company",
      });
      expect(w.seen.map((s) => s.path)).toEqual(["/oauth/token/introspect"]);
      expect((await stats()).refreshReuseDetected).toBe(before.refreshReuseDetected);
      expect(logged("pleo.uninstall.verify")).toMatchObject([{ outcome: "inactive" }]);
      expect(loggedError()).toMatchObject({
        type: "NeedsReauthError",
        message: `Pleo connection for company ${COMPANY} needs to be reconnected (refresh_interrupted: an earlier refresh was interrupted)`,
      });
    });

    it("verification impossible (introspection fails): unavailable, nothing presented, the marker kept", async () => {
      const id = await disconnection();
      const marker = new Date(Date.now() - 60_000);
      await world.prisma.disconnection.update({ where: { id }, data: { refreshStartedAt: marker } });
      await world.sandbox.control.fault({ path: "/oauth/token/introspect", status: 503 });
      const w = watchedOAuth(id);
      expect(await uninstall(id, deps({ oauth: w.oauth }))).toEqual({
        kind: "unavailable",
        detail: "Pleo could not be reached",
      });
      expect(w.seen.map((s) => s.path)).toEqual(["/oauth/token/introspect"]);
      expect((await row(id)).refreshStartedAt).toEqual(marker);
      expect(sent).toBe(0);
      expect(logged("pleo.uninstall.verify")).toMatchObject([{ outcome: "unavailable" }]);
      expect(loggedError()).toMatchObject({
        type: "PleoUnavailableError",
        status: 503,
        message: "Pleo unavailable while verifying the refresh token (introspection HTTP 503)",
      });
    });

    it("the token endpoint refuses the client (400): failed, and the marker cleared (nothing was rotated)", async () => {
      const id = await disconnection();
      await world.sandbox.control.fault({ path: "/oauth/token", status: 400 });
      const { accessTokenExpiresAt, refreshTokenEnc } = await row(id);
      const now = () => accessTokenExpiresAt!.getTime();
      expect(await uninstall(id, deps({ now }))).toEqual({ kind: "failed", detail: "Pleo answered HTTP 400" });
      expect(await row(id)).toMatchObject({ refreshStartedAt: null, refreshTokenEnc });
      expect(logged("pleo.uninstall.refresh")).toMatchObject([{ outcome: "rejected" }]);
      expect(loggedError()).toMatchObject({
        type: "PleoApiError",
        status: 400,
        message: "Pleo token endpoint: Injected fault (sandbox)",
      });
    });

    it("the token endpoint answers 503: unavailable, and the marker cleared (an error answer rotates nothing)", async () => {
      const id = await disconnection();
      await world.sandbox.control.fault({ path: "/oauth/token", status: 503 });
      const { accessTokenExpiresAt, refreshTokenEnc } = await row(id);
      const now = () => accessTokenExpiresAt!.getTime();
      expect(await uninstall(id, deps({ now }))).toEqual({ kind: "unavailable", detail: "Pleo could not be reached" });
      expect(await row(id)).toMatchObject({ refreshStartedAt: null, refreshTokenEnc });
      expect(sent).toBe(0);
      expect(loggedError()).toMatchObject({
        type: "PleoUnavailableError",
        status: 503,
        message: "Pleo token endpoint: HTTP 503",
      });
    });

    it("the refresh's answer is lost: unavailable, and the marker stays, so the next attempt verifies first", async () => {
      const id = await disconnection();
      const { accessTokenExpiresAt } = await row(id);
      const at = accessTokenExpiresAt!.getTime();
      const w = watchedOAuth(id, () => {
        throw new TypeError("fetch failed", { cause: new Error("socket hang up") });
      });
      expect(await uninstall(id, deps({ now: () => at, oauth: w.oauth }))).toEqual({
        kind: "unavailable",
        detail: "Pleo could not be reached",
      });
      expect((await row(id)).refreshStartedAt).toEqual(new Date(at));
      // No answer: 503 stands in for the status.
      expect(loggedError()).toMatchObject({ type: "PleoUnavailableError", status: 503 });
      expect(loggedError().message).toMatch(/^Pleo token endpoint: /);
      // The next attempt verifies the token (Pleo did rotate it) instead of presenting it again.
      const next = watchedOAuth(id);
      const before = await stats();
      expect(await uninstall(id, deps({ now: () => at, oauth: next.oauth }))).toMatchObject({ kind: "grant_ended" });
      expect(next.seen.map((s) => s.path)).toEqual(["/oauth/token/introspect"]);
      expect((await stats()).refreshReuseDetected).toBe(before.refreshReuseDetected);
    });
  });
});
