import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { open, parseKeyRing, seal, type TokenBinding } from "@/lib/crypto";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { createLogger } from "@/lib/log";
import { resealTokens } from "@/lib/pleo/token-reseal";
import { createTestDatabase, withMember, type TestDatabase } from "@/tests/support/db";
import { configurePortal, TEST_SECRETS } from "@/tests/support/env";
import { captureLogger } from "@/tests/support/logs";
import { at, tokenRows } from "@/tests/support/token-rows";

/**
 * `npm run tokens:reseal` (lib/pleo/token-reseal.ts) on a real PGlite database, rows written directly:
 * which rows it re-seals and how it counts them, its pages, the key ring it uses, a row changed while it
 * ran, and the errors it counts versus the ones it throws. tests/pleo/reseal.test.ts drives the same
 * command end to end (a key rotation the sandbox then accepts).
 */

const OLD = TEST_SECRETS.TOKEN_ENCRYPTION_KEYS; // "t1:…", what the rows are sealed with
const NEW = `t2:${randomBytes(32).toString("base64url")}`;
const BOTH = `${NEW},${OLD}`;
const silent = createLogger({ level: "silent" });
const access = (companyId: string): TokenBinding => ({ companyId, field: "access_token" });
const refresh = (companyId: string): TokenBinding => ({ companyId, field: "refresh_token" });
const zero = { checked: 0, resealed: 0, current: 0, changedMeanwhile: 0, failed: 0 };

