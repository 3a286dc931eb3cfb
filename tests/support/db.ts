/**
 * A fresh, migrated database for one test file: an in-memory PGlite by default, or a brand-new
 * PostgreSQL database (created and dropped here) when `kind: "postgres"` and TEST_DATABASE_URL is set.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createDatabase, openPGlite, type Database } from "@/lib/db/connect";
import { migratePGlite, migratePostgres } from "@/lib/db/migrate";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

/** `describe.skipIf(!hasPostgres)` … and say so: suites print why they were skipped. */
export const hasPostgres = Boolean(TEST_DATABASE_URL);
if (!hasPostgres && !(globalThis as { __pgSkipNoted?: boolean }).__pgSkipNoted) {
  (globalThis as { __pgSkipNoted?: boolean }).__pgSkipNoted = true;
  console.info("[tests] TEST_DATABASE_URL not set: PostgreSQL suites are skipped (PGlite suites still run).");
}

export type TestDatabase = Database & { url?: string; drop(): Promise<void> };

export async function createTestDatabase(kind: "pglite" | "postgres" = "pglite"): Promise<TestDatabase> {
  if (kind === "pglite") {
    const pglite = openPGlite(null);
    await migratePGlite(pglite);
    const db = createDatabase({ kind: "pglite", dir: null }, pglite);
    return { ...db, drop: () => db.close() };
  }
  if (!TEST_DATABASE_URL) throw new Error("TEST_DATABASE_URL is not set");
  const name = `portal_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  await migratePostgres(url.toString());
  const db = createDatabase({ kind: "postgres", url: url.toString() });
  return {
    ...db,
    url: url.toString(),
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
