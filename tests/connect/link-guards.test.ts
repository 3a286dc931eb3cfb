/**
 * Defence in depth, each guard on its own. The sign-in flow refuses a company linked to another portal
 * account before it ever calls lib/connections/link.ts (tests/connect/linking-suite.ts); here the
 * link-time checks are reached directly, with that first guard bypassed: a real grant from the sandbox
 * for a company another user owns, or a session token that is not the caller's. Each must refuse and
 * leave the database exactly as it was.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { registerConnectedHook } from "@/lib/connections/events";
import {
  CompanyLinkedElsewhereError,
  linkCompany,
  reconnectCompany,
  unlinkCompany,
  type LinkInput,
} from "@/lib/connections/link";
import { DEFAULT_PLEO_SCOPES } from "@/lib/env";
import type { GrantedTokens } from "@/lib/pleo/oauth";
import type { Company } from "@/lib/pleo/types";
import { sessionKey } from "@/lib/sessions";
import { COMPANY_BRIGHTWAVE, COMPANY_NORDLYS, type CompanyFixture } from "@/sandbox/seed/fixtures";
import { withBusyProcessDatabase } from "@/tests/support/db";
import { sandboxTokens } from "@/tests/support/sandbox";
import { companyFromFixture, createWorld, type World } from "@/tests/support/world";

const OWNED = COMPANY_NORDLYS;
const FREE = COMPANY_BRIGHTWAVE;

// Everything inside one describe: a failing hook then fails the tests (Stryker counts it; README → Mutation testing).
describe("lib/connections/link.ts", () => {
  let world: World;

  const elsewhere = `Pleo company ${OWNED.id} is already connected to another portal account`;
  const company = (f: CompanyFixture): Company => companyFromFixture(f.id);

  /** A real grant for the company, as Pleo's token endpoint would give an intruder who got one. */
  async function grantFor(companyId: string): Promise<GrantedTokens> {
    const t = await sandboxTokens(world.sandbox, companyId);
    return {
      accessToken: t.access_token,
      refreshToken: t.refresh_token,
      expiresInSeconds: t.expires_in,
      scope: t.scope,
    };
  }

  /** What the sign-in step hands linkCompany/reconnectCompany for `f`: a real grant, the default scopes. */
  async function linkInput(userId: string, f: CompanyFixture, more: Partial<LinkInput> = {}): Promise<LinkInput> {
    return {
      userId,
      company: company(f),
      tokens: await grantFor(f.id),
      requestedScopes: DEFAULT_PLEO_SCOPES,
      ...more,
    };
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
    world = await createWorld({ database: "pglite", sandbox: { entries: 50 } });
  });
  afterAll(async () => {
    await world?.close();
  });
  beforeEach(async () => {
    await world.reset();
    // Linked in each test's hook, not the file's: Stryker then knows which test reached each line.
    await world.connect(OWNED.id);
    await world.prisma.session.deleteMany();
    await world.prisma.connectionEvent.deleteMany();
    await world.prisma.disconnection.deleteMany();
    // FREE is never linked after a reset: start each test without its company row.
    await world.prisma.pleoCompany.deleteMany({ where: { id: FREE.id } });
  });

  describe("link-time ownership check (sign-in check bypassed)", () => {
    it("linkCompany refuses a company another account owns, with a valid grant for it, and stores nothing", async () => {
      const intruder = await newUserWithSession();
      const before = await snapshot();
      expect(before.connections).toHaveLength(1);
      await expect(
        linkCompany(await linkInput(intruder.userId, OWNED, { addToSession: intruder.cookie })),
      ).rejects.toBeInstanceOf(CompanyLinkedElsewhereError);
      // The sign-in error page tells this case by the error's name (lib/auth/failures.ts).
      await expect(linkCompany(await linkInput(intruder.userId, OWNED))).rejects.toMatchObject({
        name: "CompanyLinkedElsewhereError",
        companyId: OWNED.id,
        message: elsewhere,
      });
      expect(await snapshot()).toEqual(before);
    });

    it("reconnectCompany refuses another account's company and keeps the owner's tokens", async () => {
      const intruder = await newUserWithSession();
      const before = await snapshot();
      await expect(
        reconnectCompany(await linkInput(intruder.userId, OWNED, { addToSession: intruder.cookie })),
      ).rejects.toThrow(CompanyLinkedElsewhereError);
      await expect(reconnectCompany(await linkInput(intruder.userId, OWNED))).rejects.toMatchObject({
        name: "CompanyLinkedElsewhereError",
        companyId: OWNED.id,
        message: elsewhere,
      });
      expect(await snapshot()).toEqual(before);
    });

    it("linking the owner's own company again, or reconnecting one never linked, is refused too", async () => {
      const owner = (await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: OWNED.id } })).userId;
      const before = await snapshot();
      await expect(linkCompany(await linkInput(owner, OWNED, { requestedScopes: "" }))).rejects.toThrow(
        /already linked to this user; reconnect it instead/,
      );
      await expect(reconnectCompany(await linkInput(owner, FREE, { requestedScopes: "" }))).rejects.toThrow(
        /is not linked; link it instead/,
      );
      expect(await snapshot()).toEqual(before);
    });
  });

  describe("session scope check at link time (a session that is not the caller's)", () => {
    it("a forged or foreign session token fails the link, and the company is not linked at all", async () => {
      const victim = await newUserWithSession();
      const caller = await newUserWithSession();
      const before = await snapshot();
      for (const addToSession of [victim.cookie, "forged-" + caller.cookie, sessionKey(caller.cookie)]) {
        await expect(linkCompany(await linkInput(caller.userId, FREE, { addToSession }))).rejects.toThrow(
          /session ended or changed/,
        );
      }
      expect(await snapshot()).toEqual(before);

      // The caller's own session works, and gains exactly that company.
      await linkCompany(await linkInput(caller.userId, FREE, { addToSession: caller.cookie }));
      const sessions = await world.prisma.session.findMany({ select: { userId: true, companyIds: true } });
      expect(sessions).toHaveLength(2);
      expect(sessions.find((s) => s.userId === caller.userId)?.companyIds).toEqual([FREE.id]);
      expect(sessions.find((s) => s.userId === victim.userId)?.companyIds).toEqual([]);
    });
  });

  const accountOf = (companyId: string) =>
    world.prisma.account.findUniqueOrThrow({
      where: { provider_providerAccountId: { provider: "pleo", providerAccountId: companyId } },
    });
  const connectionOf = (companyId: string) => world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId } });
  const eventsOf = (companyId: string) =>
    world.prisma.connectionEvent.findMany({
      where: { companyId },
      orderBy: { id: "asc" },
      select: { type: true, actor: true, actorUserId: true, detail: true, at: true },
    });
  /** A disconnect record for the company, as lib/settings/disconnect.ts leaves one. */
  const disconnection = (companyId: string, uninstallStatus: "pending" | "done", userId: string) =>
    world.prisma.disconnection.create({
      data: { companyId, companyName: "x", userId, keepData: true, entryCount: 0, uninstallStatus },
    });
  const AGAIN =
    "Connected again: a fresh connection with default settings; data kept at the last disconnect is shown again.";

  describe("what a link writes", () => {
    it("the company, an Account link without tokens, the connection, a 'connected' event; hooks run; ids returned", async () => {
      const user = await newUserWithSession();
      const hooked: string[] = [];
      const off = registerConnectedHook((id) => {
        hooked.push(id);
      });
      const now = new Date("2026-01-02T03:04:05.000Z");
      const tokens = await grantFor(FREE.id);
      const scopes = tokens.scope!.split(" ");
      expect(scopes.length).toBeGreaterThan(1);
      // Another company's disconnect says nothing about this one: its first link.
      await disconnection(OWNED.id, "done", user.userId);
      try {
        const r = await linkCompany({
          userId: user.userId,
          company: company(FREE),
          tokens,
          requestedScopes: "",
          addToSession: user.cookie,
          now,
        });
        const account = await accountOf(FREE.id);
        expect(r).toEqual({ accountId: account.id, connectionId: (await connectionOf(FREE.id)).id });
        expect(account).toMatchObject({
          userId: user.userId,
          type: "oauth",
          provider: "pleo",
          token_type: "bearer",
          scope: scopes.join(" "),
          access_token: null,
          refresh_token: null,
        });
        expect(await connectionOf(FREE.id)).toMatchObject({
          userId: user.userId,
          accountId: account.id,
          status: "CONNECTED",
          connectedAt: now,
          scopes,
        });
        expect(await world.prisma.pleoCompany.findUniqueOrThrow({ where: { id: FREE.id } })).toMatchObject({
          name: FREE.name,
          organizationId: FREE.organizationId,
          registrationNumber: FREE.registrationNumber,
          country: FREE.address.country,
          address: FREE.address,
        });
        expect(await eventsOf(FREE.id)).toEqual([
          {
            type: "connected",
            actor: "user",
            actorUserId: user.userId,
            detail: `Connected with ${scopes.length} scopes.`,
            at: now,
          },
        ]);
        expect(hooked).toEqual([FREE.id]);
      } finally {
        off();
      }
    });

    it("a link and a reconnect wait behind another transaction (a disconnect deleting data) past Prisma's 2 s default", async () => {
      const user = await newUserWithSession();
      await withBusyProcessDatabase(world.database, 2_500, async () => {
        await linkCompany(await linkInput(user.userId, FREE));
        await reconnectCompany(await linkInput(user.userId, FREE));
      });
      expect(await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: FREE.id } })).toMatchObject({
        status: "CONNECTED",
        tokenVersion: 1,
      });
    });

    it("a company Pleo gives no address links with no country, and a later link fills it in", async () => {
      const user = await newUserWithSession();
      await linkCompany(await linkInput(user.userId, FREE, { company: { ...company(FREE), address: null } }));
      expect(await world.prisma.pleoCompany.findUniqueOrThrow({ where: { id: FREE.id } })).toMatchObject({
        country: null,
        address: null,
      });
      await world.prisma.$transaction((tx) => unlinkCompany(tx, FREE.id, user.userId));
      await linkCompany(await linkInput(user.userId, FREE));
      expect(await world.prisma.pleoCompany.findUniqueOrThrow({ where: { id: FREE.id } })).toMatchObject({
        country: FREE.address.country,
        address: FREE.address,
      });
    });

    it("linking again after a finished disconnect says so and leaves that disconnect alone", async () => {
      const owner = (await connectionOf(OWNED.id)).userId;
      expect(await world.prisma.$transaction((tx) => unlinkCompany(tx, OWNED.id, owner))).toBe(true);
      const done = await disconnection(OWNED.id, "done", owner);
      await world.prisma.connectionEvent.deleteMany();
      await linkCompany(await linkInput(owner, OWNED));
      expect((await eventsOf(OWNED.id)).map((e) => e.detail)).toEqual([AGAIN]);
      expect(await world.prisma.disconnection.findUniqueOrThrow({ where: { id: done.id } })).toEqual(done);
    });

    it("linking again while the last disconnect's uninstall is pending cancels it (it would remove the new installation)", async () => {
      const owner = (await connectionOf(OWNED.id)).userId;
      expect(await world.prisma.$transaction((tx) => unlinkCompany(tx, OWNED.id, owner))).toBe(true);
      const pending = await disconnection(OWNED.id, "pending", owner);
      await world.prisma.connectionEvent.deleteMany();
      await linkCompany(await linkInput(owner, OWNED));
      expect((await eventsOf(OWNED.id)).map((e) => e.detail)).toEqual([AGAIN]);
      expect(await world.prisma.disconnection.findUniqueOrThrow({ where: { id: pending.id } })).toMatchObject({
        uninstallStatus: "cancelled",
      });
    });
  });

  describe("what a reconnect writes", () => {
    it("the new grant, the company's new details, the Account's scopes; says whether the old grant had stopped working", async () => {
      const owner = (await connectionOf(OWNED.id)).userId;
      const before = await connectionOf(OWNED.id);
      await world.prisma.pleoCompany.update({ where: { id: OWNED.id }, data: { currency: "DKK" } });
      await world.prisma.pleoConnection.update({
        where: { companyId: OWNED.id },
        data: { status: "NEEDS_REAUTH", statusReason: "revoked" },
      });
      await world.prisma.connectionEvent.deleteMany();
      const pending = await disconnection(OWNED.id, "pending", owner);
      const hooked: string[] = [];
      const off = registerConnectedHook((id) => {
        hooked.push(id);
      });
      const now = new Date("2026-02-03T04:05:06.000Z");
      const narrower = "companies:read accounting-entries:read";
      try {
        const t = await sandboxTokens(world.sandbox, OWNED.id, { scope: narrower });
        const r = await reconnectCompany({
          userId: owner,
          company: { ...company(OWNED), name: "Nordlys Renamed ApS", address: null },
          tokens: {
            accessToken: t.access_token,
            refreshToken: t.refresh_token,
            expiresInSeconds: t.expires_in,
            scope: t.scope,
          },
          requestedScopes: DEFAULT_PLEO_SCOPES,
          now,
        });
        expect(r).toEqual({ connectionId: before.id });
        expect(await connectionOf(OWNED.id)).toMatchObject({
          id: before.id,
          status: "CONNECTED",
          statusReason: null,
          tokenVersion: before.tokenVersion + 1,
        });
        const stored = (await connectionOf(OWNED.id)).scopes;
        expect([...stored].sort()).toEqual(narrower.split(" ").sort());
        expect((await accountOf(OWNED.id)).scope).toBe(stored.join(" "));
        expect(await world.prisma.pleoCompany.findUniqueOrThrow({ where: { id: OWNED.id } })).toMatchObject({
          name: "Nordlys Renamed ApS",
          country: null,
          currency: "DKK",
        });
        expect(await world.prisma.disconnection.findUniqueOrThrow({ where: { id: pending.id } })).toMatchObject({
          uninstallStatus: "cancelled",
        });
        expect(hooked).toEqual([OWNED.id]);

        // Again, while it still works: the other wording.
        await reconnectCompany(await linkInput(owner, OWNED));
        expect(hooked).toEqual([OWNED.id, OWNED.id]);
      } finally {
        off();
      }
      const events = await eventsOf(OWNED.id);
      expect(events).toHaveLength(2);
      expect(events[0]).toEqual({
        type: "reconnected",
        actor: "user",
        actorUserId: owner,
        detail:
          "Reconnected: Pleo's new authorisation replaces the one that stopped working; synced data and settings are kept.",
        at: now,
      });
      expect(events[1]).toMatchObject({
        type: "reconnected",
        detail: "Reconnected: Pleo's new authorisation replaces the previous one; synced data and settings are kept.",
      });
      expect(Math.abs(events[1].at.getTime() - Date.now())).toBeLessThan(60_000);
    });

    it("an Account link whose connection row is missing is healed with a new connection, into the caller's session", async () => {
      const owner = (await connectionOf(OWNED.id)).userId;
      await world.prisma.pleoConnection.delete({ where: { companyId: OWNED.id } });
      const session = await newUserWithSession();
      await world.prisma.session.update({
        where: { sessionToken: sessionKey(session.cookie) },
        data: { userId: owner },
      });
      const r = await reconnectCompany(await linkInput(owner, OWNED, { addToSession: session.cookie }));
      const healed = await connectionOf(OWNED.id);
      expect(r).toEqual({ connectionId: healed.id });
      expect(healed).toMatchObject({ userId: owner, accountId: (await accountOf(OWNED.id)).id, status: "CONNECTED" });
      expect(
        (await world.prisma.session.findUniqueOrThrow({ where: { sessionToken: sessionKey(session.cookie) } }))
          .companyIds,
      ).toEqual([OWNED.id]);
    });
  });

  describe("unlinkCompany", () => {
    it("removes only the caller's own link (the connection and its tokens go with it); false when there is none", async () => {
      const owner = (await connectionOf(OWNED.id)).userId;
      const other = await newUserWithSession();
      const before = await snapshot();
      expect(await world.prisma.$transaction((tx) => unlinkCompany(tx, OWNED.id, other.userId))).toBe(false);
      expect(await world.prisma.$transaction((tx) => unlinkCompany(tx, FREE.id, owner))).toBe(false);
      expect(await snapshot()).toEqual(before);
      expect(await world.prisma.$transaction((tx) => unlinkCompany(tx, OWNED.id, owner))).toBe(true);
      expect(await world.prisma.account.count()).toBe(0);
      expect(await world.prisma.pleoConnection.count()).toBe(0);
      // The company and its data stay.
      expect(await world.prisma.pleoCompany.count({ where: { id: OWNED.id } })).toBe(1);
      expect(await world.prisma.$transaction((tx) => unlinkCompany(tx, OWNED.id, owner))).toBe(false);
    });
  });
});
