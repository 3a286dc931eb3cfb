import "server-only";

import type { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { openPGlite, type DatabaseTarget } from "@/lib/db/target";

export { describeTarget, openPGlite, resolveDatabaseTarget, type DatabaseTarget } from "@/lib/db/target";

/** The Prisma client on a target (target.ts says where data lives). */
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
