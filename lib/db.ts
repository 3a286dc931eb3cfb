import "server-only";

import { env } from "@/lib/env";
import { createDatabase, resolveDatabaseTarget, type Database } from "@/lib/db/connect";

/**
 * The process's one Prisma client. Kept on globalThis so dev hot reloads reuse it: PGlite allows a
 * single connection per data directory, and PostgreSQL pools should not multiply either.
 */
const globalForDb = globalThis as unknown as { __portalDb?: Database };

export function database(): Database {
  if (!globalForDb.__portalDb) {
    const e = env();
    globalForDb.__portalDb = createDatabase(
      resolveDatabaseTarget({ databaseUrl: e.DATABASE_URL, pgliteDir: e.PGLITE_DIR }),
    );
  }
  return globalForDb.__portalDb;
}

/** Tests and scripts inject their own database (temporary PGlite or a test PostgreSQL). */
export function setDatabaseForProcess(db: Database | undefined): void {
  globalForDb.__portalDb = db;
}

export const db = new Proxy({} as Database["prisma"], {
  get(_target, prop) {
    const prisma = database().prisma as unknown as Record<string | symbol, unknown>;
    const value = prisma[prop];
    return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(prisma) : value;
  },
});
