/**
 * The sign-in rules (lib/auth/sign-in.ts) on their own: next-auth's signIn step called directly with a
 * real token response from the sandbox and the company Pleo's introspection names, against a real
 * database. The connect flow's suites (tests/connect/linking-suite.ts) reach the same rules through
 * the route handlers; here each decision is checked by itself, in particular the sign-in check that
 * refuses another account's company without help from the link-time checks behind it
 * (tests/connect/link-guards.test.ts tests those the other way round).
 */
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TOKEN_OWNER_KEY } from "@/lib/auth/pleo-provider";
import { createSignInProof } from "@/lib/auth/sign-in-proof";
import { AUTH_ERROR_PAGE, decidePleoSignIn } from "@/lib/auth/sign-in";
import { DEFAULT_PLEO_SCOPES } from "@/lib/env";
import { logContext, withLogContext } from "@/lib/log-context";
import { fetchTokenOwner } from "@/lib/pleo/identity";
import { sessionKey } from "@/lib/sessions";
import { COMPANY_BRIGHTWAVE, COMPANY_NORDLYS } from "@/sandbox/seed/fixtures";
import { captureLogger, setProcessLogger } from "@/tests/support/logs";
import { sandboxTokens } from "@/tests/support/sandbox";
import { createWorld, type World } from "@/tests/support/world";

const OWNED = COMPANY_NORDLYS.id;
const FREE = COMPANY_BRIGHTWAVE.id;
const HOUR = 3_600_000;

