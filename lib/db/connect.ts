import "server-only";

import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "@/lib/generated/prisma/client";

/**
 * Where the portal's data lives: an embedded PGlite directory (default) or a PostgreSQL server.
 * PGlite is one process, one connection: open it once per process and never from two processes.
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

export type Database = { prisma: PrismaClient; target: DatabaseTarget; close(): Promise<void> };

export function createDatabase(target: DatabaseTarget, existing?: PGlite): Database {
  if (target.kind === "postgres") {
    const adapter = new PrismaPg({ connectionString: target.url, max: 10 });
    const prisma = new PrismaClient({ adapter });
    return { prisma, target, close: () => prisma.$disconnect() };
  }
  const pglite = existing ?? openPGlite(target.dir);
  // The adapter is typed against an older @prisma/driver-adapter-utils; runtime-compatible.
  const adapter = new PrismaPGlite(pglite) as unknown as PrismaPg;
  const prisma = new PrismaClient({ adapter });
  return {
    prisma,
    target,
    async close() {
      await prisma.$disconnect();
      if (!pglite.closed) await pglite.close();
    },
  };
}
