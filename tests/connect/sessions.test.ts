/**
 * Portal sessions end and are stored hashed (lib/sessions.ts), through the real next-auth handlers, the
 * sandbox and PGlite. Time is moved by editing the session row (`expires`, `createdAt`): the same checks
 * run whatever the clock says.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sessionKey } from "@/lib/sessions";
import { COMPANY_BRIGHTWAVE, COMPANY_NORDLYS, DEMO_USER } from "@/sandbox/seed/fixtures";
import { Browser, PORTAL, startHarness, type Harness } from "./harness";

const demo = { email: DEMO_USER.email, password: DEMO_USER.password };
const HOUR = 3_600_000;

let h: Harness;
let b: Browser;

beforeAll(async () => {
  h = await startHarness("pglite");
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  h.world.configure({ AUTH_URL: PORTAL });
  b = new Browser();
  expect(await h.connect(b, { ...demo, companyId: COMPANY_NORDLYS.id })).toBe(`${PORTAL}/dashboard`);
});

const row = () => h.db.prisma.session.findUniqueOrThrow({ where: { sessionToken: sessionKey(b.sessionToken()!) } });
const signedInUser = async (browser: Browser) => {
  const res = await h.request(browser, "/api/auth/session");
  expect(res.status).toBe(200);
  return ((await res.json()) as { user?: { id: string } } | null)?.user?.id ?? null;
};

describe("sessions", () => {
  it("are stored as the SHA-256 of the cookie: a database read is not a session", async () => {
    const cookie = b.sessionToken()!;
    const stored = await row();
    expect(stored.sessionToken).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.sessionToken).not.toBe(cookie);
    expect(await h.db.prisma.session.count({ where: { sessionToken: cookie } })).toBe(0);
    expect(await signedInUser(b)).toBe(stored.userId);

    // A cookie carrying the stored value opens nothing.
    const thief = new Browser();
    thief.cookies.set("authjs.session-token", stored.sessionToken);
    expect(await signedInUser(thief)).toBeNull();
  });

  it("end after the idle timeout (default 2 h), and use moves the idle end forward", async () => {
    const created = await row();
    const idleEnd = created.expires.getTime() - Date.now();
    expect(idleEnd).toBeGreaterThan(2 * HOUR - 60_000);
    expect(idleEnd).toBeLessThanOrEqual(2 * HOUR);

    // Used a while later (next-auth extends at most once a minute): the idle end moves to now + 2 h.
    await h.db.prisma.session.update({ where: { id: created.id }, data: { expires: new Date(Date.now() + HOUR) } });
    expect(await signedInUser(b)).toBe(created.userId);
    expect((await row()).expires.getTime()).toBeGreaterThan(Date.now() + 2 * HOUR - 60_000);

    // Idle past its end: signed out, the row is gone.
    await h.db.prisma.session.update({ where: { id: created.id }, data: { expires: new Date(Date.now() - 1000) } });
    expect(await signedInUser(b)).toBeNull();
    expect(await h.db.prisma.session.count({ where: { id: created.id } })).toBe(0);
  });

  it("end 12 h after sign-in however active, and activity never extends them past that", async () => {
    const created = await row();
    // 11 h 30 min old and in use: the idle end is capped at the absolute end (30 min away), not now + 2 h.
    await h.db.prisma.session.update({
      where: { id: created.id },
      data: { createdAt: new Date(Date.now() - 11.5 * HOUR), expires: new Date(Date.now() + 60 * 60_000) },
    });
    expect(await signedInUser(b)).toBe(created.userId);
    const capped = (await row()).expires.getTime() - Date.now();
    expect(capped).toBeLessThanOrEqual(30 * 60_000);
    expect(capped).toBeGreaterThan(29 * 60_000);

    // Past 12 h: signed out although the idle end is still ahead.
    await h.db.prisma.session.update({
      where: { id: created.id },
      data: { createdAt: new Date(Date.now() - 12 * HOUR - 1000), expires: new Date(Date.now() + HOUR) },
    });
    expect(await signedInUser(b)).toBeNull();
    expect(await h.db.prisma.session.count({ where: { id: created.id } })).toBe(0);
  });

  it("an ended session cannot add a company: connecting with it signs in anew, scoped to that company alone", async () => {
    const before = await row();
    await h.db.prisma.session.update({
      where: { id: before.id },
      data: { createdAt: new Date(Date.now() - 13 * HOUR), expires: new Date(Date.now() + HOUR) },
    });
    expect(await h.connect(b, { ...demo, companyId: COMPANY_BRIGHTWAVE.id })).toBe(`${PORTAL}/dashboard`);
    expect(await h.db.prisma.session.count({ where: { id: before.id } })).toBe(0);
    const fresh = await row();
    expect(fresh.id).not.toBe(before.id);
    expect(fresh.companyIds).toEqual([COMPANY_BRIGHTWAVE.id]);
  });

  it("lifetimes are configurable", async () => {
    h.world.configure({ AUTH_URL: PORTAL, SESSION_IDLE_MINUTES: "15", SESSION_MAX_HOURS: "1" });
    const other = new Browser();
    expect(await h.connect(other, { ...demo, companyId: COMPANY_BRIGHTWAVE.id })).toBe(`${PORTAL}/dashboard`);
    const s = await h.db.prisma.session.findUniqueOrThrow({
      where: { sessionToken: sessionKey(other.sessionToken()!) },
    });
    expect(s.expires.getTime() - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    await h.db.prisma.session.update({ where: { id: s.id }, data: { createdAt: new Date(Date.now() - HOUR - 1000) } });
    expect(await signedInUser(other)).toBeNull();
  });
});