// Everything inside one describe: a failing hook then fails the tests (Stryker counts it; README → Mutation testing).
describe("sign-in rules (lib/auth/sign-in.ts) on their own", () => {
  let world: World;

  beforeAll(async () => {
    world = await createWorld({ database: "pglite", sandbox: { entries: 50 } });
  });
  afterAll(async () => {
    await world?.close();
  });
  beforeEach(async () => {
    await world.reset();
    // Linked in each test's hook, not the file's: Stryker then knows which test reached each line.
    await world.connect(OWNED);
    await world.prisma.session.deleteMany();
    await world.prisma.connectionEvent.deleteMany();
  });
  afterEach(() => {
    setProcessLogger(undefined);
  });

  const ownerOf = async (companyId: string) =>
    (await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId } })).userId;

  /** A portal session (cookie value) for `userId`, or for a new user; live unless told otherwise. */
  async function sessionFor(userId?: string, times: { expires?: Date; createdAt?: Date } = {}) {
    const id =
      userId ??
      (await world.prisma.user.create({ data: { email: `${randomBytes(4).toString("hex")}@portal.test` } })).id;
    const cookie = randomBytes(16).toString("hex");
    await world.prisma.session.create({
      data: {
        sessionToken: sessionKey(cookie),
        userId: id,
        expires: times.expires ?? new Date(Date.now() + HOUR),
        createdAt: times.createdAt ?? new Date(),
        companyIds: [],
      },
    });
    return { userId: id, cookie };
  }

  /** What next-auth hands the signIn callback after a real code exchange for `companyId`. */
  async function pleoAnswer(companyId: string) {
    const tokens = await sandboxTokens(world.sandbox, companyId);
    const profile = await fetchTokenOwner(world.sandbox.url, tokens.access_token);
    expect(profile.company.id).toBe(companyId);
    const account: Record<string, unknown> = {
      ...tokens,
      provider: "pleo",
      type: "oauth",
      providerAccountId: companyId,
    };
    return { tokens, profile, account };
  }

  /** The signIn step, with the lines it logs (and only those). */
  async function signIn(args: {
    account: Record<string, unknown> | null;
    profile: unknown;
    sessionToken: string | null;
  }) {
    const proof = createSignInProof();
    const logs = captureLogger();
    setProcessLogger(logs.logger);
    try {
      const result = await decidePleoSignIn({ ...args, requestedScopes: DEFAULT_PLEO_SCOPES, proof });
      return { result, proof, logged: logs.lines() };
    } finally {
      setProcessLogger(undefined);
    }
  }

  /** Everything a sign-in may write. */
  async function snapshot() {
    const p = world.prisma;
    return {
      users: await p.user.findMany({ orderBy: { id: "asc" } }),
      accounts: await p.account.findMany({ orderBy: { id: "asc" } }),
      connections: await p.pleoConnection.findMany({ orderBy: { id: "asc" } }),
      sessions: await p.session.findMany({ orderBy: { id: "asc" } }),
      events: await p.connectionEvent.findMany({ orderBy: { id: "asc" } }),
    };
  }

  it("the sign-in check alone refuses another account's company: an answer, not an error, and nothing stored", async () => {
    const intruder = await sessionFor();
    const { account, profile } = await pleoAnswer(OWNED);
    const before = await snapshot();
    // Were this check missing, the reconnect behind it would throw (its session check): here it answers.
    const { result, proof, logged } = await signIn({ account, profile, sessionToken: intruder.cookie });
    expect(result).toBe(`${AUTH_ERROR_PAGE}?error=company_linked_elsewhere`);
    expect(AUTH_ERROR_PAGE).toBe("/auth/error");
    expect(proof).toEqual({ companyId: null, signedInSessionToken: null });
    expect(account).not.toHaveProperty(TOKEN_OWNER_KEY);
    expect(await snapshot()).toEqual(before);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      level: 40,
      companyId: OWNED,
      msg: "connect refused: company belongs to another portal account",
    });
  });

  it("a session that ended (idle, or past its absolute end) or a cookie with no session counts as signed out", async () => {
    const owner = await ownerOf(OWNED);
    const idle = await sessionFor(undefined, { expires: new Date(Date.now() - 1000) });
    // Default SESSION_MAX_HOURS is 12: created 13 hours ago, still within its idle end.
    const old = await sessionFor(undefined, { createdAt: new Date(Date.now() - 13 * HOUR) });
    for (const sessionToken of [idle.cookie, old.cookie, "no-such-session", null]) {
      const version = (await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: OWNED } }))
        .tokenVersion;
      const { account, profile } = await pleoAnswer(OWNED);
      // A returning owner: reconnected and signed in to the owning account, not refused.
      const { result, proof, logged } = await signIn({ account, profile, sessionToken });
      expect(result, String(sessionToken)).toBe(true);
      // Outside any request's log scope the line still names the company itself.
      expect(logged.filter((l) => l.msg === "company reconnected")).toEqual([
        expect.objectContaining({ level: 30, companyId: OWNED }),
      ]);
      expect(proof).toEqual({ companyId: OWNED, signedInSessionToken: null });
      const after = await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: OWNED } });
      expect(after).toMatchObject({ userId: owner, tokenVersion: version + 1 });
    }
    // The ended sessions gained nothing.
    const ended = await world.prisma.session.findMany({ select: { companyIds: true } });
    expect(ended).toEqual([{ companyIds: [] }, { companyIds: [] }]);
    expect(await world.prisma.connectionEvent.count({ where: { type: "reconnected" } })).toBe(4);
  });

  it("signed in as the owner: reconnects into this session, names the company in the request's log context", async () => {
    const owner = await sessionFor(await ownerOf(OWNED));
    const { account, profile, tokens } = await pleoAnswer(OWNED);
    const { result, proof, logged, context } = await withLogContext({ requestId: "req-1" }, async () => {
      const r = await signIn({ account, profile, sessionToken: owner.cookie });
      return { ...r, context: { ...logContext() } };
    });
    expect(result).toBe(true);
    expect(context).toEqual({ requestId: "req-1", companyId: OWNED });
    expect(proof).toEqual({ companyId: OWNED, signedInSessionToken: owner.cookie });
    // A reconnect stores the grant itself; nothing is handed on to the adapter.
    expect(account).not.toHaveProperty(TOKEN_OWNER_KEY);
    const session = await world.prisma.session.findUniqueOrThrow({ where: { sessionToken: sessionKey(owner.cookie) } });
    expect(session.companyIds).toEqual([OWNED]);
    const row = await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: OWNED } });
    expect(row).toMatchObject({ userId: owner.userId, tokenVersion: 1, scopes: tokens.scope.split(" ") });
    const info = logged.filter((l) => l.msg === "company reconnected");
    expect(info).toHaveLength(1);
    expect(info[0]).toMatchObject({ level: 30, companyId: OWNED, requestId: "req-1" });
  });

  it("a company no one has linked is allowed and handed to the adapter; sign-in itself stores nothing", async () => {
    const visitor = await sessionFor();
    for (const sessionToken of [visitor.cookie, null]) {
      const { account, profile } = await pleoAnswer(FREE);
      const before = await snapshot();
      const { result, proof, logged } = await signIn({ account, profile, sessionToken });
      expect(result).toBe(true);
      expect(logged).toEqual([]);
      expect(account[TOKEN_OWNER_KEY]).toBe(profile);
      // Signed in: the company joins that session when linked; signed out: the new session gets it.
      expect(proof).toEqual({ companyId: FREE, signedInSessionToken: sessionToken });
      expect(await snapshot()).toEqual(before);
    }
  });

  it("an answer without a company, or a grant without its tokens, is refused before anything is read", async () => {
    const owner = await sessionFor(await ownerOf(OWNED));
    const { account, profile } = await pleoAnswer(OWNED);
    const before = await snapshot();
    const profiles: unknown[] = [
      null,
      undefined,
      {},
      { identity: profile.identity },
      { ...profile, company: null },
      { ...profile, company: { ...profile.company, id: 42 } },
      { ...profile, company: { id: OWNED } },
      { ...profile, company: { ...profile.company, name: null } },
    ];
    const outcomes: Array<{ result: true | string; proof: object; context: object; logged: object[] }> = [];
    const attempt = (a: Record<string, unknown> | null, p: unknown) =>
      withLogContext({}, async () => {
        const r = await signIn({ account: a, profile: p, sessionToken: owner.cookie });
        outcomes.push({ ...r, context: { ...logContext() } });
        return r.result;
      });
    expect(await attempt(null, profile)).toBe(`${AUTH_ERROR_PAGE}?error=profile_failed`);
    for (const p of profiles)
      expect(await attempt(account, p), JSON.stringify(p)).toBe(`${AUTH_ERROR_PAGE}?error=profile_failed`);
    for (const missing of ["access_token", "refresh_token", "expires_in"]) {
      const partial = { ...account };
      delete partial[missing];
      expect(await attempt(partial, profile), missing).toBe(`${AUTH_ERROR_PAGE}?error=incomplete_grant`);
    }
    expect(outcomes).toHaveLength(1 + profiles.length + 3);
    for (const o of outcomes) {
      expect(o.proof).toEqual({ companyId: null, signedInSessionToken: null });
      expect(o.context).toEqual({});
      expect(o.logged).toEqual([]);
    }
    expect(await snapshot()).toEqual(before);
  });
});
