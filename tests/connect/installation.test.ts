/**
 * The portal's installation at Pleo (lib/connections/installation.ts) on its own, with the real sandbox
 * over HTTP and a real PGlite database: what a status check stores for the page, how the settings
 * summary is put on the installation and when it is activated (only from AUTHORIZED or
 * PENDING_INTEGRATION; Pleo's own INACTIVE/ERROR and its error code are kept), and how each failure
 * reads, is stored and is recorded in the activity log. tests/settings/actions.test.ts covers the same
 * through the settings page's actions.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  configureInstallation,
  installationFailureText,
  refreshInstallation,
  type InstallationFailure,
} from "@/lib/connections/installation";
import { byUser, SCHEDULER } from "@/lib/pleo/activity";
import { pleoClient } from "@/lib/pleo/client";
import { COMPANY_BRIGHTWAVE, COMPANY_THISTLE } from "@/sandbox/seed/fixtures";
import { captureLogger, setProcessLogger } from "@/tests/support/logs";
import { createWorld, type World } from "@/tests/support/world";
import { SYNC_ENV } from "@/tests/sync/support";

const COMPANY = COMPANY_THISTLE.id;
const OTHER = COMPANY_BRIGHTWAVE.id;
const PATH = "/v1/installations/me";
const META = { frequency: "Every 15 minutes", history: "Everything" };

// Everything inside one describe: a failing hook then fails the tests (README → Mutation testing).
describe("the installation at Pleo", () => {
  let world: World;
  let logs: ReturnType<typeof captureLogger>;

  beforeAll(async () => {
    world = await createWorld({
      database: "pglite",
      sandbox: { entries: 10, rateLimit: false },
      env: SYNC_ENV,
    });
  });
  afterAll(async () => {
    await world?.close();
  });
  beforeEach(async () => {
    await world.reset();
    await world.connect(COMPANY);
    await world.prisma.connectionEvent.deleteMany();
    logs = captureLogger();
    setProcessLogger(logs.logger);
  });
  afterEach(() => setProcessLogger(undefined));

  const stored = () =>
    world.prisma.pleoConnection.findUniqueOrThrow({
      where: { companyId: COMPANY },
      select: {
        installationId: true,
        installationStatus: true,
        installationErrorCode: true,
        installationCheckedAt: true,
      },
    });
  const atPleo = async () => (await world.sandbox.control.installations()).find((i) => i.companyId === COMPANY);
  const events = () =>
    world.prisma.connectionEvent.findMany({
      where: { companyId: COMPANY },
      orderBy: { id: "asc" },
      select: { type: true, actor: true, actorUserId: true, detail: true, at: true },
    });
  const warnings = (msg: string) => logs.lines().filter((l) => l.msg === msg);

  it("the failure texts, for an update (the default) and for a check", () => {
    const texts = (what?: "update" | "check") =>
      Object.fromEntries(
        (["unavailable", "reconnect", "missing", "rejected"] as InstallationFailure[]).map((r) => [
          r,
          installationFailureText(r, what),
        ]),
      );
    const update = {
      unavailable: "Pleo could not be reached to update the installation.",
      reconnect: "Pleo no longer accepts this connection: reconnect before the installation can be updated.",
      missing: "Pleo has no installation of the portal for this company: reconnect to create it.",
      rejected: "Pleo refused the installation update.",
    };
    expect(texts()).toEqual(update);
    expect(texts("update")).toEqual(update);
    expect(texts("check")).toEqual({
      ...update,
      unavailable: "Pleo could not be reached to check the installation.",
      rejected: "Pleo refused to tell the installation's status.",
    });
  });

  describe("checking the status", () => {
    it("stores what Pleo says now (id, status, error code, when) for the page", async () => {
      await world.sandbox.control.setInstallationStatus(COMPANY, "ERROR", "NOT_ENTITLED");
      const before = Date.now();
      const r = await refreshInstallation(COMPANY);
      expect(r).toMatchObject({ ok: true, state: { status: "ERROR", errorCode: "NOT_ENTITLED" } });
      const row = await stored();
      expect(row).toMatchObject({
        installationId: (await atPleo())!.id,
        installationStatus: "ERROR",
        installationErrorCode: "NOT_ENTITLED",
      });
      expect(r.ok && r.state.checkedAt).toEqual(row.installationCheckedAt);
      expect(row.installationCheckedAt!.getTime()).toBeGreaterThanOrEqual(before);
      expect(row.installationCheckedAt!.getTime()).toBeLessThanOrEqual(Date.now());
    });

    it("Pleo has none (404): stored as none, not a failure", async () => {
      await refreshInstallation(COMPANY);
      expect((await stored()).installationStatus).toBe("AUTHORIZED");
      await world.sandbox.control.fault({ path: PATH, status: 404 });
      const r = await refreshInstallation(COMPANY);
      expect(r).toMatchObject({ ok: true, state: { status: null, errorCode: null } });
      expect(await stored()).toMatchObject({
        installationId: null,
        installationStatus: null,
        installationErrorCode: null,
      });
    });

    const failures: Array<[string, () => Promise<unknown>, InstallationFailure]> = [
      ["5xx", () => world.sandbox.control.fault({ path: PATH, status: 503 }), "unavailable"],
      ["429", () => world.sandbox.control.fault({ path: PATH, status: 429 }), "unavailable"],
      ["403", () => world.sandbox.control.fault({ path: PATH, status: 403 }), "rejected"],
      ["401 after a refresh", () => world.sandbox.control.fault({ path: PATH, status: 401 }), "reconnect"],
      ["a revoked grant", () => world.sandbox.control.revoke(COMPANY, { keepInstallation: true }), "reconnect"],
    ];
    for (const [name, setUp, reason] of failures) {
      it(`${name}: "${reason}", logged, and the last stored state kept`, async () => {
        await refreshInstallation(COMPANY);
        const before = await stored();
        await setUp();
        expect(await refreshInstallation(COMPANY)).toEqual({ ok: false, reason });
        expect(await stored()).toEqual(before);
        const w = warnings("installation check failed");
        expect(w).toHaveLength(1);
        expect(w[0]).toMatchObject({ level: 40, module: "installation", companyId: COMPANY });
        expect(w[0].err).toBeDefined();
      });
    }

    it("only this company's connection is written: another connected company's stored state is untouched", async () => {
      await world.connect(OTHER);
      await refreshInstallation(OTHER);
      const other = () =>
        world.prisma.pleoConnection.findUniqueOrThrow({
          where: { companyId: OTHER },
          select: {
            installationId: true,
            installationStatus: true,
            installationErrorCode: true,
            installationCheckedAt: true,
          },
        });
      const before = await other();
      expect(before).toMatchObject({ installationStatus: "AUTHORIZED", installationErrorCode: null });
      await world.sandbox.control.setInstallationStatus(COMPANY, "ERROR", "NOT_ENTITLED");
      expect(await refreshInstallation(COMPANY)).toMatchObject({ ok: true, state: { status: "ERROR" } });
      expect(await configureInstallation(COMPANY, META, SCHEDULER)).toMatchObject({ ok: true });
      await world.sandbox.control.fault({ path: PATH, status: 404 });
      expect(await refreshInstallation(COMPANY)).toMatchObject({ ok: true, state: { status: null } });
      expect(await configureInstallation(COMPANY, META, SCHEDULER)).toMatchObject({ ok: false, reason: "missing" });
      expect(await stored()).toMatchObject({ installationStatus: null });
      expect(await other()).toEqual(before);
    });

    it("an error that is not Pleo's answer reaches the caller", async () => {
      const broken = {
        ...pleoClient(COMPANY),
        getInstallation: async () => {
          throw new Error("database gone");
        },
      };
      await expect(refreshInstallation(COMPANY, broken)).rejects.toThrow("database gone");
      expect(warnings("installation check failed")).toEqual([]);
    });
  });

  describe("storing the settings summary and activating", () => {
    it("AUTHORIZED: the summary is put on it and it is activated; stored; the activation is recorded", async () => {
      const r = await configureInstallation(COMPANY, META, byUser("user-1"));
      const inst = (await atPleo())!;
      expect(inst).toMatchObject({ status: "ACTIVATED", errorCode: null, metadata: META });
      const row = await stored();
      expect(row).toMatchObject({
        installationId: inst.id,
        installationStatus: "ACTIVATED",
        installationErrorCode: null,
      });
      expect(r).toEqual({
        ok: true,
        activated: true,
        state: { status: "ACTIVATED", errorCode: null, checkedAt: row.installationCheckedAt },
      });
      expect(await events()).toEqual([
        {
          type: "installation_activated",
          actor: "user",
          actorUserId: "user-1",
          detail: "Pleo shows the installation as ACTIVATED.",
          at: row.installationCheckedAt,
        },
      ]);
    });

    it("PENDING_INTEGRATION is activated too", async () => {
      await world.sandbox.control.setInstallationStatus(COMPANY, "PENDING_INTEGRATION");
      expect(await configureInstallation(COMPANY, META, SCHEDULER)).toMatchObject({ ok: true, activated: true });
      expect((await atPleo())!.status).toBe("ACTIVATED");
    });

    it("already ACTIVATED: the summary is replaced, nothing activated, nothing recorded", async () => {
      await configureInstallation(COMPANY, META, SCHEDULER);
      await world.prisma.connectionEvent.deleteMany();
      const next = { frequency: "Manual only" };
      const r = await configureInstallation(COMPANY, next, SCHEDULER);
      expect(r).toMatchObject({ ok: true, activated: false, state: { status: "ACTIVATED" } });
      expect((await atPleo())!.metadata).toEqual(next);
      expect(await events()).toEqual([]);
    });

    for (const [status, errorCode] of [
      ["ERROR", "NOT_ENTITLED"],
      ["ERROR", "AUTH_ERROR"],
      ["INACTIVE", undefined],
    ] as const) {
      it(`${status}${errorCode ? ` (${errorCode})` : ""} is Pleo's to change: kept with its error code, only the summary replaced`, async () => {
        await world.sandbox.control.setInstallationStatus(COMPANY, status, errorCode);
        const r = await configureInstallation(COMPANY, META, SCHEDULER);
        expect(r).toMatchObject({ ok: true, activated: false, state: { status, errorCode: errorCode ?? null } });
        expect(await atPleo()).toMatchObject({ status, errorCode: errorCode ?? null, metadata: META });
        expect(await stored()).toMatchObject({ installationStatus: status, installationErrorCode: errorCode ?? null });
        expect(await events()).toEqual([]);
      });
    }

    it("a status or error code the portal does not know is not sent back: AUTHORIZED (then activated), no error code", async () => {
      const real = pleoClient(COMPANY);
      const sent: unknown[] = [];
      const client = {
        ...real,
        getInstallation: async () => ({
          ...(await real.getInstallation())!,
          status: "SUSPENDED",
          errorCode: "NEW_CODE",
        }),
        updateInstallation: async (u: Parameters<typeof real.updateInstallation>[0]) => {
          sent.push(u);
          return real.updateInstallation(u);
        },
      };
      expect(await configureInstallation(COMPANY, META, SCHEDULER, client)).toMatchObject({
        ok: true,
        activated: true,
      });
      expect(sent).toEqual([{ status: "AUTHORIZED", metadata: META }]);
    });

    it("Pleo has no installation: 'missing', stored as none, recorded", async () => {
      await world.sandbox.control.fault({ path: PATH, status: 404 });
      const r = await configureInstallation(COMPANY, META, byUser("user-1"));
      const row = await stored();
      expect(row).toMatchObject({ installationId: null, installationStatus: null });
      expect(r).toEqual({
        ok: false,
        reason: "missing",
        state: { status: null, errorCode: null, checkedAt: row.installationCheckedAt },
      });
      expect(await events()).toMatchObject([
        {
          type: "installation_update_failed",
          actor: "user",
          actorUserId: "user-1",
          detail: "Pleo has no installation of the portal for this company: reconnect to create it.",
        },
      ]);
    });

    it("Pleo down before anything changed: 'unavailable', no state, recorded and logged", async () => {
      await world.sandbox.control.fault({ path: PATH, status: 503 });
      expect(await configureInstallation(COMPANY, META, SCHEDULER)).toEqual({
        ok: false,
        reason: "unavailable",
        state: null,
      });
      expect(await events()).toMatchObject([
        {
          type: "installation_update_failed",
          actor: "scheduler",
          detail: "Pleo could not be reached to update the installation.",
        },
      ]);
      const w = warnings("installation update failed");
      expect(w).toHaveLength(1);
      expect(w[0]).toMatchObject({ level: 40, module: "installation", companyId: COMPANY });
    });

    it("the PUT refused (403): 'rejected'; a revoked grant: 'reconnect'", async () => {
      await world.sandbox.control.fault({ path: PATH, status: 403 });
      expect(await configureInstallation(COMPANY, META, SCHEDULER)).toMatchObject({ ok: false, reason: "rejected" });
      await world.sandbox.control.clearFaults();
      await world.sandbox.control.revoke(COMPANY, { keepInstallation: true });
      expect(await configureInstallation(COMPANY, META, SCHEDULER)).toMatchObject({ ok: false, reason: "reconnect" });
      const failed = (await events()).filter((e) => e.type === "installation_update_failed");
      expect(failed.map((e) => e.detail)).toEqual([
        "Pleo refused the installation update.",
        "Pleo no longer accepts this connection: reconnect before the installation can be updated.",
      ]);
    });

    it("the activation fails after the summary was stored: the state after the PUT is what the page gets", async () => {
      await world.sandbox.control.fault({ path: `${PATH}:activate`, status: 503 });
      const r = await configureInstallation(COMPANY, META, SCHEDULER);
      const row = await stored();
      expect(row).toMatchObject({ installationStatus: "AUTHORIZED" });
      expect(r).toEqual({
        ok: false,
        reason: "unavailable",
        state: { status: "AUTHORIZED", errorCode: null, checkedAt: row.installationCheckedAt },
      });
      expect((await atPleo())!.metadata).toEqual(META);
      expect((await events()).map((e) => e.type)).toEqual(["installation_update_failed"]);
    });

    it("an error that is not Pleo's answer reaches the caller, unrecorded", async () => {
      const broken = {
        ...pleoClient(COMPANY),
        updateInstallation: async () => {
          throw new Error("database gone");
        },
      };
      await expect(configureInstallation(COMPANY, META, SCHEDULER, broken)).rejects.toThrow("database gone");
      expect(await events()).toEqual([]);
    });
  });
});
