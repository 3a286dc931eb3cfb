/**
 * The session-scope rules (lib/connections/session-scope.ts) on their own, against a real PGlite: which
 * companies a new session opens, adding one inside the connect's transaction, removing one from every
 * session that holds it, and reading a scope next-auth hands over.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  addCompanyToSession,
  companyIdsOf,
  removeCompanyFromSessions,
  scopeForNewSession,
} from "@/lib/connections/session-scope";
import { sessionKey } from "@/lib/sessions";
import { createTestDatabase, type TestDatabase } from "@/tests/support/db";

const X = "5a0c1f1e-7d43-4c2a-9b1e-3f6d2a8c4e01";
const Y = "5a0c1f1e-7d43-4c2a-9b1e-3f6d2a8c4e02";
const Z = "5a0c1f1e-7d43-4c2a-9b1e-3f6d2a8c4e03";

let tdb: TestDatabase;

async function session(userId: string, companyIds: string[]): Promise<string> {
  const cookie = randomBytes(16).toString("hex");
  await tdb.prisma.session.create({
    data: { sessionToken: sessionKey(cookie), userId, expires: new Date(Date.now() + 3_600_000), companyIds },
  });
  return cookie;
}
const scopeOf = async (cookie: string) =>
  (await tdb.prisma.session.findUniqueOrThrow({ where: { sessionToken: sessionKey(cookie) } })).companyIds;
const newUser = async () =>
  (await tdb.prisma.user.create({ data: { email: `${randomBytes(4).toString("hex")}@portal.test` } })).id;

beforeAll(async () => {
  tdb = await createTestDatabase("pglite");
});
afterAll(async () => {
  await tdb?.drop();
});
beforeEach(async () => {
  await tdb.prisma.session.deleteMany();
});

describe("session scope", () => {
  it("a sign-in's session opens the proven company only, or nothing", () => {
    expect(scopeForNewSession(X)).toEqual([X]);
    expect(scopeForNewSession(null)).toEqual([]);
    expect(scopeForNewSession(undefined)).toEqual([]);
    expect(scopeForNewSession("")).toEqual([]);
  });

  it("adds a company to the caller's own session once; another user's or an unknown session is refused", async () => {
    const user = await newUser();
    const cookie = await session(user, [X]);
    await tdb.prisma.$transaction((tx) =>
      addCompanyToSession(tx, { sessionToken: cookie, userId: user, companyId: Y }),
    );
    await tdb.prisma.$transaction((tx) =>
      addCompanyToSession(tx, { sessionToken: cookie, userId: user, companyId: Y }),
    );
    expect(await scopeOf(cookie)).toEqual([X, Y]);

    const other = await newUser();
    await expect(
      tdb.prisma.$transaction((tx) => addCompanyToSession(tx, { sessionToken: cookie, userId: other, companyId: Z })),
    ).rejects.toThrow(/session ended or changed/);
    await expect(
      tdb.prisma.$transaction((tx) =>
        addCompanyToSession(tx, { sessionToken: "no-such-session", userId: user, companyId: Z }),
      ),
    ).rejects.toThrow(/session ended or changed/);
    // The stored (hashed) value is not a session token either.
    await expect(
      tdb.prisma.$transaction((tx) =>
        addCompanyToSession(tx, { sessionToken: sessionKey(cookie), userId: user, companyId: Z }),
      ),
    ).rejects.toThrow(/session ended or changed/);
    expect(await scopeOf(cookie)).toEqual([X, Y]);
  });

  it("removes a company from every session that holds it (any user, any case), and only that company", async () => {
    const a = await session(await newUser(), [X, Y]);
    const b = await session(await newUser(), [Y.toUpperCase()]);
    const c = await session(await newUser(), [Z]);
    const d = await session(await newUser(), []);
    expect(await removeCompanyFromSessions(tdb.prisma, Y)).toBe(2);
    expect(await scopeOf(a)).toEqual([X]);
    expect(await scopeOf(b)).toEqual([]);
    expect(await scopeOf(c)).toEqual([Z]);
    expect(await scopeOf(d)).toEqual([]);
    // The sessions stay: signed in with what is left.
    expect(await tdb.prisma.session.count()).toBe(4);
    expect(await removeCompanyFromSessions(tdb.prisma, Y)).toBe(0);
  });

  it("reads a scope from next-auth's session object, keeping strings only", () => {
    expect(companyIdsOf({ companyIds: [X, 7, null, Y] })).toEqual([X, Y]);
    expect(companyIdsOf({ companyIds: X })).toEqual([]);
    expect(companyIdsOf({})).toEqual([]);
    expect(companyIdsOf(null)).toEqual([]);
    expect(companyIdsOf(undefined)).toEqual([]);
  });
});
