/**
 * A company whose grant Pleo ends (revoked, or the app uninstalled in Pleo) leaves every portal session
 * that holds it, in the transaction that marks it NEEDS_REAUTH; those sessions are told, and Reconnect
 * (the real OAuth flow) brings it back. Through the real next-auth handlers, the sandbox over HTTP, the
 * real sync and token manager, and a real database. Shared by the PGlite and PostgreSQL test files.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPANY_BRIGHTWAVE, COMPANY_NORDLYS, COMPANY_THISTLE, DEMO_USER, SOLO_USER } from "@/sandbox/seed/fixtures";
import {
  endedCompanyNamed,
  getConnectionForViewer,
  listConnectionsForViewer,
  listEndedCompaniesForViewer,
  selectCompanyForViewer,
  type Viewer,
} from "@/lib/connections/queries";
import { endCompanyInSessions, registerSessionScopeHooks } from "@/lib/connections/session-scope";
import { NeedsReauthError } from "@/lib/pleo/errors";
import { registerGrantEndedWrite } from "@/lib/pleo/grant-ended";
import { getAccessToken, resetTokenManagerForProcess } from "@/lib/pleo/tokens";
import { disconnectCompany } from "@/lib/settings/disconnect";
import { sessionKey } from "@/lib/sessions";
import { runSync } from "@/lib/sync/run";
import { Browser, PORTAL, startHarness, type Harness } from "./harness";

const demo = { email: DEMO_USER.email, password: DEMO_USER.password };
const solo = { email: SOLO_USER.email, password: SOLO_USER.password };
const BW = COMPANY_BRIGHTWAVE.id;
const NORDLYS = COMPANY_NORDLYS.id;

export function defineEndedSessionsSuite(kind: "pglite" | "postgres") {
  let h: Harness;
  let unhook = () => {};
  /** Demo user, two sessions holding Brightwave (the second also Nordlys); one holding Nordlys only. */
  let a: Browser, b: Browser, c: Browser;
  /** The solo user's own session (Thistle). */
  let d: Browser;
  /** A session row of another user that holds Brightwave (written directly: the connect flow never makes one). */
  let foreignSessionId: string;

  beforeAll(async () => {
    h = await startHarness(kind);
    resetTokenManagerForProcess();
    unhook = registerSessionScopeHooks();
    a = new Browser();
    b = new Browser();
    c = new Browser();
    d = new Browser();
    expect(await h.connect(a, { ...demo, companyId: BW })).toBe(`${PORTAL}/dashboard`);
    expect(await h.connect(b, { ...demo, companyId: BW })).toBe(`${PORTAL}/dashboard`);
    expect(await h.connect(b, { ...demo, companyId: NORDLYS })).toBe(`${PORTAL}/dashboard`);
    expect(await h.connect(c, { ...demo, companyId: NORDLYS })).toBe(`${PORTAL}/dashboard`);
    expect(await h.connect(d, { ...solo, companyId: COMPANY_THISTLE.id })).toBe(`${PORTAL}/dashboard`);
    const soloSession = await sessionRow(d);
    foreignSessionId = (
      await h.db.prisma.session.create({
        data: {
          sessionToken: sessionKey("foreign-session-cookie"),
          userId: soloSession.userId,
          expires: new Date(Date.now() + 3_600_000),
          companyIds: [COMPANY_THISTLE.id, BW],
        },
      })
    ).id;
  });
  afterAll(async () => {
    unhook();
    resetTokenManagerForProcess();
    await h?.close();
  });

  const sessionRow = (browser: Browser) =>
    h.db.prisma.session.findUniqueOrThrow({ where: { sessionToken: sessionKey(browser.sessionToken()!) } });
  /** The viewer the app builds for the browser: its session as next-auth returns it, plus the session's row id. */
  const viewerOf = async (browser: Browser): Promise<Viewer> => {
    const res = await h.request(browser, "/api/auth/session");
    const body = (await res.json()) as { user?: { id: string }; companyIds?: string[] } | null;
    expect(body?.user?.id).toBeTruthy();
    return { userId: body!.user!.id, companyIds: body!.companyIds ?? [], sessionId: (await sessionRow(browser)).id };
  };
  const status = async (companyId: string) =>
    (await h.db.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId } })).status;
  const endedNames = async (browser: Browser) =>
    (await listEndedCompaniesForViewer(await viewerOf(browser))).map((e) => `${e.companyName}:${e.status}`);

  describe(`sessions lose a company whose grant Pleo ended (${kind})`, () => {
    it("a failing write in the status transaction changes nothing: not NEEDS_REAUTH, no session loses the company", async () => {
      await h.sandbox.control.revoke(NORDLYS, { keepInstallation: true });
      const before = await Promise.all([b, c].map(sessionRow));
      // The real removal, then a failure in the same transaction (as a database error would be).
      const restore = registerGrantEndedWrite("session-scope", async (tx, companyId) => {
        expect(await endCompanyInSessions(tx, companyId)).toBe(2);
        throw new Error("the write after the removal failed");
      });
      try {
        await expect(getAccessToken(NORDLYS, { forceRefresh: true })).rejects.toThrow(
          "the write after the removal failed",
        );
      } finally {
        restore();
        registerSessionScopeHooks();
      }
      expect(await status(NORDLYS)).toBe("CONNECTED");
      const after = await Promise.all([b, c].map(sessionRow));
      expect(after.map((s) => [s.companyIds, s.endedCompanyIds])).toEqual(
        before.map((s) => [s.companyIds, s.endedCompanyIds]),
      );
      expect(after[1].companyIds).toEqual([NORDLYS]);
      expect(await h.db.prisma.connectionEvent.count({ where: { companyId: NORDLYS, type: "needs_reconnect" } })).toBe(
        0,
      );

      // The next token use (once the interrupted refresh's lease has expired) verifies the token, finds it
      // dead, and this time both writes happen.
      await h.db.prisma.pleoConnection.update({
        where: { companyId: NORDLYS },
        data: { refreshStartedAt: new Date(Date.now() - 3_600_000) },
      });
      const err = await getAccessToken(NORDLYS, { forceRefresh: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NeedsReauthError);
      expect((err as NeedsReauthError).reason).toBe("refresh_interrupted");
      expect(await status(NORDLYS)).toBe("NEEDS_REAUTH");
      expect((await sessionRow(b)).companyIds).toEqual([BW]);
      expect((await sessionRow(c)).companyIds).toEqual([]);
      expect((await sessionRow(c)).endedCompanyIds).toEqual([NORDLYS]);
    });

    it("revoked in Pleo: the next sync marks NEEDS_REAUTH and removes it from every session holding it, and only those", async () => {
      const untouched = await sessionRow(d);
      await h.sandbox.control.revoke(BW);
      expect(await runSync({ companyId: BW, trigger: "schedule" })).toMatchObject({ status: "needs_reauth" });
      expect(await status(BW)).toBe("NEEDS_REAUTH");

      expect(await sessionRow(a)).toMatchObject({ companyIds: [], endedCompanyIds: [BW] });
      expect(await sessionRow(b)).toMatchObject({ companyIds: [], endedCompanyIds: [NORDLYS, BW] });
      expect(await sessionRow(c)).toMatchObject({ companyIds: [], endedCompanyIds: [NORDLYS] });
      const foreign = await h.db.prisma.session.findUniqueOrThrow({ where: { id: foreignSessionId } });
      expect(foreign).toMatchObject({ companyIds: [COMPANY_THISTLE.id], endedCompanyIds: [BW] });
      const unrelated = await sessionRow(d);
      expect(unrelated).toMatchObject({ companyIds: untouched.companyIds, endedCompanyIds: [] });
      expect(unrelated.companyIds).toEqual([COMPANY_THISTLE.id]);
    });

    it("the sessions that lost it read it as not found, and still read what they kept", async () => {
      for (const browser of [a, b]) {
        const viewer = await viewerOf(browser);
        expect(viewer.companyIds).not.toContain(BW);
        expect(await getConnectionForViewer(viewer, BW)).toBeNull();
        expect(await selectCompanyForViewer(viewer, BW)).toBeNull();
        expect(await listConnectionsForViewer(viewer)).toEqual([]);
      }
      const theirs = await viewerOf(d);
      expect((await listConnectionsForViewer(theirs)).map((x) => x.companyId)).toEqual([COMPANY_THISTLE.id]);
    });

    it("the notice names the company only in sessions that had it, and only to the user it is linked to", async () => {
      expect(await endedNames(a)).toEqual([`${COMPANY_BRIGHTWAVE.name}:NEEDS_REAUTH`]);
      expect(await endedNames(b)).toEqual([
        `${COMPANY_BRIGHTWAVE.name}:NEEDS_REAUTH`,
        `${COMPANY_NORDLYS.name}:NEEDS_REAUTH`,
      ]);
      expect(await endedNames(c)).toEqual([`${COMPANY_NORDLYS.name}:NEEDS_REAUTH`]);
      expect(await endedNames(d)).toEqual([]);
      // The other user's session that held Brightwave: it lost it, but is never told its name.
      const foreign = await h.db.prisma.session.findUniqueOrThrow({ where: { id: foreignSessionId } });
      const foreignViewer: Viewer = { userId: foreign.userId, companyIds: foreign.companyIds, sessionId: foreign.id };
      expect(await listEndedCompaniesForViewer(foreignViewer)).toEqual([]);
      expect(await endedCompanyNamed(foreignViewer, BW)).toBeNull();
      // A page asking for it by id: the ended company in a session that had it, nothing elsewhere.
      expect((await endedCompanyNamed(await viewerOf(a), BW.toUpperCase()))?.companyName).toBe(COMPANY_BRIGHTWAVE.name);
      expect(await endedCompanyNamed(await viewerOf(c), BW)).toBeNull();
      expect(await endedCompanyNamed(await viewerOf(a), "not-a-uuid")).toBeNull();
    });

    it("Reconnect through Pleo's consent restores access in that session and clears its notice; others are told it is back", async () => {
      expect(await h.connect(a, { ...demo, companyId: BW })).toBe(`${PORTAL}/dashboard`);
      expect(await status(BW)).toBe("CONNECTED");
      expect(await sessionRow(a)).toMatchObject({ companyIds: [BW], endedCompanyIds: [] });
      const viewer = await viewerOf(a);
      expect((await getConnectionForViewer(viewer, BW))?.companyName).toBe(COMPANY_BRIGHTWAVE.name);
      expect(await endedNames(a)).toEqual([]);
      // Session b still needs its own consent for Brightwave: told it was reconnected elsewhere.
      expect(await getConnectionForViewer(await viewerOf(b), BW)).toBeNull();
      expect(await endedNames(b)).toEqual([
        `${COMPANY_BRIGHTWAVE.name}:CONNECTED`,
        `${COMPANY_NORDLYS.name}:NEEDS_REAUTH`,
      ]);
      expect(await h.connect(b, { ...demo, companyId: NORDLYS })).toBe(`${PORTAL}/dashboard`);
      expect(await sessionRow(b)).toMatchObject({ companyIds: [NORDLYS], endedCompanyIds: [BW] });
    });

    it("a disconnect by the user leaves no notice anywhere: it was chosen, and the connection is gone", async () => {
      const viewer = await viewerOf(a);
      const connection = (await getConnectionForViewer(viewer, BW))!;
      await disconnectCompany({ connection, userId: viewer.userId, sessionId: viewer.sessionId!, keepData: true });
      expect(await sessionRow(a)).toMatchObject({ companyIds: [], endedCompanyIds: [] });
      expect(await sessionRow(b)).toMatchObject({ companyIds: [NORDLYS], endedCompanyIds: [] });
      const foreign = await h.db.prisma.session.findUniqueOrThrow({ where: { id: foreignSessionId } });
      expect(foreign.endedCompanyIds).toEqual([]);
      expect(await endedNames(a)).toEqual([]);
      expect(await endedNames(b)).toEqual([]);
    });
  });
}
