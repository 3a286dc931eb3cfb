import "server-only";

import { database } from "@/lib/db";
import { logger as processLogger, type Logger } from "@/lib/log";

/**
 * Opens the process's database and runs its first queries at start-up (instrumentation.ts), so the
 * first visitor after a start does not pay for it: with PGlite that is compiling its WebAssembly and
 * opening the data directory, most of the first request's time; with either database, Prisma's query
 * compiler. Not awaited by the server: it listens meanwhile, and a request that arrives first shares the
 * same open. Never throws: an unreachable database or a bad configuration is the pages' to explain.
 */
export async function warmDatabase(log: Logger = processLogger()): Promise<void> {
  const t0 = performance.now();
  try {
    const { prisma } = database();
    await prisma.$queryRaw`SELECT 1`;
    // A model query too: the first one initialises Prisma's query compiler (every sign-in makes one).
    await prisma.session.findFirst({ select: { id: true } });
    log.info({ module: "db", durationMs: Math.round(performance.now() - t0) }, "database warmed at start-up");
  } catch (err) {
    log.warn({ module: "db", err }, "database not warmed at start-up");
  }
}
