/**
 * The settings page's actions (lib/settings/actions.ts) against a real sandbox over HTTP and a real
 * database: validation, the ownership check (another account's company, or one this session has not
 * opened, is "not found" and changes nothing), and what each action does, including its failure paths.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Viewer } from "@/lib/connections/queries";
import {
  handleActivateInstallation,
  handleCheckInstallation,
  handleDeleteHidden,
  handleDisconnect,
  handleRetryUninstall,
  handleSaveSettings,
  handleSyncNow,
  NOT_FOUND,
} from "@/lib/settings/actions";
import { historyStart } from "@/lib/history-window";
import { runSync } from "@/lib/sync/run";
import { runningSync } from "@/lib/sync/trigger";
import { DEMO_SECOND_COMPANY_ID, SOLO_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { withBusyProcessDatabase } from "@/tests/support/db";
import { createWorld, type World } from "@/tests/support/world";
import { SYNC_ENV } from "@/tests/sync/support";
import { form, ownerOf, requests, sessionViewer } from "./support";

const MINE = DEMO_SECOND_COMPANY_ID; // Brightwave, 320 entries
const THEIRS = SOLO_COMPANY_ID; // Thistle, another portal account's
const DEFAULTS = { frequency: "15", history: "all", changesWindow: "60" };

let world: World;
let me: Viewer;
let them: Viewer;

/** Everything an action could change for a company, to prove a refused one changed nothing. */
async function snapshot(companyId: string) {
  const p = world.prisma;
  return {
    connection: await p.pleoConnection.findUnique({
      where: { companyId },
      select: {
        status: true,
        syncEnabled: true,
        syncIntervalMinutes: true,
        syncWindowDays: true,
        historyMonths: true,
        settingsSavedAt: true,
        installationStatus: true,
        tokenVersion: true,
      },
    }),
    entries: await p.accountingEntry.count({ where: { companyId } }),
    events: await p.connectionEvent.count({ where: { companyId } }),
    runs: await p.syncRun.count({ where: { companyId } }),
    disconnections: await p.disconnection.count({ where: { companyId } }),
    sessions: await p.session.count({ where: { companyIds: { has: companyId } } }),
  };
}

beforeAll(async () => {
  world = await createWorld({
    database: "pglite",
    sandbox: { entries: 200, rateLimit: false },
    env: SYNC_ENV,
  });
});
afterAll(async () => {
  await world?.close();
});

async function freshWorld() {
  await world.reset();
  await world.prisma.disconnection.deleteMany();
  await world.prisma.connectionEvent.deleteMany();
  await world.prisma.pleoCompany.deleteMany();
  await world.connect(MINE);
  await world.connect(THEIRS);
  for (const id of [MINE, THEIRS]) {
    expect(await runSync({ companyId: id, trigger: "connect" })).toMatchObject({ status: "succeeded" });
  }
  me = await sessionViewer(world, await ownerOf(world, MINE), [MINE]);
  them = await sessionViewer(world, await ownerOf(world, THEIRS), [THEIRS]);
}

