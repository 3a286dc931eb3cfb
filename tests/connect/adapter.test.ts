/**
 * The portal's next-auth adapter (lib/auth/adapter.ts) on its own, against a real database and real
 * sandbox grants: sessions stored by the hash of their cookie, scoped to the proven company, ended idle
 * or at their absolute end; linkAccount storing tokens only on the connection and refusing a grant it
 * cannot tie to the verified company (and then removing the user next-auth just created). The connect
 * flow's suites (tests/connect/linking-suite.ts, sessions.test.ts) reach the same through the route handlers.
 */
import { randomBytes } from "node:crypto";
import type { AdapterAccount, AdapterSession } from "next-auth/adapters";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { portalAdapter } from "@/lib/auth/adapter";
import { TOKEN_OWNER_KEY } from "@/lib/auth/pleo-provider";
import { createSignInProof, type SignInProof } from "@/lib/auth/sign-in-proof";
import { DEFAULT_PLEO_SCOPES } from "@/lib/env";
import { fetchTokenOwner } from "@/lib/pleo/identity";
import { sessionKey, type SessionLifetime } from "@/lib/sessions";
import { COMPANY_BRIGHTWAVE, COMPANY_NORDLYS } from "@/sandbox/seed/fixtures";
import { captureLogger, setProcessLogger } from "@/tests/support/logs";
import { sandboxTokens } from "@/tests/support/sandbox";
import { createWorld, type World } from "@/tests/support/world";

const HOUR = 3_600_000;
const LIFETIME: SessionLifetime = { idleMs: 2 * HOUR, maxMs: 12 * HOUR };
const FREE = COMPANY_BRIGHTWAVE.id;
const OTHER = COMPANY_NORDLYS.id;

