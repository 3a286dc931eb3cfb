/**
 * The connection's activity log: the token lifecycle records itself where it happens (lib/pleo, which
 * cannot import lib/connections), with its actor; Pleo revoking the grant shows as "needs reconnect" by
 * Pleo and stops the schedule; no event ever carries a token; the log reads newest first, paged. And the
 * reusable "remove a company from every session".
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getConnectionForViewer } from "@/lib/connections/queries";
import { removeCompanyFromSessions } from "@/lib/connections/session-scope";
import { pleoClient } from "@/lib/pleo/client";
import { NeedsReauthError } from "@/lib/pleo/errors";
import { ACTIVITY_PAGE_SIZE, readActivity, readHealth } from "@/lib/settings/read";
import { runSync } from "@/lib/sync/run";
import { dueCompanies } from "@/lib/sync/scheduler";
import { DEMO_SECOND_COMPANY_ID, SOLO_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { createWorld, type World } from "@/tests/support/world";
import { SYNC_ENV } from "@/tests/sync/support";
import { ownerOf, sessionViewer } from "./support";

const COMPANY = SOLO_COMPANY_ID;

describe("activity log and health", () => {
  let world: World;
  const issued: string[] = [];

  beforeAll(async () => {
    world = await createWorld({
      database: "pglite",
      sandbox: { entries: 100, rateLimit: false },
      env: SYNC_ENV,
    });
    const t = await world.connect(COMPANY);
    issued.push(t.access_token, t.refresh_token);
  });
  afterAll(async () => {
    await world?.close();
  });

  const events = () =>
    world.prisma.connectionEvent.findMany({ where: { companyId: COMPANY }, orderBy: [{ at: "asc" }, { id: "asc" }] });

  it("connect is recorded with the portal user who did it", async () => {
    const [first] = await events();
    expect(first).toMatchObject({ type: "connected", actor: "user", actorUserId: await ownerOf(world, COMPANY) });
  });

  it("a token refresh and a failed one are recorded by the portal's background work", async () => {
    await world.clock.advance(3600);
    await pleoClient(COMPANY).getCompany();
    const refreshed = (await events()).filter((e) => e.type === "token_refreshed");
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]).toMatchObject({ actor: "scheduler", actorUserId: null });

    await world.sandbox.control.fault({ path: "/oauth/token", status: 503 });
    await world.clock.advance(3600);
    await expect(pleoClient(COMPANY).getCompany()).rejects.toThrow();
    await world.sandbox.control.clearFaults();
    expect((await events()).filter((e) => e.type === "refresh_failed").length).toBeGreaterThan(0);
  });

  it("Pleo revoking the grant: the next token use fails, 'Disconnected in Pleo' by Pleo, the schedule stops", async () => {
    // Past the refresh backoff of the previous test, and past the access token's life.
    await world.clock.advance(3600);
    world.clock.advancePortal(15 * 60_000);
    await world.prisma.pleoConnection.update({ where: { companyId: COMPANY }, data: { nextRefreshAttemptAt: null } });
    await world.sandbox.control.revoke(COMPANY);
    const result = await runSync({ companyId: COMPANY, trigger: "schedule" });
    expect(result).toMatchObject({ status: "needs_reauth" });
    await expect(pleoClient(COMPANY).getCompany()).rejects.toBeInstanceOf(NeedsReauthError);

    const needs = (await events()).filter((e) => e.type === "needs_reconnect");
    expect(needs).toHaveLength(1);
    expect(needs[0]).toMatchObject({ actor: "pleo" });
    expect(needs[0].detail).toMatch(/removed in Pleo or its access was revoked/);
    expect(await dueCompanies(50, new Date(Date.now() + 365 * 86_400_000))).not.toContain(COMPANY);

    const viewer = await sessionViewer(world, await ownerOf(world, COMPANY), [COMPANY]);
    const health = await readHealth((await getConnectionForViewer(viewer, COMPANY))!);
    expect(health.status).toMatchObject({ kind: "disconnected", label: "Disconnected in Pleo" });
    expect(health.canActivate).toBe(false);
  });

  it("no event holds a token: every token the sandbox issued is absent from the whole log", async () => {
    const all = JSON.stringify(await world.prisma.connectionEvent.findMany(), (_k, v) =>
      typeof v === "bigint" ? v.toString() : v,
    );
    expect(issued.length).toBe(2);
    for (const token of issued) expect(all).not.toContain(token);
    // The tokens the refreshes rotated to are not known here; no event detail is longer than a sentence.
    const logged = await events();
    expect(logged.length).toBeGreaterThan(0);
    for (const e of logged) expect((e.detail ?? "").length).toBeLessThanOrEqual(300);
  });

  it("the log reads newest first, 20 a page; a page past the end shows the last one", async () => {
    const viewer = await sessionViewer(world, await ownerOf(world, COMPANY), [COMPANY]);
    const connection = (await getConnectionForViewer(viewer, COMPANY))!;
    const base = Date.now();
    await world.prisma.connectionEvent.createMany({
      data: Array.from({ length: 45 }, (_, i) => ({
        companyId: COMPANY,
        type: "sync_succeeded",
        actor: "scheduler",
        detail: `run ${i}`,
        at: new Date(base + i * 1000),
      })),
    });
    const total = await world.prisma.connectionEvent.count({ where: { companyId: COMPANY } });
    const first = await readActivity(connection, viewer.userId, 1);
    expect(first).toMatchObject({ page: 1, total, pageCount: Math.ceil(total / ACTIVITY_PAGE_SIZE) });
    expect(first.items).toHaveLength(ACTIVITY_PAGE_SIZE);
    expect(first.items[0].detail).toBe("run 44");
    const times = first.items.map((e) => e.at.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const last = await readActivity(connection, viewer.userId, 999);
    expect(last.page).toBe(first.pageCount);
    expect(last.items.length).toBe(total - (first.pageCount - 1) * ACTIVITY_PAGE_SIZE);
    expect(first.items.find((e) => e.actor === "you") ?? last.items.find((e) => e.actor === "you")).toBeTruthy();
  });
});

describe("removing a company from every session", () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld({
      database: "pglite",
      sandbox: { entries: 100 },
      companies: [COMPANY, DEMO_SECOND_COMPANY_ID],
    });
  });
  afterAll(async () => {
    await world?.close();
  });

  it("takes it out of each session that holds it (any user, any case), leaves their other companies and other sessions", async () => {
    const a = await ownerOf(world, COMPANY);
    const b = await ownerOf(world, DEMO_SECOND_COMPANY_ID);
    const s1 = await sessionViewer(world, a, [COMPANY]);
    const s2 = await sessionViewer(world, a, [DEMO_SECOND_COMPANY_ID, COMPANY.toUpperCase()]);
    const s3 = await sessionViewer(world, b, [DEMO_SECOND_COMPANY_ID]);
    const removed = await removeCompanyFromSessions(world.prisma, COMPANY);
    expect(removed).toBe(2);
    const scope = async (id: string | null | undefined) =>
      (await world.prisma.session.findUniqueOrThrow({ where: { id: id! } })).companyIds;
    expect(await scope(s1.sessionId)).toEqual([]);
    expect(await scope(s2.sessionId)).toEqual([DEMO_SECOND_COMPANY_ID]);
    expect(await scope(s3.sessionId)).toEqual([DEMO_SECOND_COMPANY_ID]);
    expect(await removeCompanyFromSessions(world.prisma, COMPANY)).toBe(0);
  });
});
