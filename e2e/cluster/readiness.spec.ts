/**
 * /api/health and /api/ready on real server processes of the deployed install, as a load balancer
 * probes them: alive vs ready, each reason for "not ready", and bodies that say nothing else.
 */
import { readiness, type PortalProcess } from "../../tests/support/portal-process";
import { portalEnv } from "../../tests/support/portal-env";
import { migrateWith } from "../../tests/support/portal-process";
import {
  clusterPort,
  createClusterDatabase,
  deployDir,
  NEEDS_POSTGRES,
  startInstance,
  TEST_DATABASE_URL,
  type ClusterDatabase,
} from "../support/cluster";
import { expect, test } from "@playwright/test";

test.skip(!TEST_DATABASE_URL, NEEDS_POSTGRES);

const databases: ClusterDatabase[] = [];
const instances: PortalProcess[] = [];
const SANDBOX = "http://127.0.0.1:9"; // never called by these probes

test.afterAll(async () => {
  for (const i of instances) await i.stop(5_000);
  for (const d of databases) await d.drop();
});

async function start(databaseUrl: string, env: Record<string, string> = {}) {
  const p = await startInstance({ port: clusterPort(), databaseUrl, sandboxUrl: SANDBOX, env });
  instances.push(p);
  return p;
}

const checks = (overrides: Record<string, string>) => ({
  configuration: "ok",
  database: "ok",
  migrations: "ok",
  shutdown: "ok",
  ...overrides,
});

test("not migrated → 503 (migrations) while alive; `node migrate.mjs` makes it ready without a restart", async () => {
  const database = await createClusterDatabase({ migrate: false });
  databases.push(database);
  const portal = await start(database.url);
  expect((await fetch(`${portal.url}/api/health`)).status).toBe(200);
  expect(await readiness(portal.url)).toEqual({
    status: 503,
    body: { status: "not_ready", checks: checks({ migrations: "failing" }) },
  });
  migrateWith(deployDir(), { ...portalEnv(SANDBOX, { AUTH_URL: SANDBOX }), DATABASE_URL: database.url });
  expect(await readiness(portal.url)).toEqual({ status: 200, body: { status: "ready", checks: checks({}) } });
  // The reason is in the log, once.
  expect(portal.lines().filter((l) => l.event === "server.not_ready")).toHaveLength(1);
  // These instances talk http to a local sandbox: allowed by ALLOW_INSECURE_HTTP, and the start says so.
  expect(portal.lines().filter((l) => l.event === "config.insecure_http")).toHaveLength(1);
});

test("database unreachable → 503 (database), nothing about where it is", async () => {
  const portal = await start("postgresql://portal:secret@127.0.0.1:9/portal");
  const res = await fetch(`${portal.url}/api/ready`);
  const text = await res.text();
  expect(res.status).toBe(503);
  expect(JSON.parse(text)).toEqual({
    status: "not_ready",
    checks: checks({ database: "failing", migrations: "skipped" }),
  });
  expect(text).not.toMatch(/127\.0\.0\.1|secret|portal|ECONN/);
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect((await fetch(`${portal.url}/api/health`)).status).toBe(200);
});
