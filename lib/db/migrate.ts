import "server-only";

import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";

/**
 * Applies prisma/migrations/<name>/migration.sql in order and records each in Prisma's own
 * `_prisma_migrations` table (same columns and sha256 checksum as `prisma migrate deploy`), so the
 * history stays compatible with Prisma tooling. We apply them ourselves because Prisma's schema engine
 * needs a downloaded binary (or, for its JS engine, fails on real PostgreSQL here).
 */

// Relative to the working directory (the standalone install's own, README "Deploying"). The comment
// keeps Next's file tracing from copying the whole project into that install on account of this path.
const MIGRATIONS_DIR = path.join(/* turbopackIgnore: true */ process.cwd(), "prisma", "migrations");

type Sql = {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  exec(sql: string): Promise<void>;
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
};

export type Migration = { name: string; sql: string; checksum: string };
export type MigrateResult = { applied: string[]; alreadyApplied: number };

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

const HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

// Any constant works; it only has to be the same for every portal instance.
const ADVISORY_LOCK_KEY = 727_311_001;

async function migrate(sql: Sql, migrations: Migration[], serialize: boolean): Promise<MigrateResult> {
  await sql.exec(HISTORY_TABLE);
  if (serialize) await sql.query("SELECT pg_advisory_lock($1)", [ADVISORY_LOCK_KEY]);
  try {
    const rows = await sql.query<{ migration_name: string; checksum: string; finished_at: unknown }>(
      `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
    );
    const done = new Map(rows.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r.checksum]));
    const failed = rows.filter((r) => r.finished_at === null).map((r) => r.migration_name);
    if (failed.length > 0) {
      throw new Error(
        `Migration(s) ${failed.join(", ")} started but never finished; resolve them by hand before migrating again.`,
      );
    }
    const applied: string[] = [];
    for (const m of migrations) {
      const recorded = done.get(m.name);
      if (recorded !== undefined) {
        if (recorded !== m.checksum) {
          throw new Error(
            `Migration ${m.name} was changed after it was applied (checksum mismatch). Add a new migration instead.`,
          );
        }
        continue;
      }
      // One transaction per migration: a failing migration leaves neither schema changes nor a record.
      await sql.transaction(async (tx) => {
        await tx.exec(m.sql);
        await tx.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [randomUUID(), m.checksum, m.name],
        );
      });
      applied.push(m.name);
    }
    return { applied, alreadyApplied: done.size };
  } finally {
    if (serialize) await sql.query("SELECT pg_advisory_unlock($1)", [ADVISORY_LOCK_KEY]);
  }
}

export async function migratePGlite(db: PGlite, migrations = readMigrations()): Promise<MigrateResult> {
  const wrap = (q: Pick<PGlite, "query" | "exec">): Sql => ({
    query: async (text, params) => (await q.query(text, params)).rows as never[],
    exec: async (text) => {
      await q.exec(text);
    },
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
  });
  // PGlite has a single connection, so there is nobody to serialise against.
  return migrate(wrap(db), migrations, false);
}

export async function migratePostgres(url: string, migrations = readMigrations()): Promise<MigrateResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const sql: Sql = {
    query: async (text, params) => (await client.query(text, params as unknown[])).rows,
    exec: async (text) => {
      await client.query(text);
    },
    async transaction(fn) {
      await client.query("BEGIN");
      try {
        const out = await fn(sql);
        await client.query("COMMIT");
        return out;
      } catch (e) {
        await client.query("ROLLBACK");
        throw e;
      }
    },
  };
  try {
    return await migrate(sql, migrations, true);
  } finally {
    await client.end();
  }
}