describe("resealTokens", () => {
  let database: TestDatabase;
  let prisma: PrismaClient;

  beforeAll(async () => {
    database = await createTestDatabase("pglite");
    prisma = database.prisma;
  });
  afterAll(async () => {
    await database?.drop();
  });
  beforeEach(async () => {
    configurePortal("http://127.0.0.1:9"); // TOKEN_ENCRYPTION_KEYS = OLD; no Pleo is reached here
    await tokenRows(prisma).clear();
  });

  const rows = () => tokenRows(prisma);
  const rowOf = (companyId: string) => prisma.pleoConnection.findUniqueOrThrow({ where: { companyId } });
  /** Opens only under the new key: proves a value was re-sealed under it, bound to its company and field. */
  const openNew = (sealed: string | null, binding: TokenBinding) => open(sealed!, parseKeyRing(NEW), binding);

  it("every stored grant re-sealed under the newest key, counted per table; a second run finds them current", async () => {
    const a = await rows().connection();
    const b = await rows().connection();
    const gone = randomUUID();
    const pending = await rows().disconnection(gone, {
      accessTokenEnc: seal("gone-access", parseKeyRing(OLD), access(gone)),
      refreshTokenEnc: seal("gone-refresh", parseKeyRing(OLD), refresh(gone)),
    });
    await rows().disconnection(gone); // its grant already dropped: nothing to reseal

    configurePortal("http://127.0.0.1:9", { TOKEN_ENCRYPTION_KEYS: BOTH });
    expect(await resealTokens({ db: prisma, log: silent })).toEqual({
      PleoConnection: { ...zero, checked: 2, resealed: 2 },
      Disconnection: { ...zero, checked: 1, resealed: 1 },
    });
    for (const c of [a, b]) {
      const r = await rowOf(c.companyId);
      expect(openNew(r.accessTokenEnc, access(c.companyId))).toBe(c.access);
      expect(openNew(r.refreshTokenEnc, refresh(c.companyId))).toBe(c.refresh);
    }
    const d = await prisma.disconnection.findUniqueOrThrow({ where: { id: pending.id } });
    expect(openNew(d.accessTokenEnc, access(gone))).toBe("gone-access");
    expect(openNew(d.refreshTokenEnc, refresh(gone))).toBe("gone-refresh");

    expect(await resealTokens({ db: prisma, log: silent })).toEqual({
      PleoConnection: { ...zero, checked: 2, current: 2 },
      Disconnection: { ...zero, checked: 1, current: 1 },
    });
  });

  it("a row is re-sealed when either of its tokens is under an older key", async () => {
    const ring = parseKeyRing(BOTH);
    const accessOld = await rows().connection();
    await prisma.pleoConnection.update({
      where: { companyId: accessOld.companyId },
      data: { refreshTokenEnc: seal(accessOld.refresh, ring, refresh(accessOld.companyId)) },
    });
    const refreshOld = await rows().connection();
    await prisma.pleoConnection.update({
      where: { companyId: refreshOld.companyId },
      data: { accessTokenEnc: seal(refreshOld.access, ring, access(refreshOld.companyId)) },
    });

    expect((await resealTokens({ db: prisma, log: silent, ring })).PleoConnection).toEqual({
      ...zero,
      checked: 2,
      resealed: 2,
    });
    for (const c of [accessOld, refreshOld]) {
      const r = await rowOf(c.companyId);
      expect(openNew(r.accessTokenEnc, access(c.companyId))).toBe(c.access);
      expect(openNew(r.refreshTokenEnc, refresh(c.companyId))).toBe(c.refresh);
    }
  });

  it("a key ring passed in is used instead of the configured one", async () => {
    const c = await rows().connection();
    // Configuration still lists only the old key.
    const report = await resealTokens({ db: prisma, log: silent, ring: parseKeyRing(BOTH) });
    expect(report.PleoConnection).toEqual({ ...zero, checked: 1, resealed: 1 });
    expect(openNew((await rowOf(c.companyId)).refreshTokenEnc, refresh(c.companyId))).toBe(c.refresh);
  });

  it("reads every row, 200 at a time", async () => {
    const n = 201;
    const companies = Array.from({ length: n }, () => randomUUID());
    const users = companies.map(() => ({ id: randomUUID(), email: `${randomUUID()}@portal.test` }));
    await prisma.user.createMany({ data: users });
    const accounts = users.map((u) => ({
      id: randomUUID(),
      userId: u.id,
      type: "oauth",
      provider: "pleo",
      providerAccountId: u.id,
    }));
    await prisma.account.createMany({ data: accounts });
    await prisma.pleoCompany.createMany({ data: companies.map((id) => ({ id, name: "Co" })) });
    const ring = parseKeyRing(OLD);
    await prisma.pleoConnection.createMany({
      data: companies.map((companyId, i) => ({
        userId: users[i].id,
        accountId: accounts[i].id,
        companyId,
        scopes: [],
        accessTokenEnc: seal(`a${i}`, ring, access(companyId)),
        refreshTokenEnc: seal(`r${i}`, ring, refresh(companyId)),
        accessTokenExpiresAt: at(600_000),
        refreshTokenIssuedAt: at(0),
      })),
    });

    const report = await resealTokens({ db: prisma, log: silent, ring: parseKeyRing(BOTH) });
    expect(report).toEqual({ PleoConnection: { ...zero, checked: n, resealed: n }, Disconnection: zero });
    const stored = await prisma.pleoConnection.findMany({ select: { refreshTokenEnc: true } });
    expect(stored).toHaveLength(n);
    expect(stored.filter((r) => r.refreshTokenEnc.startsWith("v2.t2.")).length).toBe(n);
  });

  it("a row a refresh stored anew while it ran keeps the refresh's tokens and is counted as changed meanwhile", async () => {
    const c = await rows().connection();
    const ring = parseKeyRing(BOTH);
    const theirs = {
      accessTokenEnc: seal("refreshed-access", ring, access(c.companyId)),
      refreshTokenEnc: seal("refreshed-refresh", ring, refresh(c.companyId)),
    };
    // Between its read and its write, another instance's refresh stores new tokens.
    const updateMany = prisma.pleoConnection.updateMany.bind(prisma.pleoConnection) as (...a: unknown[]) => unknown;
    const pleoConnection = withMember(prisma.pleoConnection, "updateMany", async (...args: unknown[]) => {
      await prisma.pleoConnection.update({ where: { companyId: c.companyId }, data: theirs });
      return updateMany(...args);
    });
    const db = withMember(prisma, "pleoConnection", pleoConnection);

    expect((await resealTokens({ db, log: silent, ring })).PleoConnection).toEqual({
      ...zero,
      checked: 1,
      changedMeanwhile: 1,
    });
    expect(await rowOf(c.companyId)).toMatchObject(theirs);
  });

  it("a token no listed key opens is left as it is, counted as failed and named in the log; the rest go on", async () => {
    const cap = captureLogger();
    const stranger = parseKeyRing(`t9:${randomBytes(32).toString("base64url")}`);
    const ok = await rows().connection();
    const bad = await rows().connection();
    const badAccess = seal(bad.access, stranger, access(bad.companyId));
    await prisma.pleoConnection.update({ where: { companyId: bad.companyId }, data: { accessTokenEnc: badAccess } });
    const gone = randomUUID();
    const badPending = await rows().disconnection(gone, {
      accessTokenEnc: seal("x", parseKeyRing(OLD), access(gone)),
      refreshTokenEnc: seal("y", stranger, refresh(gone)),
    });

    const report = await resealTokens({ db: prisma, log: cap.logger, ring: parseKeyRing(BOTH) });
    expect(report).toEqual({
      PleoConnection: { ...zero, checked: 2, resealed: 1, failed: 1 },
      Disconnection: { ...zero, checked: 1, failed: 1 },
    });
    expect((await rowOf(bad.companyId)).accessTokenEnc).toBe(badAccess);
    expect(openNew((await rowOf(ok.companyId)).accessTokenEnc, access(ok.companyId))).toBe(ok.access);

    const failures = cap.lines().filter((l) => l.event === "tokens.reseal.failed");
    expect(failures).toHaveLength(2);
    const badRow = await rowOf(bad.companyId);
    expect(failures[0]).toMatchObject({
      level: 50,
      table: "PleoConnection",
      rowId: badRow.id,
      companyId: bad.companyId,
      msg: "a stored token could not be opened with the listed keys",
      err: { type: "DecryptionError" },
    });
    expect(failures[1]).toMatchObject({ table: "Disconnection", rowId: badPending.id, companyId: gone });
    expect(cap.text()).not.toContain(bad.access);
  });

  it("any other error (the database) stops the run and is thrown", async () => {
    await rows().connection();
    const pleoConnection = withMember(prisma.pleoConnection, "updateMany", () =>
      Promise.reject(new Error("the database went away")),
    );
    const db = withMember(prisma, "pleoConnection", pleoConnection);
    await expect(resealTokens({ db, log: silent, ring: parseKeyRing(BOTH) })).rejects.toThrow("the database went away");
  });
});
