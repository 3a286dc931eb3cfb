/**
 * A connection's settings columns on a real PGlite database: how the settings page writes them and reads
 * them back (lib/connections/settings.ts, the first save remembered), and how the sync reads them, with
 * the defaults for a company that has none (lib/sync/settings.ts).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readCompanyTimeZone, readConnectionSettings, writeConnectionSettings } from "@/lib/connections/settings";
import { readSyncSettings } from "@/lib/sync/settings";
import { SYNC_DEFAULTS } from "@/lib/sync/config";
import { COMPANY_BRIGHTWAVE, COMPANY_THISTLE } from "@/sandbox/seed/fixtures";
import { createWorld, type World } from "@/tests/support/world";

const COMPANY = COMPANY_THISTLE.id;
const UNKNOWN = "0b7f4c1e-2a9d-4e3b-8c5f-6d1a2b3c4d5e";
const T1 = new Date("2026-11-30T10:00:00.000Z");
const T2 = new Date("2026-11-30T11:00:00.000Z");

// Everything inside one describe: a failing hook then fails the tests (README → Mutation testing).
describe("settings columns", () => {
  let world: World;

  beforeAll(async () => {
    world = await createWorld({ database: "pglite", sandbox: { entries: 10, rateLimit: false } });
  });
  afterAll(async () => {
    await world?.close();
  });
  beforeEach(async () => {
    await world.reset();
    await world.prisma.pleoCompany.deleteMany();
    await world.connect(COMPANY);
  });

  it("a new connection has the defaults and no first save; an unknown company has no settings", async () => {
    expect(await readConnectionSettings(COMPANY)).toEqual({
      syncEnabled: true,
      syncIntervalMinutes: 15,
      syncWindowDays: 60,
      historyMonths: null,
      settingsSavedAt: null,
    });
    expect(await readConnectionSettings(UNKNOWN)).toBeNull();
  });

  it("the first save is remembered; later saves change the settings but not when they were first saved", async () => {
    const first = { syncEnabled: false, syncIntervalMinutes: 60, syncWindowDays: 30, historyMonths: 12 };
    await world.prisma.$transaction((tx) => writeConnectionSettings(tx, COMPANY, first, T1));
    expect(await readConnectionSettings(COMPANY)).toEqual({ ...first, settingsSavedAt: T1 });
    const second = { syncEnabled: true, syncIntervalMinutes: 5, syncWindowDays: 90, historyMonths: null };
    await world.prisma.$transaction(async (tx) => {
      await writeConnectionSettings(tx, COMPANY, second, T2);
      // Read inside the same transaction, as the save action does.
      expect(await readConnectionSettings(COMPANY, tx)).toEqual({ ...second, settingsSavedAt: T1 });
    });
    expect(await readConnectionSettings(COMPANY)).toEqual({ ...second, settingsSavedAt: T1 });
  });

  it("a write for a company that is not connected fails as Prisma's record-not-found (nothing to save to)", async () => {
    await expect(
      world.prisma.$transaction((tx) =>
        writeConnectionSettings(
          tx,
          UNKNOWN,
          { syncEnabled: true, syncIntervalMinutes: 15, syncWindowDays: 60, historyMonths: null },
          T1,
        ),
      ),
    ).rejects.toMatchObject({ name: "PrismaClientKnownRequestError", code: "P2025" });
    expect(await world.prisma.pleoConnection.count()).toBe(1);
  });

  it("the company's time zone, or null when unknown", async () => {
    await world.prisma.pleoCompany.update({ where: { id: COMPANY }, data: { timeZone: "Europe/London" } });
    expect(await readCompanyTimeZone(COMPANY)).toBe("Europe/London");
    await world.prisma.pleoCompany.update({ where: { id: COMPANY }, data: { timeZone: null } });
    expect(await readCompanyTimeZone(COMPANY)).toBeNull();
    expect(await readCompanyTimeZone(UNKNOWN)).toBeNull();
  });

  it("the sync reads the saved settings (interval in ms) and the company's zone", async () => {
    await world.prisma.pleoCompany.update({ where: { id: COMPANY }, data: { timeZone: "Europe/Copenhagen" } });
    await world.prisma.$transaction((tx) =>
      writeConnectionSettings(
        tx,
        COMPANY,
        { syncEnabled: true, syncIntervalMinutes: 60, syncWindowDays: 7, historyMonths: 24 },
        T1,
      ),
    );
    expect(await readSyncSettings(COMPANY)).toEqual({
      windowDays: 7,
      intervalMs: 3_600_000,
      historyMonths: 24,
      timeZone: "Europe/Copenhagen",
    });
  });

  it("without a connection the sync uses the defaults; a company without a zone reads as UTC (null)", async () => {
    expect(await readSyncSettings(UNKNOWN)).toEqual({
      windowDays: SYNC_DEFAULTS.windowDays,
      intervalMs: SYNC_DEFAULTS.intervalMinutes * 60_000,
      historyMonths: null,
      timeZone: null,
    });
    expect(SYNC_DEFAULTS.windowDays).toBe(60);
    expect(SYNC_DEFAULTS.intervalMinutes).toBe(15);
    await world.connect(COMPANY_BRIGHTWAVE.id);
    await world.prisma.pleoCompany.update({ where: { id: COMPANY_BRIGHTWAVE.id }, data: { timeZone: null } });
    expect(await readSyncSettings(COMPANY_BRIGHTWAVE.id)).toEqual({
      windowDays: 60,
      intervalMs: 15 * 60_000,
      historyMonths: null,
      timeZone: null,
    });
  });
});
