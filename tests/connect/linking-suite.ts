/**
 * Account linking and token storage through the real next-auth handlers, the sandbox and a real
 * database. Shared by the PGlite and PostgreSQL test files.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPANY_BRIGHTWAVE, COMPANY_NORDLYS, COMPANY_THISTLE, DEMO_USER, SOLO_USER } from "@/sandbox/seed/fixtures";
import { registerConnectedHook } from "@/lib/connections/events";
import {
  countConnectionsOutsideScope,
  getConnectionForViewer,
  listConnectionsForViewer,
  selectCompanyForViewer,
} from "@/lib/connections/queries";
import { Browser, countRows, errorCodeOf, PORTAL, startHarness, type Harness } from "./harness";
import { openAccess, openRefresh } from "@/tests/support/tokens";
import { sessionKey } from "@/lib/sessions";

const demo = { email: DEMO_USER.email, password: DEMO_USER.password };
const solo = { email: SOLO_USER.email, password: SOLO_USER.password };

export function defineLinkingSuite(kind: "pglite" | "postgres") {
  let h: Harness;
  const connected: string[] = [];
  let detachHooks: Array<() => void> = [];

  beforeAll(async () => {
    h = await startHarness(kind);
    detachHooks = [
      registerConnectedHook((companyId) => {
        connected.push(companyId);
      }),
      // A broken hook must never break sign-in.
      registerConnectedHook(() => {
        throw new Error("hook exploded");
      }),
    ];
  });
  afterAll(async () => {
    detachHooks.forEach((d) => d());
    await h?.close();
  });

  const connection = (companyId: string) => h.db.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId } });
  const sessionUser = async (b: Browser) => {
    const res = await h.request(b, "/api/auth/session");
    return (await res.json()) as {
      user?: { id: string; name: string | null };
      expires?: string;
      companyIds?: string[];
    } | null;
  };
  /** The companies the browser's session may see, as the app reads them (the session endpoint). */
  const scopeOf = async (b: Browser) => (await sessionUser(b))?.companyIds ?? [];
  /** The same scope, straight from the Session row. */
  const storedScope = async (b: Browser) =>
    (await h.db.prisma.session.findUniqueOrThrow({ where: { sessionToken: sessionKey(b.sessionToken()!) } }))
      .companyIds;
  /** Calls the sandbox's External API with a stored (decrypted) token: proves it is the real, working one. */
  const introspectWith = async (row: { companyId: string; accessTokenEnc: string; refreshTokenEnc: string }) => {
    const res = await fetch(`${h.sandbox.url}/v1/introspect`, {
      headers: { authorization: `Bearer ${await openAccess(row)}` },
    });
    return { status: res.status, body: (await res.json()) as { data?: { subjectURN?: string } } };
  };

  const alice = new Browser();
  let aliceId = "";

  describe(`linking (${kind})`, () => {
    it("signs a new visitor up with their first company and stores the grant encrypted on the connection", async () => {
      const to = await h.connect(alice, { ...demo, companyId: COMPANY_NORDLYS.id });
      expect(to).toBe(`${PORTAL}/dashboard`);
      expect(alice.sessionToken()).toBeTruthy();

      const session = await sessionUser(alice);
      // The session the browser can read: the user's id and the companies it may see; no tokens, and not
      // the user's name (the first company the account linked, which a later session may not see).
      expect(Object.keys(session ?? {}).sort()).toEqual(["companyIds", "expires", "user"]);
      expect(Object.keys(session?.user ?? {}).sort()).toEqual(["id"]);
      expect(session?.companyIds).toEqual([COMPANY_NORDLYS.id]);
      expect(await storedScope(alice)).toEqual([COMPANY_NORDLYS.id]);
      aliceId = session!.user!.id;

      const account = await h.db.prisma.account.findFirstOrThrow({ where: { providerAccountId: COMPANY_NORDLYS.id } });
      expect(account).toMatchObject({
        userId: aliceId,
        provider: "pleo",
        type: "oauth",
        access_token: null,
        refresh_token: null,
        id_token: null,
      });

      const c = await connection(COMPANY_NORDLYS.id);
      expect(c).toMatchObject({
        userId: aliceId,
        accountId: account.id,
        status: "CONNECTED",
        statusReason: null,
        tokenVersion: 0,
      });
      expect(c.scopes).toContain("accounting-entries:read");
      expect(c.accessTokenEnc).toMatch(/^v2\.t1\./);
      expect(c.refreshTokenEnc).toMatch(/^v2\.t1\./);
      // expires_in 600 s from the sandbox; refresh token planned at Pleo's documented 60-day minimum.
      const accessLife = c.accessTokenExpiresAt.getTime() - c.refreshTokenIssuedAt.getTime();
      expect(accessLife).toBe(600_000);
      expect(c.refreshTokenExpiresAt!.getTime() - c.refreshTokenIssuedAt.getTime()).toBe(60 * 24 * 3600 * 1000);

      const probe = await introspectWith(c);
      expect(probe.status).toBe(200);
      expect(probe.body.data?.subjectURN).toBe(`urn:pleo:company:${COMPANY_NORDLYS.id}`);

      const company = await h.db.prisma.pleoCompany.findUniqueOrThrow({ where: { id: COMPANY_NORDLYS.id } });
      expect(company).toMatchObject({
        name: COMPANY_NORDLYS.name,
        registrationNumber: COMPANY_NORDLYS.registrationNumber,
        country: "DK",
      });
      expect(connected).toContain(COMPANY_NORDLYS.id);
    });

    it("links a second company to the signed-in user", async () => {
      const to = await h.connect(alice, { ...demo, companyId: COMPANY_BRIGHTWAVE.id });
      expect(to).toBe(`${PORTAL}/dashboard`);
      expect((await sessionUser(alice))?.user?.id).toBe(aliceId);
      expect(await h.db.prisma.user.count()).toBe(1);

      // Connecting while signed in adds the company to this session's scope.
      const scope = await scopeOf(alice);
      expect(scope).toEqual([COMPANY_NORDLYS.id, COMPANY_BRIGHTWAVE.id]);
      expect(await storedScope(alice)).toEqual(scope);
      const list = await listConnectionsForViewer({ userId: aliceId, companyIds: scope });
      expect(list.map((c) => c.companyName)).toEqual([COMPANY_BRIGHTWAVE.name, COMPANY_NORDLYS.name]);
      expect(list[0]).toMatchObject({
        companyId: COMPANY_BRIGHTWAVE.id,
        status: "CONNECTED",
        statusReason: null,
        currency: null,
      });
      expect(list[0]).not.toHaveProperty("accessTokenEnc");
      expect(await getConnectionForViewer({ userId: aliceId, companyIds: scope }, COMPANY_BRIGHTWAVE.id)).toMatchObject(
        {
          companyName: COMPANY_BRIGHTWAVE.name,
        },
      );
      expect(await countConnectionsOutsideScope({ userId: aliceId, companyIds: scope })).toBe(0);
      expect(connected.filter((id) => id === COMPANY_BRIGHTWAVE.id)).toHaveLength(1);
    });

    it("a malformed neighbouring cookie (x=100%, which any same-site app can set) breaks nothing in /api/auth", async () => {
      const planted = alice.clone();
      planted.cookies.set("x", "100%");
      const res = await h.request(planted, "/api/auth/session");
      expect(res.status).toBe(200);
      expect(((await res.json()) as { user?: { id: string } }).user?.id).toBe(aliceId);
      // The sign-in step reads the same cookie: reconnecting with it planted still lands in this session.
      expect(await h.connect(planted, { ...demo, companyId: COMPANY_BRIGHTWAVE.id })).toBe(`${PORTAL}/dashboard`);
      expect(planted.sessionToken()).toBe(alice.sessionToken());
      expect(await scopeOf(planted)).toEqual(await scopeOf(alice));
    });

    it("reconnecting a company the user has refreshes its tokens, clears NEEDS_REAUTH and keeps synced data", async () => {
      const before = await connection(COMPANY_NORDLYS.id);
      await h.db.prisma.pleoConnection.update({
        where: { id: before.id },
        data: {
          status: "NEEDS_REAUTH",
          statusReason: "Pleo rejected the refresh token (invalid_grant)",
          refreshFailures: 2,
        },
      });
      // Stand-ins for synced data that must survive a reconnect.
      await h.db.prisma.pleoCompany.update({ where: { id: COMPANY_NORDLYS.id }, data: { currency: "DKK" } });
      await h.db.prisma.employee.create({
        data: {
          id: "11111111-2222-4333-8444-555555555555",
          companyId: COMPANY_NORDLYS.id,
          email: "a@nordlys.test",
          firstName: "A",
          lastName: "B",
        },
      });

      const to = await h.connect(alice, { ...demo, companyId: COMPANY_NORDLYS.id });
      expect(to).toBe(`${PORTAL}/dashboard`);

      const after = await connection(COMPANY_NORDLYS.id);
      expect(after).toMatchObject({
        id: before.id,
        userId: aliceId,
        status: "CONNECTED",
        statusReason: null,
        refreshFailures: 0,
        tokenVersion: before.tokenVersion + 1,
      });
      expect(after.connectedAt).toEqual(before.connectedAt);
      expect(await openAccess(after)).not.toBe(await openAccess(before));
      expect(await openRefresh(after)).not.toBe(await openRefresh(before));
      expect((await introspectWith(after)).status).toBe(200);

      expect(
        (await getConnectionForViewer({ userId: aliceId, companyIds: await scopeOf(alice) }, COMPANY_NORDLYS.id))
          ?.currency,
      ).toBe("DKK");
      // Reconnecting a company already in scope does not duplicate it.
      expect(await storedScope(alice)).toEqual([COMPANY_NORDLYS.id, COMPANY_BRIGHTWAVE.id]);
      expect(await h.db.prisma.employee.count({ where: { companyId: COMPANY_NORDLYS.id } })).toBe(1);
      expect(await h.db.prisma.account.count()).toBe(2);
      expect(connected.filter((id) => id === COMPANY_NORDLYS.id)).toHaveLength(2);
    });

    it("a signed-out visitor who connects an already-linked company signs in to its account (returning user)", async () => {
      const before = await connection(COMPANY_BRIGHTWAVE.id);
      const returning = new Browser();
      const to = await h.connect(returning, { ...demo, companyId: COMPANY_BRIGHTWAVE.id });
      expect(to).toBe(`${PORTAL}/dashboard`);
      expect((await sessionUser(returning))?.user?.id).toBe(aliceId);
      const after = await connection(COMPANY_BRIGHTWAVE.id);
      expect(after.tokenVersion).toBe(before.tokenVersion + 1);
      expect(after.accessTokenEnc).not.toBe(before.accessTokenEnc);
      expect(await h.db.prisma.user.count()).toBe(1);
    });

    it("a sign-in via one company opens only that company, not the account's others", async () => {
      // Alice's account owns Nordlys and Brightwave. A new browser proves only Brightwave at Pleo.
      const visitor = new Browser();
      expect(await h.connect(visitor, { ...demo, companyId: COMPANY_BRIGHTWAVE.id })).toBe(`${PORTAL}/dashboard`);
      expect((await sessionUser(visitor))?.user?.id).toBe(aliceId);
      const scope = await scopeOf(visitor);
      expect(scope).toEqual([COMPANY_BRIGHTWAVE.id]);
      // Nothing names the account's other company: the user row is named after it (the first one linked).
      expect((await h.db.prisma.user.findUniqueOrThrow({ where: { id: aliceId } })).name).toBe(COMPANY_NORDLYS.name);
      expect(JSON.stringify(await sessionUser(visitor))).not.toContain(COMPANY_NORDLYS.name);
      expect(await storedScope(visitor)).toEqual([COMPANY_BRIGHTWAVE.id]);

      expect((await listConnectionsForViewer({ userId: aliceId, companyIds: scope })).map((c) => c.companyId)).toEqual([
        COMPANY_BRIGHTWAVE.id,
      ]);
      expect(await getConnectionForViewer({ userId: aliceId, companyIds: scope }, COMPANY_NORDLYS.id)).toBeNull();
      expect(
        await getConnectionForViewer({ userId: aliceId, companyIds: scope }, COMPANY_BRIGHTWAVE.id),
      ).not.toBeNull();
      expect(await countConnectionsOutsideScope({ userId: aliceId, companyIds: scope })).toBe(1);
      // The first browser's session keeps its own, wider scope.
      expect(await scopeOf(alice)).toEqual([COMPANY_NORDLYS.id, COMPANY_BRIGHTWAVE.id]);

      // Proving Nordlys in the same session adds it (a reconnect: same account, same tokens row).
      const nordlysBefore = await connection(COMPANY_NORDLYS.id);
      expect(await h.connect(visitor, { ...demo, companyId: COMPANY_NORDLYS.id })).toBe(`${PORTAL}/dashboard`);
      const widened = await scopeOf(visitor);
      expect(widened).toEqual([COMPANY_BRIGHTWAVE.id, COMPANY_NORDLYS.id]);
      expect(
        (await listConnectionsForViewer({ userId: aliceId, companyIds: widened })).map((c) => c.companyName),
      ).toEqual([COMPANY_BRIGHTWAVE.name, COMPANY_NORDLYS.name]);
      expect(await countConnectionsOutsideScope({ userId: aliceId, companyIds: widened })).toBe(0);
      expect((await connection(COMPANY_NORDLYS.id)).tokenVersion).toBe(nordlysBefore.tokenVersion + 1);
      expect(await h.db.prisma.user.count()).toBe(1);
    });

    it("a session with an empty scope (e.g. created before scoping existed) sees none of the account's companies", async () => {
      const stale = alice.clone();
      await h.db.prisma.session.update({
        where: { sessionToken: sessionKey(stale.sessionToken()!) },
        data: { companyIds: [] },
      });
      expect((await sessionUser(stale))?.user?.id).toBe(aliceId);
      expect(await scopeOf(stale)).toEqual([]);
      expect(await listConnectionsForViewer({ userId: aliceId, companyIds: [] })).toEqual([]);
      expect(await countConnectionsOutsideScope({ userId: aliceId, companyIds: [] })).toBe(2);
      await h.db.prisma.session.update({
        where: { sessionToken: sessionKey(stale.sessionToken()!) },
        data: { companyIds: [COMPANY_NORDLYS.id, COMPANY_BRIGHTWAVE.id] },
      });
    });

    it("picks the company a request shows only among those the session may see", async () => {
      const one = { userId: aliceId, companyIds: [COMPANY_BRIGHTWAVE.id] };
      const both = { userId: aliceId, companyIds: [COMPANY_NORDLYS.id, COMPANY_BRIGHTWAVE.id] };
      const pick = async (viewer: typeof one, param?: string | string[]) => {
        const s = await selectCompanyForViewer(viewer, param);
        return (
          s && { ids: s.connections.map((c) => c.companyId), shown: s.connection?.companyId, param: s.companyParam }
        );
      };
      // One company: shown without a parameter, and links need none.
      expect(await pick(one)).toEqual({ ids: [COMPANY_BRIGHTWAVE.id], shown: COMPANY_BRIGHTWAVE.id, param: undefined });
      // A company of the account outside the session's scope is "not found", like anyone else's.
      expect(await pick(one, COMPANY_NORDLYS.id)).toBeNull();
      expect(await pick(one, "not-a-uuid")).toBeNull();
      // Several: the first by name unless the parameter picks one (case and spaces do not matter).
      const ids = [COMPANY_BRIGHTWAVE.id, COMPANY_NORDLYS.id];
      expect(await pick(both)).toEqual({ ids, shown: COMPANY_BRIGHTWAVE.id, param: COMPANY_BRIGHTWAVE.id });
      expect(await pick(both, [` ${COMPANY_NORDLYS.id.toUpperCase()} `, COMPANY_BRIGHTWAVE.id])).toEqual({
        ids,
        shown: COMPANY_NORDLYS.id,
        param: COMPANY_NORDLYS.id,
      });
      // No company in scope: nothing to show, which the dashboard answers with "connect one".
      expect(await pick({ userId: aliceId, companyIds: [] })).toEqual({ ids: [], shown: undefined, param: undefined });
    });

    it("refuses to add a company that belongs to another account, storing nothing and keeping the session", async () => {
      const bob = new Browser();
      expect(await h.connect(bob, { ...solo, companyId: COMPANY_THISTLE.id })).toBe(`${PORTAL}/dashboard`);
      const bobId = (await sessionUser(bob))!.user!.id;
      expect(bobId).not.toBe(aliceId);

      const nordlysBefore = await connection(COMPANY_NORDLYS.id);
      const rowsBefore = await countRows(h.db);
      const hooksBefore = connected.length;
      const sessionsBefore = await h.db.prisma.session.findMany({ orderBy: { sessionToken: "asc" } });

      const to = await h.connect(bob, { ...demo, companyId: COMPANY_NORDLYS.id });
      expect(errorCodeOf(to)).toBe("company_linked_elsewhere");

      const nordlysAfter = await connection(COMPANY_NORDLYS.id);
      expect(nordlysAfter).toEqual(nordlysBefore); // same owner, same tokens, same version
      expect(await countRows(h.db)).toEqual(rowsBefore);
      expect(connected.length).toBe(hooksBefore);
      // No session gained the company: not Bob's, not any of Alice's.
      expect(await h.db.prisma.session.findMany({ orderBy: { sessionToken: "asc" } })).toEqual(sessionsBefore);
      // Bob is still Bob, with only his own company.
      expect((await sessionUser(bob))?.user?.id).toBe(bobId);
      const bobScope = await scopeOf(bob);
      expect(bobScope).toEqual([COMPANY_THISTLE.id]);
      expect((await listConnectionsForViewer({ userId: bobId, companyIds: bobScope })).map((c) => c.companyId)).toEqual(
        [COMPANY_THISTLE.id],
      );
      expect(await getConnectionForViewer({ userId: bobId, companyIds: bobScope }, COMPANY_NORDLYS.id)).toBeNull();
      // Even a scope naming Alice's company shows nothing of it to Bob: ownership is checked too.
      expect(
        await getConnectionForViewer({ userId: bobId, companyIds: [COMPANY_NORDLYS.id] }, COMPANY_NORDLYS.id),
      ).toBeNull();
      expect(
        await selectCompanyForViewer({ userId: bobId, companyIds: [COMPANY_NORDLYS.id] }, COMPANY_NORDLYS.id),
      ).toBeNull();
      expect(
        await listConnectionsForViewer({ userId: bobId, companyIds: [COMPANY_NORDLYS.id, COMPANY_THISTLE.id] }),
      ).toHaveLength(1);
      expect(await getConnectionForViewer({ userId: bobId, companyIds: bobScope }, "not-a-uuid")).toBeNull();
    });

    it("never stores a plaintext token: raw rows of every auth table contain none of the issued tokens", async () => {
      const rows = await h.db.prisma.pleoConnection.findMany();
      const plaintexts = (await Promise.all(rows.flatMap((r) => [openAccess(r), openRefresh(r)]))).filter(Boolean);
      expect(plaintexts.length).toBe(6);
      for (const table of ["Account", "PleoConnection", "Session", "User", "PleoCompany"]) {
        const dump = await h.db.prisma.$queryRawUnsafe<Array<{ j: string }>>(
          `SELECT row_to_json(t)::text AS j FROM "${table}" t`,
        );
        const text = dump.map((d) => d.j).join("\n");
        expect(text.length).toBeGreaterThan(0);
        for (const token of plaintexts) expect(text.includes(token), `${table} holds a plaintext token`).toBe(false);
      }
    });

    it("signing out deletes the session", async () => {
      const b = alice.clone();
      const csrf = (await (await h.request(b, "/api/auth/csrf")).json()) as { csrfToken: string };
      const res = await h.request(b, "/api/auth/signout", { form: { csrfToken: csrf.csrfToken, callbackUrl: "/" } });
      expect(res.status).toBe(302);
      expect(b.sessionToken()).toBeUndefined();
      expect(
        await h.db.prisma.session.findUnique({ where: { sessionToken: sessionKey(alice.sessionToken()!) } }),
      ).toBeNull();
      expect(await sessionUser(alice)).toBeNull();
    });
  });
}
