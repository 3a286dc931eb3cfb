/**
 * GET /api/health and GET /api/ready, called as Next.js calls them, on real databases: every state a
 * load balancer must tell apart, and bodies that name the failing check and reveal nothing else.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GET as health } from "@/app/api/health/route";
import { GET as ready } from "@/app/api/ready/route";
import { setDatabaseForProcess } from "@/lib/db";
import { createDatabase, openPGlite } from "@/lib/db/connect";
import { migratePGlite, readMigrations } from "@/lib/db/migrate";
import { resetEnvForTests } from "@/lib/env";
import { resetReadinessForTests } from "@/lib/ops/readiness";
import { resetShutdownForTests, shutdown } from "@/lib/ops/shutdown";
import { createTestDatabase, DATABASE_KINDS, databaseUnavailable, type TestDatabase } from "@/tests/support/db";
import { configurePortal } from "@/tests/support/env";

const ALL_OK = { configuration: "ok", database: "ok", migrations: "ok", shutdown: "ok" };

async function probe(): Promise<{ status: number; body: Record<string, unknown>; text: string; cache: string | null }> {
  const res = await ready();
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text, cache: res.headers.get("cache-control") };
}

beforeAll(() => configurePortal("http://127.0.0.1:4999"));
beforeEach(() => resetReadinessForTests());
afterEach(() => {
  setDatabaseForProcess(undefined);
  resetShutdownForTests();
});

describe("GET /api/health", () => {
  it("answers 200 with nothing but a status, never cached, whatever the database says", async () => {
    setDatabaseForProcess(createDatabase({ kind: "postgres", url: "postgresql://nobody:x@127.0.0.1:9/none" }));
    const res = health();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
    expect(res.headers.get("cache-control")).toBe("no-store");
  });
});

for (const kind of DATABASE_KINDS) {
  describe.skipIf(databaseUnavailable(kind))(`GET /api/ready on a migrated database (${kind})`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase(kind);
    });
    afterAll(async () => {
      await database?.drop();
    });
    beforeEach(() => setDatabaseForProcess(database));

    it("ready: 200, every check ok, never cached", async () => {
      const r = await probe();
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ status: "ready", checks: ALL_OK });
      expect(r.cache).toBe("no-store");
      // Once the migrations were seen applied, later probes are a `SELECT 1`, and still ready.
      expect((await probe()).body).toEqual({ status: "ready", checks: ALL_OK });
    });

    it("shutting down: 503 with only the shutdown check failing", async () => {
      await shutdown({ reason: "test", timeoutMs: 1_000 });
      const r = await probe();
      expect(r.status).toBe(503);
      expect(r.body).toEqual({ status: "not_ready", checks: { ...ALL_OK, shutdown: "failing" } });
    });
  });
}

describe("GET /api/ready when something is wrong", () => {
  it("migrations missing: 503 until every migration this build ships is applied", async () => {
    const pglite = openPGlite(null);
    await pglite.waitReady; // a cold PGlite takes seconds to start, longer than a probe waits
    const database = createDatabase({ kind: "pglite", dir: null }, pglite);
    setDatabaseForProcess(database);
    try {
      const empty = await probe();
      expect(empty.status).toBe(503);
      expect(empty.body).toEqual({
        status: "not_ready",
        checks: { configuration: "ok", database: "ok", migrations: "failing", shutdown: "ok" },
      });
      const all = readMigrations();
      expect(all.length).toBeGreaterThan(1);
      await migratePGlite(pglite, all.slice(0, -1));
      expect((await probe()).body).toMatchObject({ status: "not_ready", checks: { migrations: "failing" } });
      await migratePGlite(pglite, all);
      expect(await probe()).toMatchObject({ status: 200, body: { status: "ready", checks: ALL_OK } });
    } finally {
      await database.close();
    }
  });

  it("database unreachable: 503 naming the database, without host, port or error text", async () => {
    const database = createDatabase({ kind: "postgres", url: "postgresql://portal:secret@127.0.0.1:9/portal" });
    setDatabaseForProcess(database);
    try {
      const r = await probe();
      expect(r.status).toBe(503);
      expect(r.body).toEqual({
        status: "not_ready",
        checks: { configuration: "ok", database: "failing", migrations: "skipped", shutdown: "ok" },
      });
      expect(r.text).not.toMatch(/127\.0\.0\.1|:9|portal|secret|ECONNREFUSED|error/i);
    } finally {
      await database.close();
    }
  });

  it("configuration invalid: 503 naming the configuration, not the variable or its value", async () => {
    const saved = { NODE_ENV: process.env.NODE_ENV, AUTH_SECRET: process.env.AUTH_SECRET };
    Object.assign(process.env, { NODE_ENV: "production" });
    delete process.env.AUTH_SECRET;
    resetEnvForTests();
    try {
      const r = await probe();
      expect(r.status).toBe(503);
      expect(r.body).toEqual({
        status: "not_ready",
        checks: { configuration: "failing", database: "skipped", migrations: "skipped", shutdown: "ok" },
      });
      expect(r.text).not.toMatch(/AUTH_SECRET|missing/);
    } finally {
      Object.assign(process.env, saved);
      resetEnvForTests();
    }
  });
});
