import "server-only";

import { env } from "@/lib/env";
import { createDatabase, resolveDatabaseTarget, type Database } from "@/lib/db/connect";
import { processSlot } from "@/lib/process-singleton";

/**
 * The process's one Prisma client, one per process (lib/process-singleton): PGlite allows a single
 * connection per data directory, and PostgreSQL pools should not multiply either.
 */
const slot = processSlot<Database>("database");

export function database(): Database {
  return slot.getOrCreate(() => {
    const e = env();
    return createDatabase(resolveDatabaseTarget({ databaseUrl: e.DATABASE_URL, pgliteDir: e.PGLITE_DIR }));
  });
}

/** Tests and scripts inject their own database (temporary PGlite or a test PostgreSQL). */
export function setDatabaseForProcess(db: Database | undefined): void {
  slot.set(db);
}

export const db = new Proxy({} as Database["prisma"], {
  get(_target, prop) {
    const prisma = database().prisma as unknown as Record<string | symbol, unknown>;
    const value = prisma[prop];
    return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(prisma) : value;
  },
});
