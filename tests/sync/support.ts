/**
 * Shared setup for the sync suites: a real in-process sandbox over HTTP, a real temporary database
 * (PGlite, or PostgreSQL when TEST_DATABASE_URL is set), and a real connection whose tokens were
 * obtained through the sandbox's login + consent forms. Syncs run through the production path
 * (pleoClient → DB token manager → sandbox).
 */
import { expect } from "vitest";
import { resetTokenManagerForProcess } from "@/lib/pleo/tokens";
import { control, seedConnection } from "@/tests/pleo/support";
import { setDatabaseForProcess } from "@/lib/db";
import { resetEnvForTests } from "@/lib/env";
import { localEntrySummary } from "@/lib/sync/verify";
import { startSandbox, type RunningSandbox } from "@/sandbox/server";
import { createTestDatabase, type TestDatabase } from "@/tests/support/db";

export { clearFaults, control, fault, stats, captureLogger } from "@/tests/pleo/support";
export { LARGE_COMPANY_ID, DEMO_SECOND_COMPANY_ID, SOLO_COMPANY_ID } from "@/sandbox/seed/fixtures";

// Quiet: the client logs every request at info level.
process.env.LOG_LEVEL ??= "warn";

export type SandboxSummary = {
  count: number;
  checksum: string;
  deletedCount: number;
  countIncludingDeleted: number;
  currency: string;
  employees: number;
  teams: number;
  accounts: number;
  tagGroups: number;
  tags: number;
};

export async function sandboxSummary(sandboxUrl: string, companyId: string): Promise<SandboxSummary> {
  const res = await fetch(`${sandboxUrl}/__sandbox/companies/${companyId}/summary`);
  if (!res.ok) throw new Error(`summary failed: ${res.status}`);
  return (await res.json()) as SandboxSummary;
}

/** Start one sandbox per test file; the portal's configuration points at it. */
export async function startSyncSandbox(opts: { entries?: number; rateLimit?: boolean } = {}): Promise<RunningSandbox> {
  const sandbox = await startSandbox({ port: 0, entries: opts.entries ?? 1000, rateLimit: opts.rateLimit ?? false });
  process.env.PLEO_API_URL = sandbox.url;
  process.env.PLEO_AUTH_URL = sandbox.url;
  // The client's limiter at Pleo's ceiling, so suites are not slower than they need to be.
  process.env.PLEO_RATE_LIMIT_PER_MINUTE = "600";
  resetEnvForTests();
  // The process token manager captured the previous configuration; start a fresh one.
  resetTokenManagerForProcess();
  return sandbox;
}

export type SyncWorld = {
  sandbox: RunningSandbox;
  database: TestDatabase;
  prisma: TestDatabase["prisma"];
  close(): Promise<void>;
};

/**
 * A fresh database (set as the process database) with the given companies connected, on a sandbox
 * reset to its seed.
 */
export async function createSyncWorld(
  sandbox: RunningSandbox,
  kind: "pglite" | "postgres",
  companyIds: string[],
): Promise<SyncWorld> {
  const database = await createTestDatabase(kind);
  // Reset after the (slow) database setup: an HTTP keep-alive socket idle for longer than the server's
  // keep-alive timeout can be reset just as the next request reuses it.
  await control(sandbox.url, "/__sandbox/reset");
  setDatabaseForProcess(database);
  resetTokenManagerForProcess();
  for (const id of companyIds) await seedConnection(database, sandbox.url, id);
  return {
    sandbox,
    database,
    prisma: database.prisma,
    async close() {
      setDatabaseForProcess(undefined);
      await database.drop();
    },
  };
}

/** Our copy vs the sandbox's: live count and checksum, and no row per id twice (ids are keys). */
export async function compareWithSandbox(world: SyncWorld, companyId: string) {
  const [remote, local] = await Promise.all([
    sandboxSummary(world.sandbox.url, companyId),
    localEntrySummary(world.prisma, companyId),
  ]);
  return { remote, local };
}

/** Assert our copy of a company equals the sandbox's (count, checksum, deleted included). */
export async function expectEqualToSandbox(world: SyncWorld, companyId: string) {
  const { remote, local } = await compareWithSandbox(world, companyId);
  expect(local).toEqual({
    count: remote.count,
    checksum: remote.checksum,
    countIncludingDeleted: remote.countIncludingDeleted,
  });
}

export function activity(
  sandboxUrl: string,
  companyId: string,
  change: { created?: number; updated?: number; deleted?: number },
) {
  return control(sandboxUrl, `/__sandbox/companies/${companyId}/activity`, change) as Promise<{
    created: string[];
    updated: string[];
    deleted: string[];
  }>;
}
