import "server-only";

import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";

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

/** Extensions the migrations create (pg_trgm: the dashboard's trigram search index). */
const EXTENSIONS = { pg_trgm };

/**
 * The planner's cost of a random page read, for every connection the portal opens: 1.1 instead of
 * PostgreSQL's default of 4, which models spinning disks. The portal's data is cached in memory
 * (PGlite) or on SSD/RAM (a PostgreSQL server), where PostgreSQL's documentation suggests a value near
 * seq_page_cost. With 4, the planner scans a whole company rather than use the dashboard's trigram
 * search index (about 60 ms against 6 ms at 100,000 entries). Any role may set it (no privileges).
 */
export const RANDOM_PAGE_COST = "1.1";

export function openPGlite(dir: string | null): PGlite {
  let pglite: PGlite;
  if (dir === null) {
    pglite = new PGlite({ extensions: EXTENSIONS });
  } else {
    const absolute = path.resolve(dir);
    fs.mkdirSync(absolute, { recursive: true });
    pglite = new PGlite(absolute, { extensions: EXTENSIONS });
  }
  // PGlite runs statements one at a time in the order they were sent: this one comes first.
  pglite.exec(`SET random_page_cost = ${RANDOM_PAGE_COST}`).catch(() => {
    // A PGlite that failed to open reports that on its first real query.
  });
  return pglite;
}
