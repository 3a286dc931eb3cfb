import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerConnectedHook } from "@/lib/connections/events";
import { grantFromTokenResponse } from "@/lib/pleo/oauth";
import { linkCompany } from "@/lib/connections/link";
import { startSyncAfterConnect } from "@/lib/sync/background";
import { getSyncProgress } from "@/lib/sync/progress";
import { runSync } from "@/lib/sync/run";
import { dueCompanies, scheduleDueSyncs } from "@/lib/sync/scheduler";
import { requestSync, runningSync } from "@/lib/sync/trigger";
import {
  companyById,
  DEMO_SECOND_COMPANY_ID,
  DEMO_USER,
  LARGE_COMPANY_ID,
  SOLO_COMPANY_ID,
} from "@/sandbox/seed/fixtures";
import { getTokensForCompany } from "@/sandbox/testing";
import { createWorld, type World } from "@/tests/support/world";
import { compareWithSandbox, SYNC_ENV } from "./support";

describe("starting syncs: connect hook, schedule, Sync now, reconnect needed (pglite)", () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld({
      database: "pglite",
      sandbox: { entries: 800, rateLimit: false },
      env: SYNC_ENV,
      companies: [DEMO_SECOND_COMPANY_ID, SOLO_COMPANY_ID],
    });
  });
  afterAll(async () => {
    await world?.close();
  });

  it("connecting a company starts its first sync in the background; the dashboard sees progress at once", async () => {
    const unhook = registerConnectedHook(startSyncAfterConnect);
    try {
      const tokens = await getTokensForCompany({
        sandboxUrl: world.sandbox.url,
        companyId: LARGE_COMPANY_ID,
        email: DEMO_USER.email,
        password: DEMO_USER.password,
      });
      const user = await world.prisma.user.create({ data: { email: `${randomBytes(4).toString("hex")}@portal.test` } });
      const fixture = companyById(LARGE_COMPANY_ID)!;
      await linkCompany({
        userId: user.id,
        company: {
          id: fixture.id,
          name: fixture.name,
          organizationId: fixture.organizationId,
          registrationNumber: fixture.registrationNumber,
          address: null,
          timeZone: null,
        },
        tokens: grantFromTokenResponse(tokens as unknown as Record<string, unknown>)!,
        requestedScopes: tokens.scope,
      });
      // The connect flow returned while its sync is still running…
      const run = runningSync(LARGE_COMPANY_ID);
      expect(run).toBeDefined();
      expect((await getSyncProgress(LARGE_COMPANY_ID)).running).toBe(true);
      // …which runs to completion on its own.
      expect(await run).toMatchObject({ started: true, kind: "backfill", status: "succeeded" });
      const { remote, local } = await compareWithSandbox(world, LARGE_COMPANY_ID);
      expect(local.checksum).toBe(remote.checksum);
      const lastRun = await world.prisma.syncRun.findFirstOrThrow({ where: { companyId: LARGE_COMPANY_ID } });
      expect(lastRun.trigger).toBe("connect");
    } finally {
      unhook();
    }
  });

  it("the scheduler starts every due company, then nothing until the next interval; sync off means not due", async () => {
    await world.prisma.pleoConnection.update({ where: { companyId: LARGE_COMPANY_ID }, data: { syncEnabled: false } });
    const due = await dueCompanies(10);
    expect(due.sort()).toEqual([DEMO_SECOND_COMPANY_ID, SOLO_COMPANY_ID].sort());
    const started = await scheduleDueSyncs();
    expect(started.sort()).toEqual(due.sort());
    const results = await Promise.all(started.map((id) => runningSync(id)));
    expect(results.every((r) => r?.started && r.kind === "backfill" && r.status === "succeeded")).toBe(true);
    // A finished backfill is followed straight away by an incremental pass…
    expect((await dueCompanies(10)).sort()).toEqual(due.sort());
    const second = await scheduleDueSyncs();
    expect(second.sort()).toEqual(due.sort());
    const incremental = await Promise.all(second.map((id) => runningSync(id)));
    expect(incremental.every((r) => r?.started && r.kind === "incremental" && r.status === "succeeded")).toBe(true);
    // …then the next run waits for the connection's interval.
    expect(await dueCompanies(10)).toEqual([]);
    expect(await scheduleDueSyncs()).toEqual([]);
    const runs = await world.prisma.syncRun.findMany({
      where: { companyId: SOLO_COMPANY_ID },
      orderBy: { startedAt: "asc" },
    });
    expect(runs.map((r) => [r.kind, r.trigger])).toEqual([
      ["backfill", "schedule"],
      ["incremental", "schedule"],
    ]);
    for (const id of due) {
      const { remote, local } = await compareWithSandbox(world, id);
      expect(local.checksum).toBe(remote.checksum);
    }
  });

  it("a scheduled start checks the company is still due in the same statement that takes the lease", async () => {
    // Another instance's view of what is due, read a moment before this instance finished a run.
    await world.prisma.syncState.update({
      where: { companyId: DEMO_SECOND_COMPANY_ID },
      data: { nextRunAt: new Date() },
    });
    const stale = await dueCompanies(10);
    expect(stale).toContain(DEMO_SECOND_COMPANY_ID);
    expect(await runSync({ companyId: DEMO_SECOND_COMPANY_ID, trigger: "schedule" })).toMatchObject({
      status: "succeeded",
    });
    // The lease is free again, but the run that was due has happened: the stale list starts nothing.
    const before = await world.prisma.syncRun.count({ where: { companyId: DEMO_SECOND_COMPANY_ID } });
    expect(await requestSync(DEMO_SECOND_COMPANY_ID, "schedule")).toEqual({
      started: false,
      reason: "Not due, or a sync is already running",
    });
    expect(await world.prisma.syncRun.count({ where: { companyId: DEMO_SECOND_COMPANY_ID } })).toBe(before);
    // Sync now is not a schedule: it runs whenever asked.
    expect(await requestSync(DEMO_SECOND_COMPANY_ID, "manual")).toEqual({ started: true });
    expect(await runningSync(DEMO_SECOND_COMPANY_ID)).toMatchObject({ status: "succeeded" });
  });

  it("Sync now runs even when the schedule is off; a schedule request for it is refused", async () => {
    expect(await requestSync(LARGE_COMPANY_ID, "schedule")).toEqual({ started: false, reason: "Sync is turned off" });
    expect(await requestSync(LARGE_COMPANY_ID, "manual")).toEqual({ started: true });
    expect(await runningSync(LARGE_COMPANY_ID)).toMatchObject({ status: "succeeded", kind: "incremental" });
    expect(await requestSync("00000000-0000-4000-8000-000000000000", "manual")).toEqual({
      started: false,
      reason: "This company is not connected",
    });
  });

  it("a revoked grant stops the run cleanly as needs-reauth; no further syncs start until reconnected", async () => {
    await world.sandbox.control.revoke(SOLO_COMPANY_ID);
    expect(await requestSync(SOLO_COMPANY_ID, "manual")).toEqual({ started: true });
    const result = await runningSync(SOLO_COMPANY_ID);
    expect(result).toMatchObject({
      started: true,
      status: "needs_reauth",
      error: "needs_reconnect",
    });
    const connection = await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: SOLO_COMPANY_ID } });
    expect(connection.status).toBe("NEEDS_REAUTH");
    const progress = await getSyncProgress(SOLO_COMPANY_ID);
    expect(progress).toMatchObject({
      running: false,
      lastError: "needs_reconnect",
      lastRun: { status: "needs_reauth" },
    });
    expect(await requestSync(SOLO_COMPANY_ID, "manual")).toEqual({
      started: false,
      reason: "The Pleo connection needs to be reconnected",
    });
    expect(await dueCompanies(10)).not.toContain(SOLO_COMPANY_ID);
    // What was synced stays.
    expect(await world.prisma.accountingEntry.count({ where: { companyId: SOLO_COMPANY_ID } })).toBeGreaterThan(0);
  });
});
