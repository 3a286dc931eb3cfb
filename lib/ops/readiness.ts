import "server-only";

import { database } from "@/lib/db";
import { readMigrations } from "@/lib/db/migrate";
import { env } from "@/lib/env";
import { logger } from "@/lib/log";
import { processSlot } from "@/lib/process-singleton";
import { isShuttingDown } from "@/lib/ops/shutdown";

/**
 * Is this instance ready for traffic (GET /api/ready)? Configuration valid, database reachable, every
 * migration this build ships applied, and not shutting down. Cheap enough for a load balancer's probe
 * every few seconds: the expected migrations are read from disk once, and once they were all seen
 * applied later probes only ask the database for `SELECT 1` (migrations are never un-applied). The
 * answer names which check failed and nothing else; the reason goes to the log, once per change.
 */

export type CheckResult = "ok" | "failing" | "skipped";
export type Readiness = {
  ready: boolean;
  checks: { configuration: CheckResult; database: CheckResult; migrations: CheckResult; shutdown: CheckResult };
};

/** A database that does not answer within this is "failing" rather than a probe that hangs. */
export const DATABASE_CHECK_TIMEOUT_MS = 2_000;

type Memory = { expected: string[] | null; migrationsSeen: boolean; lastProblem: string | null };
const memory = processSlot<Memory>("readiness");
const remembered = (): Memory =>
  memory.getOrCreate(() => ({ expected: null, migrationsSeen: false, lastProblem: null }));

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** The migrations applied to the process database (none when the history table does not exist yet). */
async function appliedMigrations(): Promise<Set<string>> {
  const prisma = database().prisma;
  const [{ present }] = await prisma.$queryRawUnsafe<{ present: boolean }[]>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`,
  );
  if (!present) return new Set();
  const rows = await prisma.$queryRawUnsafe<{ name: string }[]>(
    `SELECT migration_name AS name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  return new Set(rows.map((r) => r.name));
}

function report(problem: string | null, err?: unknown): void {
  const m = remembered();
  if (problem === m.lastProblem) return;
  m.lastProblem = problem;
  const log = logger().child({ module: "readiness" });
  if (problem) log.warn({ event: "server.not_ready", problem, err }, `not ready: ${problem}`);
  else log.info({ event: "server.ready" }, "ready");
}

export async function checkReadiness(): Promise<Readiness> {
  const checks: Readiness["checks"] = {
    configuration: "skipped",
    database: "skipped",
    migrations: "skipped",
    shutdown: isShuttingDown() ? "failing" : "ok",
  };
  const done = (problem: string | null, err?: unknown): Readiness => {
    const ready = Object.values(checks).every((c) => c === "ok");
    report(ready ? null : (problem ?? "shutting down"), err);
    return { ready, checks };
  };

  try {
    env();
    checks.configuration = "ok";
  } catch (err) {
    checks.configuration = "failing";
    return done("configuration invalid", err);
  }

  const m = remembered();
  try {
    if (m.migrationsSeen) {
      await withTimeout(database().prisma.$queryRawUnsafe("SELECT 1"), DATABASE_CHECK_TIMEOUT_MS);
      checks.database = "ok";
      checks.migrations = "ok";
      return done(null);
    }
    const applied = await withTimeout(appliedMigrations(), DATABASE_CHECK_TIMEOUT_MS);
    checks.database = "ok";
    m.expected ??= readMigrations().map((x) => x.name);
    const missing = m.expected.filter((name) => !applied.has(name));
    if (m.expected.length === 0 || missing.length > 0) {
      checks.migrations = "failing";
      return done(
        m.expected.length === 0
          ? "no migrations found next to the server (prisma/migrations)"
          : `migrations not applied: ${missing.join(", ")}`,
      );
    }
    m.migrationsSeen = true;
    checks.migrations = "ok";
    return done(null);
  } catch (err) {
    if (checks.database === "ok") {
      checks.migrations = "failing";
      return done("could not read the migrations shipped with the server", err);
    }
    checks.database = "failing";
    return done("database unreachable", err);
  }
}

/** Tests only: forget what earlier probes learnt (expected migrations, migrations seen applied). */
export function resetReadinessForTests(): void {
  memory.set(undefined);
}
