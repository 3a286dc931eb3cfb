/**
 * What the sync suites add to tests/support: their portal configuration, and our copy of a company
 * compared with the sandbox's. Syncs run through the production path (pleoClient → DB token manager →
 * sandbox over HTTP) on a world's database (PGlite, or PostgreSQL when TEST_DATABASE_URL is set).
 */
import { expect } from "vitest";
import { localEntrySummary } from "@/lib/sync/verify";
import type { World } from "@/tests/support/world";

/** The client's limiter at Pleo's ceiling (default 500/min), so the suites are not slower than they need to be. */
export const SYNC_ENV = { PLEO_RATE_LIMIT_PER_MINUTE: "600" };

/** Our copy vs the sandbox's: live count and checksum, and no row per id twice (ids are keys). */
export async function compareWithSandbox(world: World, companyId: string) {
  const [remote, local] = await Promise.all([
    world.sandbox.control.summary(companyId),
    localEntrySummary(world.prisma, companyId),
  ]);
  return { remote, local };
}

/** Assert our copy of a company equals the sandbox's (count, checksum, deleted included). */
export async function expectEqualToSandbox(world: World, companyId: string) {
  const { remote, local } = await compareWithSandbox(world, companyId);
  expect(local).toEqual({
    count: remote.count,
    checksum: remote.checksum,
    countIncludingDeleted: remote.countIncludingDeleted,
  });
}

/**
 * Hold a PGlite world's database until the returned function is called (PGlite runs one transaction at
 * a time and every query waits for it): work that queries meanwhile waits, as on a slow database.
 */
export async function holdDatabase(world: World): Promise<() => Promise<void>> {
  const pglite = world.database.pglite;
  if (!pglite) throw new Error("holdDatabase needs a PGlite world");
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const holding = pglite.transaction(async () => {
    locked();
    await released;
  });
  await isLocked;
  return async () => {
    release();
    await holding;
  };
}
