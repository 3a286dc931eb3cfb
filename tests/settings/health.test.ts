/**
 * Connection health as the settings page reads it: the status and its reason, scopes granted against
 * needed (each missing one named with its consequence), the installation's status in words, and the
 * refresh token's age against Pleo's 60-day minimum (warning from 14 days before, error from 7).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getConnectionForViewer, type Viewer } from "@/lib/connections/queries";
import { NEEDED_SCOPES } from "@/lib/pleo/scopes";
import { installationView, readHealth, tokenAge } from "@/lib/settings/read";
import { SOLO_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { createWorld, type World } from "@/tests/support/world";
import { ownerOf, sessionViewer } from "./support";

const DAY = 86_400_000;
const COMPANY = SOLO_COMPANY_ID;

describe("refresh token age", () => {
  const issued = new Date("2026-01-01T00:00:00Z");
  const at = (days: number) => new Date(issued.getTime() + days * DAY);

  it("ok until 14 days before the 60-day mark, a warning from then, an error from 7 days before", () => {
    expect(tokenAge(issued, null, at(45.9))).toMatchObject({ level: "ok" });
    expect(tokenAge(issued, null, at(46))).toMatchObject({ level: "warning", daysLeft: 14 });
    expect(tokenAge(issued, null, at(52.9)).level).toBe("warning");
    expect(tokenAge(issued, null, at(53))).toMatchObject({ level: "error", daysLeft: 7 });
    expect(tokenAge(issued, null, at(61)).level).toBe("error");
    expect(tokenAge(issued, null, at(0)).horizonAt).toEqual(at(60));
  });

  it("a lifetime Pleo stated (refreshTokenExpiresAt) is the horizon instead of 60 days", () => {
    expect(tokenAge(issued, at(90), at(70))).toMatchObject({ level: "ok", daysLeft: 20 });
  });
});

describe("installation status in words", () => {
  const checkedAt = new Date();
  it("each Pleo status reads as a label, a tone and what to do", () => {
    expect(installationView({ status: "ACTIVATED", errorCode: null, checkedAt }, true)).toMatchObject({
      label: "Active",
      tone: "good",
    });
    expect(installationView({ status: "AUTHORIZED", errorCode: null, checkedAt }, false).explanation).toMatch(
      /Save the settings below once/,
    );
    expect(installationView({ status: "AUTHORIZED", errorCode: null, checkedAt }, true).explanation).toMatch(
      /activate it/,
    );
    expect(installationView({ status: "ERROR", errorCode: "NOT_ENTITLED", checkedAt }, true)).toMatchObject({
      tone: "bad",
      explanation: "Pleo reports an error with the installation: the company's Pleo plan does not include this app.",
    });
    expect(installationView({ status: null, errorCode: null, checkedAt }, true).label).toBe("Not found at Pleo");
    expect(installationView({ status: null, errorCode: null, checkedAt: null }, true).label).toBe("Not checked yet");
  });
});

describe("readHealth", () => {
  let world: World;
  let viewer: Viewer;
  beforeAll(async () => {
    world = await createWorld({ database: "pglite", sandbox: { entries: 100 }, companies: [COMPANY] });
    viewer = await sessionViewer(world, await ownerOf(world, COMPANY), [COMPANY]);
  });
  afterAll(async () => {
    await world?.close();
  });
  const health = async () => readHealth((await getConnectionForViewer(viewer, COMPANY))!);
  const update = (data: object) => world.prisma.pleoConnection.update({ where: { companyId: COMPANY }, data });

  it("all needed scopes granted; each missing one is named with what stops working", async () => {
    expect(NEEDED_SCOPES).toEqual([
      "accounting-entries:read",
      "accounts:read",
      "companies:read",
      "tag-groups:read",
      "tax-codes:read",
      "users:read",
    ]);
    expect((await health()).scopes.every((s) => s.granted)).toBe(true);
    await update({ scopes: ["companies:read", "users:read"] });
    const missing = (await health()).scopes.filter((s) => !s.granted);
    expect(missing.map((s) => s.scope)).toEqual([
      "accounting-entries:read",
      "accounts:read",
      "tag-groups:read",
      "tax-codes:read",
    ]);
    expect(missing[0].withoutIt).toMatch(/Expenses are not synced/);
    expect(missing[3].withoutIt).toMatch(/Tax codes show without their names/);
    await update({ scopes: [...NEEDED_SCOPES] });
  });

  it("status: connected; error after three failed syncs in a row (since the first of them); needs reconnect; disconnected in Pleo", async () => {
    expect((await health()).status).toMatchObject({ kind: "connected", label: "Connected" });

    const first = new Date(Date.now() - 3 * 3600_000);
    await world.prisma.syncState.create({
      data: {
        companyId: COMPANY,
        consecutiveFailures: 3,
        lastError: "Pleo GET /v1/x answered HTTP 503 after 4 attempt(s)",
      },
    });
    for (const [i, status] of (["succeeded", "failed", "failed", "failed"] as const).entries()) {
      await world.prisma.syncRun.create({
        data: {
          companyId: COMPANY,
          kind: "incremental",
          trigger: "schedule",
          status,
          startedAt: new Date(first.getTime() + (i - 1) * 3600_000),
        },
      });
    }
    const failing = (await health()).status;
    expect(failing).toMatchObject({ kind: "error", label: "Error" });
    expect(failing.reason).toBe(
      "The last 3 syncs failed. Pleo could not be reached or had a temporary problem. The sync is retried automatically.",
    );
    expect(failing.since).toEqual(first);
    await world.prisma.syncState.update({ where: { companyId: COMPANY }, data: { consecutiveFailures: 0 } });

    await update({ status: "NEEDS_REAUTH", statusReason: "refresh_interrupted: an earlier refresh was interrupted" });
    expect((await health()).status).toMatchObject({ kind: "needs_reconnect", label: "Needs reconnect" });
    await update({ statusReason: "invalid_grant: Refresh token has been revoked" });
    expect((await health()).status).toMatchObject({ kind: "disconnected", label: "Disconnected in Pleo", tone: "bad" });
  });
});
