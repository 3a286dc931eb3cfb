/**
 * What the e2e cluster specs share: the deployed install (copied by e2e/cluster/deploy.setup.ts), a
 * fresh PostgreSQL database per spec migrated by the install's own `node migrate.mjs`, ports from the
 * cluster range, and portal instances configured as an operator would (README, "Deploying").
 */
import fs from "node:fs";
import pg from "pg";
import { createHash } from "node:crypto";
import { portalEnv } from "../../tests/support/portal-env";
import { migrateWith, startPortalProcess, type PortalProcess } from "../../tests/support/portal-process";
import { createScratchPostgres, type ScratchPostgres } from "../../tests/support/scratch-postgres";
import type { TestInfo } from "@playwright/test";
import { CLUSTER } from "../env";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
export const NEEDS_POSTGRES = "the cluster specs need PostgreSQL: set TEST_DATABASE_URL (.ci/run does)";

/** The deployed install's directory, as the setup project left it. */
export function deployDir(): string {
  const { dir } = JSON.parse(fs.readFileSync(CLUSTER.deployFile, "utf8")) as { dir: string };
  return dir;
}

let nextPort = CLUSTER.firstPort;
/** The next free port of the cluster range (one worker runs the cluster specs, so a counter suffices). */
export function clusterPort(): number {
  if (nextPort > CLUSTER.lastPort) nextPort = CLUSTER.firstPort;
  return nextPort++;
}

export type ClusterDatabase = ScratchPostgres;

/** A new, empty PostgreSQL database; `migrate` applies the migrations with the install's migrate.mjs. */
export async function createClusterDatabase(opts: { migrate?: boolean } = {}): Promise<ClusterDatabase> {
  if (!TEST_DATABASE_URL) throw new Error(NEEDS_POSTGRES);
  const database = await createScratchPostgres(TEST_DATABASE_URL, "portal_cluster");
  if (opts.migrate ?? true)
    migrateWith(deployDir(), {
      ...portalEnv("http://127.0.0.1:9", { AUTH_URL: "http://127.0.0.1:9" }),
      DATABASE_URL: database.url,
    });
  return database;
}

/** SQL on a cluster database (for reading what the instances wrote). */
export async function query<T extends Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/**
 * One portal instance of the deployed install: production configuration pointing at `sandboxUrl`,
 * `databaseUrl` (PostgreSQL), its own AUTH_URL, JSON logs at info, plus `env`.
 */
export function startInstance(opts: {
  port: number;
  databaseUrl: string;
  sandboxUrl: string;
  env?: Record<string, string>;
}): Promise<PortalProcess> {
  const url = `http://127.0.0.1:${opts.port}`;
  return startPortalProcess({
    dir: deployDir(),
    port: opts.port,
    env: portalEnv(opts.sandboxUrl, {
      AUTH_URL: url,
      DATABASE_URL: opts.databaseUrl,
      LOG_LEVEL: "info",
      ...opts.env,
    }),
  });
}

export const callbackUrl = (port: number) => `http://127.0.0.1:${port}/api/auth/callback/pleo`;

/**
 * Our copy of a company's entries as the sandbox's summary defines it (count + sha256 of the sorted
 * `${id}:${updatedAt}` lines of live entries), read straight from the database.
 */
export async function entrySummary(
  url: string,
  companyId: string,
): Promise<{ count: number; checksum: string; countIncludingDeleted: number }> {
  const rows = await query<{ line: string; deleted: boolean }>(
    url,
    `SELECT "id"::text || ':' || to_char("pleoUpdatedAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS line,
            ("deletedAt" IS NOT NULL) AS deleted
     FROM "AccountingEntry" WHERE "companyId" = $1::uuid`,
    [companyId],
  );
  const lines = rows
    .filter((r) => !r.deleted)
    .map((r) => r.line)
    .sort();
  return {
    count: lines.length,
    checksum: createHash("sha256").update(lines.join("\n")).digest("hex"),
    countIncludingDeleted: rows.length,
  };
}

/** Poll `read` until `done` holds (or fail after `ms`, showing the last value). */
export async function waitUntil<T>(
  what: string,
  read: () => Promise<T>,
  done: (v: T) => boolean,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** After a failed test, each instance's output as an attachment (instance-<n>.log), for reading the report. */
export async function attachOutputsOnFailure(testInfo: TestInfo, instances: PortalProcess[]): Promise<void> {
  if (testInfo.status === testInfo.expectedStatus) return;
  for (const [k, i] of instances.entries()) {
    const file = testInfo.outputPath(`instance-${k}.log`);
    fs.writeFileSync(file, i.output());
    await testInfo.attach(`instance ${k} output`, { path: file, contentType: "text/plain" });
  }
}
