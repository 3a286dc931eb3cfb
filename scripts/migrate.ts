/**
 * `npm run db:migrate`: applies pending SQL migrations to the configured database (PGlite directory by
 * default, PostgreSQL when DATABASE_URL is set). `npm run dev` and `npm start` run it before the server
 * opens the database, so PGlite never has two processes on its directory.
 */
import { env, ConfigError } from "@/lib/env";
import { describeTarget, openPGlite, resolveDatabaseTarget } from "@/lib/db/connect";
import { migratePGlite, migratePostgres } from "@/lib/db/migrate";

async function main() {
  const e = env();
  const target = resolveDatabaseTarget({ databaseUrl: e.DATABASE_URL, pgliteDir: e.PGLITE_DIR });
  let result;
  if (target.kind === "postgres") {
    result = await migratePostgres(target.url);
  } else {
    const pglite = openPGlite(target.dir);
    try {
      result = await migratePGlite(pglite);
    } finally {
      await pglite.close();
    }
  }
  const what = result.applied.length ? `applied ${result.applied.join(", ")}` : "up to date";
  console.log(`[db] ${describeTarget(target)}: ${what}`);
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else if (String(error?.message ?? error).includes("lock")) {
    console.error(
      `[db] ${error.message ?? error}\nIs another portal process using the PGlite directory? Stop it first.`,
    );
  } else {
    console.error(`[db] migration failed: ${error?.message ?? error}`);
  }
  process.exit(1);
});
