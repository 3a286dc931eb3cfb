import "server-only";

import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";

/**
 * Where the portal's data lives: an embedded PGlite directory (default) or a PostgreSQL server.
 * PGlite is one process, one connection: open it once per process and never from two processes.
 * Free of Prisma, so the migration entry point (scripts/migrate.ts, bundled on its own) stays small.
 */
export type DatabaseTarget = { kind: "postgres"; url: string } | { kind: "pglite"; dir: string | null };

export function resolveDatabaseTarget(opts: { databaseUrl?: string; pgliteDir?: string }): DatabaseTarget {
  if (opts.databaseUrl) return { kind: "postgres", url: opts.databaseUrl };
  return { kind: "pglite", dir: opts.pgliteDir ?? ".data/pglite" };
}

export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === "pglite") return target.dir ? `PGlite at ${target.dir}` : "PGlite in memory";
  const u = new URL(target.url);
  return `PostgreSQL at ${u.hostname}:${u.port || 5432}${u.pathname}`;
}

export function openPGlite(dir: string | null): PGlite {
  if (dir === null) return new PGlite();
  const absolute = path.resolve(dir);
  fs.mkdirSync(absolute, { recursive: true });
  return new PGlite(absolute);
}
