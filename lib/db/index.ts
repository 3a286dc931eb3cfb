import "server-only";

import { env } from "@/lib/env";
import { createDatabase, resolveDatabaseTarget, type Database } from "@/lib/db/connect";
import { processSlot } from "@/lib/process-singleton";

/**
 * lib/db owns where the portal's data lives and how it is reached: the process's Prisma client (this
 * file), PGlite or PostgreSQL behind it (connect.ts) and the migrations (migrate.ts); the schema is
 * prisma/schema.prisma. It is the bottom layer: it imports the shared lib/*.ts modules and the
 * generated client only, never a domain folder (lib/auth, lib/connections, lib/pleo, lib/sync,
 * lib/expenses); eslint.config.mjs enforces this.
 *
 * One Prisma client per process (lib/process-singleton): PGlite allows a single connection per data
 * directory, and PostgreSQL pools should not multiply either.
 */
const slot = processSlot<Database>("database");

export function database(): Database {
  return slot.getOrCreate(() => {
    const e = env();
    return createDatabase(resolveDatabaseTarget({ databaseUrl: e.DATABASE_URL, pgliteDir: e.PGLITE_DIR }));
  });
}

/** Close the process database if it was opened (at shutdown, once nothing uses it any more). */
export async function closeDatabase(): Promise<void> {
  const open = slot.get();
  if (!open) return;
  slot.set(undefined);
  await open.close();
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