// Everything inside one describe: a failing hook then fails the tests (Stryker counts it; README → Mutation testing).
describe("portalAdapter (lib/auth/adapter.ts) on its own", () => {
  let world: World;
  let logs: ReturnType<typeof captureLogger>;

  beforeAll(async () => {
    world = await createWorld({ database: "pglite", sandbox: { entries: 50 } });
  });
  afterAll(async () => {
    await world?.close();
  });
  beforeEach(async () => {
    await world.reset();
    await world.prisma.session.deleteMany();
    logs = captureLogger();
    setProcessLogger(logs.logger);
  });
  afterEach(() => {
    setProcessLogger(undefined);
  });

  const newUser = async () =>
    (await world.prisma.user.create({ data: { email: `${randomBytes(4).toString("hex")}@portal.test` } })).id;
  const cookie = () => randomBytes(16).toString("hex");
  const row = (c: string) => world.prisma.session.findUnique({ where: { sessionToken: sessionKey(c) } });
  const adapterWith = (proof?: SignInProof) => portalAdapter(DEFAULT_PLEO_SCOPES, LIFETIME, proof);

  async function createSession(proof: SignInProof | undefined, userId: string, expires = new Date(Date.now() + HOUR)) {
    const c = cookie();
    const created = await adapterWith(proof).createSession!({ sessionToken: c, userId, expires } as AdapterSession);
    return { cookie: c, created };
  }

  describe("sessions", () => {
    it("createSession stores the cookie's hash, scoped to the proven company only; nothing proven opens nothing", async () => {
      const userId = await newUser();
      const proof = { ...createSignInProof(), companyId: FREE };
      const expires = new Date(Date.now() + HOUR);
      const { cookie: c, created } = await createSession(proof, userId, expires);
      expect(created).toMatchObject({ sessionToken: c, userId, expires, companyIds: [FREE] });
      expect(await row(c)).toMatchObject({ userId, expires, companyIds: [FREE] });
      expect(await world.prisma.session.count({ where: { sessionToken: c } })).toBe(0);

      for (const p of [undefined, createSignInProof()]) {
        const none = await createSession(p, userId);
        expect(none.created).toMatchObject({ companyIds: [] });
        expect((await row(none.cookie))?.companyIds).toEqual([]);
      }
    });

    it("getSessionAndUser: a live session with its user, handed back under the cookie's value; unknown → null", async () => {
      const userId = await newUser();
      const { cookie: c } = await createSession({ ...createSignInProof(), companyId: FREE }, userId);
      const got = await adapterWith().getSessionAndUser!(c);
      expect(got?.session).toMatchObject({ sessionToken: c, userId, companyIds: [FREE] });
      expect(got?.user).toMatchObject({ id: userId });
      expect(await adapterWith().getSessionAndUser!(sessionKey(c))).toBeNull();
      expect(await adapterWith().getSessionAndUser!("no-such-cookie")).toBeNull();
    });

    it("getSessionAndUser ends a session idle past its end or past its absolute end, and only that one", async () => {
      const userId = await newUser();
      const keep = await createSession(undefined, userId);
      const idle = await createSession(undefined, userId, new Date(Date.now() - 1000));
      const old = await createSession(undefined, userId);
      await world.prisma.session.update({
        where: { sessionToken: sessionKey(old.cookie) },
        data: { createdAt: new Date(Date.now() - 13 * HOUR) },
      });
      for (const ended of [idle, old]) {
        expect(await adapterWith().getSessionAndUser!(ended.cookie)).toBeNull();
        expect(await row(ended.cookie)).toBeNull();
      }
      expect(await row(keep.cookie)).not.toBeNull();
      expect(await adapterWith().getSessionAndUser!(keep.cookie)).not.toBeNull();
    });

    it("updateSession moves the idle end, never past the absolute end; unknown → null", async () => {
      const userId = await newUser();
      const { cookie: c } = await createSession(undefined, userId);
      const stored = (await row(c))!;
      const end = new Date(stored.createdAt.getTime() + LIFETIME.maxMs);

      const sooner = new Date(Date.now() + 2 * HOUR);
      const moved = await adapterWith().updateSession!({ sessionToken: c, expires: sooner });
      expect(moved).toMatchObject({ sessionToken: c, expires: sooner });
      expect((await row(c))?.expires).toEqual(sooner);

      const later = new Date(end.getTime() + HOUR);
      expect(await adapterWith().updateSession!({ sessionToken: c, expires: later })).toMatchObject({ expires: end });
      expect((await row(c))?.expires).toEqual(end);

      // Exactly the absolute end is allowed as is.
      expect(await adapterWith().updateSession!({ sessionToken: c, expires: end })).toMatchObject({ expires: end });
      // No new end: the stored one stays.
      expect(await adapterWith().updateSession!({ sessionToken: c })).toMatchObject({ sessionToken: c, expires: end });
      expect((await row(c))?.expires).toEqual(end);

      expect(await adapterWith().updateSession!({ sessionToken: "no-such-cookie", expires: sooner })).toBeNull();
      expect(await world.prisma.session.count()).toBe(1);
    });

    it("deleteSession removes that session only", async () => {
      const userId = await newUser();
      const a = await createSession(undefined, userId);
      const b = await createSession(undefined, userId);
      expect(await adapterWith().deleteSession!(a.cookie)).toBeNull();
      expect(await row(a.cookie)).toBeNull();
      expect(await row(b.cookie)).not.toBeNull();
    });
  });

  describe("linkAccount", () => {
    /** The account object next-auth hands linkAccount after a real code exchange and the signIn step. */
    async function accountFor(companyId: string, userId: string, owner: "verified" | "missing" | string = "verified") {
      const tokens = await sandboxTokens(world.sandbox, companyId);
      const profile = await fetchTokenOwner(world.sandbox.url, tokens.access_token);
      const handed =
        owner === "verified"
          ? profile
          : owner === "missing"
            ? undefined
            : { ...profile, company: { ...profile.company, id: owner } };
      return {
        ...tokens,
        userId,
        type: "oauth",
        provider: "pleo",
        providerAccountId: companyId,
        ...(handed ? { [TOKEN_OWNER_KEY]: handed } : {}),
      } as unknown as AdapterAccount;
    }

    it("links the verified company with its tokens on the connection only, into the signed-in session", async () => {
      const userId = await newUser();
      const { cookie: c } = await createSession(undefined, userId);
      const proof = { companyId: FREE, signedInSessionToken: c };
      await adapterWith(proof).linkAccount!(await accountFor(FREE, userId));
      expect(await world.prisma.account.findFirstOrThrow({ where: { providerAccountId: FREE } })).toMatchObject({
        userId,
        access_token: null,
        refresh_token: null,
      });
      const connection = await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: FREE } });
      expect(connection).toMatchObject({ userId, status: "CONNECTED" });
      expect(connection.accessTokenEnc).toMatch(/^v2\./);
      expect((await row(c))?.companyIds).toEqual([FREE]);
      const info = logs.lines().filter((l) => l.msg === "company connected");
      expect(info).toHaveLength(1);
      expect(info[0]).toMatchObject({ level: 30, companyId: FREE });
    });

    it("signed out: links without touching any session", async () => {
      const userId = await newUser();
      const other = await createSession(undefined, userId);
      await adapterWith(createSignInProof()).linkAccount!(await accountFor(FREE, userId));
      await adapterWith().linkAccount!(await accountFor(OTHER, userId));
      expect(await world.prisma.pleoConnection.count({ where: { userId } })).toBe(2);
      expect((await row(other.cookie))?.companyIds).toEqual([]);
    });

    it("refuses a grant without the verified company, for another company, or without its tokens; the new user goes", async () => {
      const cases: Array<[string, (userId: string) => Promise<AdapterAccount>, RegExp]> = [
        ["no verified company", (u) => accountFor(FREE, u, "missing"), /without the verified Pleo company/],
        ["another company", (u) => accountFor(FREE, u, OTHER), /without the verified Pleo company/],
        [
          "no refresh token",
          async (u) => ({ ...(await accountFor(FREE, u)), refresh_token: undefined }),
          /without a complete token response/,
        ],
      ];
      // A user with nothing linked yet who is not this request's: never removed by its cleanup.
      const bystander = await newUser();
      for (const [name, make, message] of cases) {
        const userId = await newUser();
        await expect(adapterWith().linkAccount!(await make(userId)), name).rejects.toThrow(message);
        expect(await world.prisma.user.count({ where: { id: userId } }), name).toBe(0);
      }
      expect(await world.prisma.user.count({ where: { id: bystander } })).toBe(1);
      expect(await world.prisma.account.count()).toBe(0);
      expect(await world.prisma.pleoConnection.count()).toBe(0);
    });

    it("a failed link without a user id removes no user at all", async () => {
      // next-auth always sends one; a missing id must not turn the cleanup into "every unused user".
      const bystander = await newUser();
      const account = { ...(await accountFor(FREE, "unused", "missing")), userId: undefined };
      await expect(adapterWith().linkAccount!(account as unknown as AdapterAccount)).rejects.toThrow(
        /without the verified Pleo company/,
      );
      expect(await world.prisma.user.count({ where: { id: bystander } })).toBe(1);
    });

    it("a cleanup that fails is logged, and next-auth still gets the link's own error", async () => {
      // A user id the database rejects (next-auth never sends one): the link fails, then so does the cleanup.
      const account = { ...(await accountFor(FREE, "unused")), userId: 42 } as unknown as AdapterAccount;
      await expect(adapterWith().linkAccount!(account)).rejects.toThrow();
      const errors = logs.lines().filter((l) => l.level === 50);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ msg: "could not remove the user of a failed connect" });
      expect(errors[0].err).toMatchObject({ message: expect.any(String) });
      expect(await world.prisma.pleoConnection.count()).toBe(0);
    });

    it("a failed link keeps a user who already has a session, an account or a connection", async () => {
      const signedIn = await newUser();
      await createSession(undefined, signedIn);
      await expect(adapterWith().linkAccount!(await accountFor(FREE, signedIn, "missing"))).rejects.toThrow();

      const linked = await newUser();
      await adapterWith().linkAccount!(await accountFor(OTHER, linked));
      await world.prisma.pleoConnection.deleteMany({ where: { userId: linked } });
      await expect(adapterWith().linkAccount!(await accountFor(FREE, linked, "missing"))).rejects.toThrow();

      const connected = await newUser();
      await adapterWith().linkAccount!(await accountFor(FREE, connected));
      await world.prisma.account.updateMany({ where: { userId: connected }, data: { userId: signedIn } });
      await expect(adapterWith().linkAccount!(await accountFor(OTHER, connected, "missing"))).rejects.toThrow();

      expect(await world.prisma.user.count({ where: { id: { in: [signedIn, linked, connected] } } })).toBe(3);
    });
  });
});