describe("every action: validation and the ownership check", () => {
  beforeAll(freshWorld);

  const companyActions = [
    ["save settings", (v: Viewer, f: FormData) => handleSaveSettings(v, f), DEFAULTS],
    ["activate installation", handleActivateInstallation, {}],
    ["check installation", handleCheckInstallation, {}],
    ["sync now", handleSyncNow, {}],
    ["delete hidden entries", (v: Viewer, f: FormData) => handleDeleteHidden(v, f), {}],
    ["disconnect", handleDisconnect, { data: "delete" }],
  ] as const;

  for (const [name, handle, extra] of companyActions) {
    it(`${name}: a missing or malformed company id is "not found"`, async () => {
      for (const companyId of [undefined, "", "not-a-uuid", "' OR 1=1 --", "5a0c1f1e-7d43-4c2a-9b1e"]) {
        const r = await handle(me, form({ companyId, ...extra }));
        expect(r).toMatchObject({ status: "error", message: NOT_FOUND.message });
      }
    });

    it(`${name}: another account's company in the payload is "not found" and changes nothing`, async () => {
      const before = { theirs: await snapshot(THEIRS), installs: await world.sandbox.control.installations() };
      const r = await handle(me, form({ companyId: THEIRS, ...extra }));
      expect(r).toMatchObject({ status: "error", message: NOT_FOUND.message });
      expect(await snapshot(THEIRS)).toEqual(before.theirs);
      expect(await world.sandbox.control.installations()).toEqual(before.installs);
    });

    it(`${name}: my own company not opened in this session is "not found" too`, async () => {
      const otherSession = await sessionViewer(world, me.userId, []);
      const before = await snapshot(MINE);
      const r = await handle(otherSession, form({ companyId: MINE, ...extra }));
      expect(r).toMatchObject({ status: "error", message: NOT_FOUND.message });
      expect(await snapshot(MINE)).toEqual(before);
    });
  }

  it("save settings: each field is checked, with a message naming it, and nothing is saved", async () => {
    const before = await snapshot(MINE);
    const r = await handleSaveSettings(
      me,
      form({ companyId: MINE, frequency: "5", history: "forever", changesWindow: "" }),
    );
    expect(r.status).toBe("error");
    expect(r.fieldErrors).toEqual({
      frequency: "Choose how often to sync.",
      history: "Choose how much history to keep.",
      changesWindow: "Choose how many days to recheck.",
    });
    expect(await snapshot(MINE)).toEqual(before);
  });

  it("disconnect: the data choice is required", async () => {
    const before = await snapshot(MINE);
    const r = await handleDisconnect(me, form({ companyId: MINE, data: "maybe" }));
    expect(r.fieldErrors).toEqual({ data: "Choose whether to keep or delete the synced data." });
    expect(await snapshot(MINE)).toEqual(before);
  });

  it("retry uninstall: a malformed, unknown or other session's disconnect is not found", async () => {
    for (const disconnectionId of [undefined, "x", "a".repeat(80), "cm0000000000000000000000"]) {
      const r = await handleRetryUninstall(me, form({ disconnectionId }));
      expect(r).toMatchObject({ status: "error", message: "That disconnect was not found." });
    }
  });
});

