import "server-only";

import type { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { openPGlite, RANDOM_PAGE_COST, type DatabaseTarget } from "@/lib/db/target";

export {
  describeTarget,
  openPGlite,
  RANDOM_PAGE_COST,
  resolveDatabaseTarget,
  type DatabaseTarget,
} from "@/lib/db/target";

/** The Prisma client on a target (target.ts says where data lives). */
export type Database = { prisma: PrismaClient; target: DatabaseTarget; close(): Promise<void> };

/** Told every SQL statement the client sends, with its parameters (the dashboard benchmark's floor). */
export type QueryListener = (sql: string, params: unknown[]) => void;

/** The pg connection settings for a PostgreSQL URL (also for raw pools that must plan like the portal). */
export const postgresConnection = (url: string) => ({
  connectionString: url,
  options: `-c random_page_cost=${RANDOM_PAGE_COST}`,
});

function client(adapter: PrismaPg, onQuery?: QueryListener): PrismaClient {
  if (!onQuery) return new PrismaClient({ adapter });
  const prisma = new PrismaClient({ adapter, log: [{ emit: "event", level: "query" }] });
  prisma.$on("query", (e) => onQuery(e.query, JSON.parse(e.params) as unknown[]));
  return prisma;
}

export function createDatabase(
  target: DatabaseTarget,
  existing?: PGlite,
  opts: { onQuery?: QueryListener } = {},
): Database {
  if (target.kind === "postgres") {
    const prisma = client(new PrismaPg({ ...postgresConnection(target.url), max: 10 }), opts.onQuery);
    return { prisma, target, close: () => prisma.$disconnect() };
  }
  const pglite = existing ?? openPGlite(target.dir);
  // The adapter is typed against an older @prisma/driver-adapter-utils; runtime-compatible.
  const adapter = new PrismaPGlite(pglite) as unknown as PrismaPg;
  const prisma = client(adapter, opts.onQuery);
  return {
    prisma,
    target,
    async close() {
      await prisma.$disconnect();
      if (!pglite.closed) await pglite.close();
    },
  };
}
