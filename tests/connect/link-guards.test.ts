/**
 * Defence in depth, each guard on its own. The sign-in flow refuses a company linked to another portal
 * account before it ever calls lib/connections/link.ts (tests/connect/linking-suite.ts); here the
 * link-time checks are reached directly, with that first guard bypassed: a real grant from the sandbox
 * for a company another user owns, or a session token that is not the caller's. Each must refuse and
 * leave the database exactly as it was.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CompanyLinkedElsewhereError, linkCompany, reconnectCompany } from "@/lib/connections/link";
import { DEFAULT_PLEO_SCOPES } from "@/lib/env";
import type { GrantedTokens } from "@/lib/pleo/oauth";
import type { Company } from "@/lib/pleo/types";
import { sessionKey } from "@/lib/sessions";
import { COMPANY_BRIGHTWAVE, COMPANY_NORDLYS, type CompanyFixture } from "@/sandbox/seed/fixtures";
import { sandboxTokens } from "@/tests/support/sandbox";
import { companyFromFixture, createWorld, type World } from "@/tests/support/world";

const OWNED = COMPANY_NORDLYS;
const FREE = COMPANY_BRIGHTWAVE;

let world: World;

const company = (f: CompanyFixture): Company => companyFromFixture(f.id);

/** A real grant for the company, as Pleo's token endpoint would give an intruder who got one. */
async function grantFor(companyId: string): Promise<GrantedTokens> {
  const t = await sandboxTokens(world.sandbox, companyId);
  return { accessToken: t.access_token, refreshToken: t.refresh_token, expiresInSeconds: t.expires_in, scope: t.scope };
}

async function newUserWithSession(): Promise<{ userId: string; cookie: string }> {
  const user = await world.prisma.user.create({ data: { email: `${randomBytes(4).toString("hex")}@portal.test` } });
  const cookie = randomBytes(16).toString("hex");
  await world.prisma.session.create({
    data: {
      sessionToken: sessionKey(cookie),
      userId: user.id,
      expires: new Date(Date.now() + 3_600_000),
      companyIds: [],
    },
  });
  return { userId: user.id, cookie };
}

/** Everything a link or reconnect writes, to compare before and after a refusal. */
async function snapshot() {
  const p = world.prisma;
  return {
    accounts: await p.account.findMany({ orderBy: { id: "asc" } }),
    connections: await p.pleoConnection.findMany({ orderBy: { id: "asc" } }),
    sessions: await p.session.findMany({
      orderBy: { id: "asc" },
      select: { id: true, userId: true, companyIds: true },
    }),
    events: await p.connectionEvent.count(),
  };
}

beforeAll(async () => {
  world = await createWorld({ database: "pglite", sandbox: { entries: 50 }, companies: [OWNED.id] });
});
afterAll(async () => {
  await world?.close();
});
beforeEach(async () => {
  await world.reset();
  await world.prisma.session.deleteMany();
});

describe("link-time ownership check (sign-in check bypassed)", () => {
  it("linkCompany refuses a company another account owns, with a valid grant for it, and stores nothing", async () => {
    const intruder = await newUserWithSession();
    const before = await snapshot();
    expect(before.connections).toHaveLength(1);
    await expect(
      linkCompany({
        userId: intruder.userId,
        company: company(OWNED),
        tokens: await grantFor(OWNED.id),
        requestedScopes: DEFAULT_PLEO_SCOPES,
        addToSession: intruder.cookie,
      }),
    ).rejects.toBeInstanceOf(CompanyLinkedElsewhereError);
    expect(await snapshot()).toEqual(before);
  });

  it("reconnectCompany refuses another account's company and keeps the owner's tokens", async () => {
    const intruder = await newUserWithSession();
    const before = await snapshot();
    await expect(
      reconnectCompany({
        userId: intruder.userId,
        company: company(OWNED),
        tokens: await grantFor(OWNED.id),
        requestedScopes: DEFAULT_PLEO_SCOPES,
        addToSession: intruder.cookie,
      }),
    ).rejects.toThrow(CompanyLinkedElsewhereError);
    expect(await snapshot()).toEqual(before);
  });

  it("linking the owner's own company again, or reconnecting one never linked, is refused too", async () => {
    const owner = (await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: OWNED.id } })).userId;
    const before = await snapshot();
    await expect(
      linkCompany({ userId: owner, company: company(OWNED), tokens: await grantFor(OWNED.id), requestedScopes: "" }),
    ).rejects.toThrow(/already linked to this user; reconnect it instead/);
    await expect(
      reconnectCompany({ userId: owner, company: company(FREE), tokens: await grantFor(FREE.id), requestedScopes: "" }),
    ).rejects.toThrow(/is not linked; link it instead/);
    expect(await snapshot()).toEqual(before);
  });
});

describe("session scope check at link time (a session that is not the caller's)", () => {
  it("a forged or foreign session token fails the link, and the company is not linked at all", async () => {
    const victim = await newUserWithSession();
    const caller = await newUserWithSession();
    const before = await snapshot();
    for (const addToSession of [victim.cookie, "forged-" + caller.cookie, sessionKey(caller.cookie)]) {
      await expect(
        linkCompany({
          userId: caller.userId,
          company: company(FREE),
          tokens: await grantFor(FREE.id),
          requestedScopes: DEFAULT_PLEO_SCOPES,
          addToSession,
        }),
      ).rejects.toThrow(/session ended or changed/);
    }
    expect(await snapshot()).toEqual(before);

    // The caller's own session works, and gains exactly that company.
    await linkCompany({
      userId: caller.userId,
      company: company(FREE),
      tokens: await grantFor(FREE.id),
      requestedScopes: DEFAULT_PLEO_SCOPES,
      addToSession: caller.cookie,
    });
    const sessions = await world.prisma.session.findMany({ select: { userId: true, companyIds: true } });
    expect(sessions).toHaveLength(2);
    expect(sessions.find((s) => s.userId === caller.userId)?.companyIds).toEqual([FREE.id]);
    expect(sessions.find((s) => s.userId === victim.userId)?.companyIds).toEqual([]);
  });
});