describe("save settings", () => {
  beforeEach(freshWorld);

  it("the first save stores the settings, puts a summary on the installation and activates it; saving again changes nothing", async () => {
    expect((await world.sandbox.control.installations()).find((i) => i.companyId === MINE)?.status).toBe("AUTHORIZED");
    const r = await handleSaveSettings(
      me,
      form({ companyId: MINE, frequency: "60", history: "all", changesWindow: "30" }),
    );
    expect(r).toMatchObject({ status: "success" });
    expect(r.message).toContain("Pleo now shows the installation as active.");

    const row = await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: MINE } });
    expect(row).toMatchObject({ syncEnabled: true, syncIntervalMinutes: 60, syncWindowDays: 30, historyMonths: null });
    expect(row.settingsSavedAt).toBeInstanceOf(Date);
    expect(row.installationStatus).toBe("ACTIVATED");
    const inst = (await world.sandbox.control.installations()).find((i) => i.companyId === MINE)!;
    expect(inst.status).toBe("ACTIVATED");
    expect(inst.metadata).toEqual({
      portal: "Pleo Partner Portal",
      syncFrequency: "Hourly",
      historyWindow: "Everything",
      changesWindow: "30 days",
    });
    expect(Buffer.byteLength(JSON.stringify(inst.metadata))).toBeLessThan(256);
    const types = (
      await world.prisma.connectionEvent.findMany({ where: { companyId: MINE }, orderBy: { id: "asc" } })
    ).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["settings_changed", "installation_activated"]));

    const puts = await requests(world, "PUT /v1/installations/me");
    const events = await world.prisma.connectionEvent.count({ where: { companyId: MINE } });
    const again = await handleSaveSettings(
      me,
      form({ companyId: MINE, frequency: "60", history: "all", changesWindow: "30" }),
    );
    expect(again).toMatchObject({ status: "success", message: "Settings saved (nothing changed)." });
    expect(await requests(world, "PUT /v1/installations/me")).toBe(puts);
    expect(await world.prisma.connectionEvent.count({ where: { companyId: MINE } })).toBe(events);
  });

  it("a save waits behind another transaction (a sync page's commit) past Prisma's 2 s default", async () => {
    const r = await withBusyProcessDatabase(world.database, 2_500, () =>
      handleSaveSettings(me, form({ companyId: MINE, frequency: "60", history: "all", changesWindow: "30" })),
    );
    expect(r).toMatchObject({ status: "success" });
    const row = await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: MINE } });
    expect(row).toMatchObject({ syncIntervalMinutes: 60, syncWindowDays: 30 });
    expect(row.settingsSavedAt).toBeInstanceOf(Date);
  });

  it("Pleo failing on the installation endpoints: the settings are saved, the page says so, Activate finishes it", async () => {
    await world.sandbox.control.fault({ path: "/v1/installations/me*", status: 500 });
    const r = await handleSaveSettings(
      me,
      form({ companyId: MINE, frequency: "1440", history: "all", changesWindow: "60" }),
    );
    expect(r.status).toBe("info");
    expect(r.message).toMatch(/Settings saved\..*Pleo could not be reached to update the installation/);
    const row = await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: MINE } });
    expect(row).toMatchObject({ syncIntervalMinutes: 1440, installationStatus: null });
    expect(row.settingsSavedAt).toBeInstanceOf(Date);
    expect(
      await world.prisma.connectionEvent.count({ where: { companyId: MINE, type: "installation_update_failed" } }),
    ).toBe(1);

    expect(await handleActivateInstallation(me, form({ companyId: MINE }))).toMatchObject({
      status: "error",
      message: "Pleo could not be reached to update the installation.",
    });
    await world.sandbox.control.clearFaults();
    expect(await handleActivateInstallation(me, form({ companyId: MINE }))).toMatchObject({
      status: "success",
      message: "Pleo now shows the installation as active.",
    });
    const inst = (await world.sandbox.control.installations()).find((i) => i.companyId === MINE)!;
    expect(inst).toMatchObject({ status: "ACTIVATED", metadata: expect.objectContaining({ syncFrequency: "Daily" }) });
    // Idempotent: activating an active installation again leaves it so.
    expect(await handleActivateInstallation(me, form({ companyId: MINE }))).toMatchObject({ status: "success" });
  });

  it("Activate before the first save is refused with the way forward", async () => {
    expect(await handleActivateInstallation(me, form({ companyId: MINE }))).toMatchObject({
      status: "error",
      message: "Save the settings first: activation follows the first save.",
    });
  });

  it("an installation Pleo put in ERROR keeps its status and error code; the PUT only replaces the metadata", async () => {
    await world.sandbox.control.setInstallationStatus(MINE, "ERROR", "NOT_ENTITLED");
    await handleSaveSettings(me, form({ companyId: MINE, ...DEFAULTS }));
    const inst = (await world.sandbox.control.installations()).find((i) => i.companyId === MINE)!;
    expect(inst).toMatchObject({ status: "ERROR", errorCode: "NOT_ENTITLED" });
    expect(inst.metadata).toMatchObject({ syncFrequency: "Every 15 minutes" });
    expect(await handleCheckInstallation(me, form({ companyId: MINE }))).toMatchObject({ status: "success" });
    const row = await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: MINE } });
    expect(row).toMatchObject({ installationStatus: "ERROR", installationErrorCode: "NOT_ENTITLED" });
  });

  it("a new frequency moves the next run to one new interval after the last success; manual only stops the schedule", async () => {
    const state = await world.prisma.syncState.findUniqueOrThrow({ where: { companyId: MINE } });
    await handleSaveSettings(me, form({ companyId: MINE, frequency: "360", history: "all", changesWindow: "60" }));
    const after = await world.prisma.syncState.findUniqueOrThrow({ where: { companyId: MINE } });
    expect(after.nextRunAt!.getTime() - state.lastSuccessAt!.getTime()).toBe(360 * 60_000);
    await handleSaveSettings(me, form({ companyId: MINE, frequency: "manual", history: "all", changesWindow: "60" }));
    const row = await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: MINE } });
    // Manual only keeps the last interval, so switching back restores it.
    expect(row).toMatchObject({ syncEnabled: false, syncIntervalMinutes: 360 });
  });
});

describe("sync now", () => {
  beforeAll(freshWorld);

  it("starts a run recorded as the user's; while it runs a second press is told so", async () => {
    const r = await handleSyncNow(me, form({ companyId: MINE }));
    expect(r).toMatchObject({ status: "success", message: "Sync started." });
    expect(await handleSyncNow(me, form({ companyId: MINE }))).toMatchObject({
      status: "info",
      message: "A sync is already running.",
    });
    await runningSync(MINE);
    const event = await world.prisma.connectionEvent.findFirstOrThrow({
      where: { companyId: MINE, type: "sync_succeeded" },
      orderBy: { id: "desc" },
    });
    expect(event).toMatchObject({ actor: "user", actorUserId: me.userId });
  });

  it("a connection Pleo no longer accepts is told to reconnect", async () => {
    await world.sandbox.control.revoke(MINE);
    expect(await runSync({ companyId: MINE, trigger: "schedule" })).toMatchObject({ status: "needs_reauth" });
    expect(await handleSyncNow(me, form({ companyId: MINE }))).toMatchObject({
      status: "error",
      message: "Reconnect the company to Pleo before syncing.",
    });
  });
});

