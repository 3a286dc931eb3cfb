import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DecryptionError } from "@/lib/crypto";
import { createLogger } from "@/lib/log";
import { resealTokens } from "@/lib/pleo/token-reseal";
import { replaceSealedTokens } from "@/lib/pleo/token-store";
import { DEMO_SECOND_COMPANY_ID, LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { TEST_SECRETS } from "@/tests/support/env";
import { openAccess, openRefresh, sealV1 } from "@/tests/support/tokens";
import { createWorld, type World } from "@/tests/support/world";

const A = LARGE_COMPANY_ID;
const B = DEMO_SECOND_COMPANY_ID;
const OLD = TEST_SECRETS.TOKEN_ENCRYPTION_KEYS; // "t1:…"
const OLD_KEY = OLD.slice(OLD.indexOf(":") + 1);
const NEW = `t2:${randomBytes(32).toString("base64url")}`;
const silent = createLogger({ level: "silent" });

let world: World;

beforeAll(async () => {
  world = await createWorld({ database: "pglite", sandbox: { entries: 50 }, companies: [A, B] });
});
afterAll(async () => {
  await world?.close();
});
beforeEach(async () => {
  world.configure();
  await world.reset();
});

const row = (companyId: string) => world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId } });
const reseal = () => resealTokens({ db: world.prisma, log: silent });

/** A disconnected company's grant awaiting its uninstall, as the disconnect leaves it. */
async function pendingUninstall(companyId: string, tokens: { accessTokenEnc: string; refreshTokenEnc: string }) {
  return world.prisma.disconnection.create({
    data: {
      companyId,
      companyName: "Disconnected Co",
      userId: "someone",
      keepData: true,
      entryCount: 0,
      uninstallStatus: "pending",
      accessTokenExpiresAt: new Date(world.clock.now() + 600_000),
      ...tokens,
    },
  });
}

describe("npm run tokens:reseal", () => {
  it("rotate the key, reseal, drop the old key: every connection and pending uninstall still works", async () => {
    // B still holds values in the v1 format, as an older portal wrote them.
    const b = await row(B);
    const legacy = {
      accessTokenEnc: sealV1(await openAccess(b), "t1", OLD_KEY),
      refreshTokenEnc: sealV1(await openRefresh(b), "t1", OLD_KEY),
    };
    await world.prisma.pleoConnection.update({ where: { companyId: B }, data: legacy });
    const a = await row(A);
    const gone = await pendingUninstall(A, { accessTokenEnc: a.accessTokenEnc, refreshTokenEnc: a.refreshTokenEnc });
    const refreshTokenOfA = await openRefresh(a);

    world.configure({ TOKEN_ENCRYPTION_KEYS: `${NEW},${OLD}` });
    const first = await reseal();
    expect(first.PleoConnection).toEqual({ checked: 2, resealed: 2, current: 0, changedMeanwhile: 0, failed: 0 });
    expect(first.Disconnection).toEqual({ checked: 1, resealed: 1, current: 0, changedMeanwhile: 0, failed: 0 });
    for (const companyId of [A, B]) {
      const r = await row(companyId);
      expect(r.accessTokenEnc).toMatch(/^v2\.t2\./);
      expect(r.refreshTokenEnc).toMatch(/^v2\.t2\./);
    }
    expect((await reseal()).PleoConnection).toMatchObject({ checked: 2, resealed: 0, current: 2 });

    // The old key is retired: the tokens open, Pleo accepts them, and a refresh works.
    world.configure({ TOKEN_ENCRYPTION_KEYS: NEW });
    const manager = world.tokenManager();
    for (const companyId of [A, B]) {
      expect(await world.sandbox.control.acceptsToken(await manager.getAccessToken(companyId))).toBe(true);
    }
    await world.clock.advance(601); // sandbox access tokens live 600 s
    const refreshed = await manager.getAccessToken(B);
    expect(await world.sandbox.control.acceptsToken(refreshed)).toBe(true);
    expect((await world.sandbox.control.stats()).tokenRequests.refresh_token).toBe(1);
    const d = await world.prisma.disconnection.findUniqueOrThrow({ where: { id: gone.id } });
    expect(d.refreshTokenEnc).toMatch(/^v2\.t2\./);
    expect(await openRefresh({ ...d, companyId: A })).toBe(refreshTokenOfA);
  });

  it("a token it cannot open is left as it is, named, and counted as failed; the others are resealed", async () => {
    const stranger = `t9:${randomBytes(32).toString("base64url")}`;
    world.configure({ TOKEN_ENCRYPTION_KEYS: stranger });
    // B is (re)connected under a key the next configuration will not list.
    await world.reconnect(B);
    const orphan = await row(B);
    world.configure({ TOKEN_ENCRYPTION_KEYS: `${NEW},${OLD}` });

    const report = await reseal();
    expect(report.PleoConnection).toMatchObject({ checked: 2, resealed: 1, failed: 1 });
    expect((await row(B)).accessTokenEnc).toBe(orphan.accessTokenEnc);
    expect((await row(A)).accessTokenEnc).toMatch(/^v2\.t2\./);
  });

  it("never overwrites tokens a refresh stored after they were read", async () => {
    const before = await row(A);
    const manager = world.tokenManager();
    await world.clock.advance(601);
    await manager.getAccessToken(A); // a refresh stores new tokens
    const stale = {
      id: before.id,
      companyId: A,
      accessTokenEnc: before.accessTokenEnc,
      refreshTokenEnc: before.refreshTokenEnc,
    };
    expect(
      await replaceSealedTokens(world.prisma, "PleoConnection", stale, { accessTokenEnc: "x", refreshTokenEnc: "y" }),
    ).toBe(false);
    const after = await row(A);
    expect(after.accessTokenEnc).not.toBe("x");
    expect(await world.sandbox.control.acceptsToken(await openAccess(after))).toBe(true);
  });
});

describe("tokens bound to their row", () => {
  it("a sealed token copied to another connection, or swapped between fields, does not open", async () => {
    const manager = world.tokenManager();
    const a = await row(A);
    await world.prisma.pleoConnection.update({ where: { companyId: B }, data: { accessTokenEnc: a.accessTokenEnc } });
    await expect(manager.getAccessToken(B)).rejects.toThrow(DecryptionError);

    await world.reset();
    const b = await row(B);
    await world.prisma.pleoConnection.update({
      where: { companyId: B },
      data: { accessTokenEnc: b.refreshTokenEnc, refreshTokenEnc: b.accessTokenEnc },
    });
    await expect(manager.getAccessToken(B)).rejects.toThrow(DecryptionError);
    // A, untouched, still works.
    expect(await world.sandbox.control.acceptsToken(await manager.getAccessToken(A))).toBe(true);
  });
});
