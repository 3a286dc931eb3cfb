/**
 * `npm run db:migrate` (and, bundled by scripts/build-standalone.mjs, `node migrate.mjs` in the
 * production install): applies pending SQL migrations to the configured database (PGlite directory by
 * default, PostgreSQL when DATABASE_URL is set), validating the whole configuration first so a start
 * with a bad variable stops here, naming it. `npm run dev` and `npm start` run it before the server
 * opens the database, so PGlite never has two processes on its directory. One JSON log line per event.
 */
import { env, ConfigError } from "@/lib/env";
import { describeTarget, openPGlite, resolveDatabaseTarget } from "@/lib/db/target";
import { migratePGlite, migratePostgres, readMigrations } from "@/lib/db/migrate";
import { logger } from "@/lib/log";

const log = logger().child({ module: "db" });

async function main() {
  const e = env();
  const target = resolveDatabaseTarget({ databaseUrl: e.DATABASE_URL, pgliteDir: e.PGLITE_DIR });
  const migrations = readMigrations();
  let result;
  if (target.kind === "postgres") {
    result = await migratePostgres(target.url, migrations);
  } else {
    const pglite = openPGlite(target.dir);
    try {
      result = await migratePGlite(pglite, migrations);
    } finally {
      await pglite.close();
    }
  }
  log.info(
    {
      event: "db.migrate",
      database: describeTarget(target),
      applied: result.applied,
      alreadyApplied: result.alreadyApplied,
    },
    result.applied.length ? `applied ${result.applied.length} migration(s)` : "database schema up to date",
  );
}

function fail(err: unknown): never {
  if (err instanceof ConfigError) {
    log.fatal({ event: "db.migrate", problems: err.problems }, "invalid configuration (README → Configuration)");
  } else if (String((err as Error)?.message ?? err).includes("lock")) {
    log.fatal(
      { event: "db.migrate", err },
      "migration failed: is another portal process using the PGlite directory? Stop it first.",
    );
  } else {
    log.fatal({ event: "db.migrate", err }, "migration failed");
  }
  // pino's stdout stream flushes what is pending when the process exits.
  process.exit(1);
}

main().catch(fail);