describe("history window and deleting hidden entries", () => {
  beforeAll(freshWorld);

  it("narrowing hides older entries but deletes nothing; the separate delete drops exactly those, once", async () => {
    const total = await world.prisma.accountingEntry.count({ where: { companyId: MINE } });
    await handleSaveSettings(me, form({ companyId: MINE, frequency: "15", history: "3", changesWindow: "60" }));
    expect(await world.prisma.accountingEntry.count({ where: { companyId: MINE } })).toBe(total);
    const now = new Date();
    // The current month and the two before it, in the company's zone (from its country).
    const { timeZone } = await world.prisma.pleoCompany.findUniqueOrThrow({ where: { id: MINE } });
    expect(timeZone).not.toBeNull();
    const start = historyStart(3, now, timeZone)!;
    const older = await world.prisma.accountingEntry.count({ where: { companyId: MINE, performedAt: { lt: start } } });
    expect(older).toBeGreaterThan(0);
    expect(older).toBeLessThan(total);

    const r = await handleDeleteHidden(me, form({ companyId: MINE }), now);
    expect(r).toMatchObject({ status: "success", message: `${older} hidden expenses deleted.` });
    expect(await world.prisma.accountingEntry.count({ where: { companyId: MINE } })).toBe(total - older);
    const state = await world.prisma.syncState.findUniqueOrThrow({ where: { companyId: MINE } });
    expect(state.coveredFrom).toEqual(start);
    expect(await handleDeleteHidden(me, form({ companyId: MINE }), now)).toMatchObject({
      status: "success",
      message: "No hidden expenses were left to delete.",
    });
    expect(
      await world.prisma.connectionEvent.count({ where: { companyId: MINE, type: "hidden_entries_deleted" } }),
    ).toBe(1);
  });

  it("with everything kept there is nothing to delete", async () => {
    await handleSaveSettings(me, form({ companyId: MINE, ...DEFAULTS }));
    expect(await handleDeleteHidden(me, form({ companyId: MINE }))).toMatchObject({
      status: "info",
      message: "The history window keeps everything: nothing is hidden.",
    });
  });
});

describe("disconnect", () => {
  beforeEach(freshWorld);

  it("keep data: uninstalled at Pleo, tokens gone, out of every session, schedule stopped, entries kept", async () => {
    const tokens = await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: MINE } });
    const sameUserOtherSession = await sessionViewer(world, me.userId, [MINE]);
    const entries = await world.prisma.accountingEntry.count({ where: { companyId: MINE } });

    const r = await handleDisconnect(me, form({ companyId: MINE, data: "keep" }));
    expect(r).toMatchObject({ status: "success" });
    expect(r.message).toContain("Pleo removed the installation");
    expect(r.disconnectionId).toBeTruthy();

    expect(await world.prisma.pleoConnection.count({ where: { companyId: MINE } })).toBe(0);
    expect(await world.prisma.account.count({ where: { providerAccountId: MINE } })).toBe(0);
    expect(await world.prisma.session.count({ where: { companyIds: { has: MINE } } })).toBe(0);
    const other = await world.prisma.session.findUniqueOrThrow({ where: { id: them.sessionId! } });
    expect(other.companyIds).toEqual([THEIRS]);
    expect(sameUserOtherSession.sessionId).toBeTruthy();
    expect(await world.prisma.accountingEntry.count({ where: { companyId: MINE } })).toBe(entries);
    expect((await world.prisma.syncState.findUniqueOrThrow({ where: { companyId: MINE } })).nextRunAt).toBeNull();

    expect((await world.sandbox.control.installations()).some((i) => i.companyId === MINE)).toBe(false);
    const d = await world.prisma.disconnection.findUniqueOrThrow({ where: { id: r.disconnectionId! } });
    expect(d).toMatchObject({
      uninstallStatus: "done",
      keepData: true,
      entryCount: entries,
      accessTokenEnc: null,
      refreshTokenEnc: null,
    });
    // Nothing sealed survived anywhere: the old ciphertexts appear in no table.
    const dump = JSON.stringify(await world.prisma.disconnection.findMany());
    expect(dump).not.toContain(tokens.accessTokenEnc.split(".")[3]);
    const types = (await world.prisma.connectionEvent.findMany({ where: { companyId: MINE } })).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["disconnected", "uninstalled"]));

    // Done means done: disconnecting again is "not found" (the company is in no session any more).
    expect(await handleDisconnect(me, form({ companyId: MINE, data: "keep" }))).toMatchObject(NOT_FOUND);

    // Connecting it again gives a fresh connection, with the kept data.
    await world.connect(MINE);
    const fresh = await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: MINE } });
    expect(fresh).toMatchObject({ status: "CONNECTED", settingsSavedAt: null, historyMonths: null, tokenVersion: 0 });
    expect(await world.prisma.accountingEntry.count({ where: { companyId: MINE } })).toBe(entries);
  });

  it("delete data: the company and everything synced for it are gone in the same step", async () => {
    const r = await handleDisconnect(me, form({ companyId: MINE, data: "delete" }));
    expect(r.status).toBe("success");
    expect(await world.prisma.accountingEntry.count({ where: { companyId: MINE } })).toBe(0);
    expect(await world.prisma.employee.count({ where: { companyId: MINE } })).toBe(0);
    expect(await world.prisma.pleoCompany.count({ where: { id: MINE } })).toBe(0);
    expect(await world.prisma.spendMonthly.count({ where: { companyId: MINE } })).toBe(0);
    // The other account's company is untouched.
    expect(await world.prisma.accountingEntry.count({ where: { companyId: THEIRS } })).toBeGreaterThan(0);
  });

  it("Pleo unreachable: the disconnect still happens, the uninstall waits with the grant sealed, Retry now finishes it", async () => {
    await world.sandbox.control.fault({ path: "/v1/installations/me", status: 503 });
    const r = await handleDisconnect(me, form({ companyId: MINE, data: "keep" }));
    expect(r.status).toBe("success");
    expect(r.message).toContain("The uninstall at Pleo is pending");
    expect(await world.prisma.pleoConnection.count({ where: { companyId: MINE } })).toBe(0);
    const pending = await world.prisma.disconnection.findUniqueOrThrow({ where: { id: r.disconnectionId! } });
    expect(pending).toMatchObject({ uninstallStatus: "pending", attempts: 1 });
    expect(pending.refreshTokenEnc).toMatch(/^v2\./);
    expect(pending.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now());
    expect((await world.sandbox.control.installations()).some((i) => i.companyId === MINE)).toBe(true);

    // Another session (even of the same user) cannot see or retry it.
    const other = await sessionViewer(world, me.userId, []);
    expect(await handleRetryUninstall(other, form({ disconnectionId: pending.id }))).toMatchObject({
      status: "error",
      message: "That disconnect was not found.",
    });
    expect(await handleRetryUninstall(them, form({ disconnectionId: pending.id }))).toMatchObject({ status: "error" });

    expect(await handleRetryUninstall(me, form({ disconnectionId: pending.id }))).toMatchObject({
      status: "error",
      message: "Pleo could not be reached. The portal keeps trying in the background.",
    });
    await world.sandbox.control.clearFaults();
    expect(await handleRetryUninstall(me, form({ disconnectionId: pending.id }))).toMatchObject({
      status: "success",
      message: "Pleo removed the installation and revoked the portal's access.",
    });
    const done = await world.prisma.disconnection.findUniqueOrThrow({ where: { id: pending.id } });
    expect(done).toMatchObject({ uninstallStatus: "done", attempts: 3, accessTokenEnc: null, refreshTokenEnc: null });
    expect((await world.sandbox.control.installations()).some((i) => i.companyId === MINE)).toBe(false);
    // Idempotent: retrying a finished uninstall only says where it stands.
    expect(await handleRetryUninstall(me, form({ disconnectionId: pending.id }))).toMatchObject({ status: "info" });
    expect(await world.prisma.connectionEvent.count({ where: { companyId: MINE, type: "uninstall_retried" } })).toBe(2);
  });

  it("a grant Pleo already revoked: the disconnect completes locally and there is nothing left to uninstall", async () => {
    await world.sandbox.control.revoke(MINE, { keepInstallation: true });
    const r = await handleDisconnect(me, form({ companyId: MINE, data: "keep" }));
    expect(r.status).toBe("success");
    const d = await world.prisma.disconnection.findUniqueOrThrow({ where: { id: r.disconnectionId! } });
    expect(d).toMatchObject({ uninstallStatus: "not_needed", refreshTokenEnc: null });
  });

  it("connecting again while the uninstall is pending cancels it (it would remove the new installation)", async () => {
    await world.sandbox.control.fault({ path: "/v1/installations/me", status: 503 });
    const r = await handleDisconnect(me, form({ companyId: MINE, data: "keep" }));
    await world.sandbox.control.clearFaults();
    await world.connect(MINE);
    const d = await world.prisma.disconnection.findUniqueOrThrow({ where: { id: r.disconnectionId! } });
    expect(d).toMatchObject({ uninstallStatus: "cancelled", refreshTokenEnc: null, accessTokenEnc: null });
    expect(await handleRetryUninstall(me, form({ disconnectionId: d.id }))).toMatchObject({ status: "info" });
    expect((await world.sandbox.control.installations()).some((i) => i.companyId === MINE)).toBe(true);
  });
});
