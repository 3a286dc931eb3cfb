import "server-only";

import type { PrismaClient } from "@/lib/generated/prisma/client";

type SqlRunner = Pick<PrismaClient, "$queryRawUnsafe" | "$executeRawUnsafe">;

/**
 * rate-limiter-flexible's PostgreSQL store talks to a node-postgres `Client` (storeType "client"): it
 * calls `query({ text, values, name })` and reads `rows` and `rowCount`. This is that interface over the
 * process's Prisma client, so the limits live in the portal's own database on PGlite and PostgreSQL alike
 * (one pool, no second driver). The library's SQL is a single `INSERT … ON CONFLICT … RETURNING` per hit,
 * so counting is atomic across instances. Its table ("RateLimit") comes from a migration; the library
 * is told `tableCreated` and never runs DDL.
 */

export type PgQuery = { text: string; values?: unknown[]; name?: string };
export type PgResult = { rows: Record<string, unknown>[]; rowCount: number };
export type PgLikeClient = { query(q: PgQuery): Promise<PgResult> };

// Statements that answer rows (the library's SELECT and its upsert's RETURNING); the rest (DELETE) answer a count.
const ANSWERS_ROWS = /^\s*SELECT\b|\bRETURNING\b/i;

/** `expire` is a bigint column (epoch ms): Prisma hands it back as BigInt, the library does arithmetic with numbers. */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = typeof v === "bigint" ? Number(v) : v;
  return out;
}

export function prismaStoreClient(sql: SqlRunner): PgLikeClient {
  return {
    async query({ text, values = [] }) {
      // The statement name (for node-postgres' prepared-statement cache) has no Prisma equivalent.
      if (ANSWERS_ROWS.test(text)) {
        const rows = (await sql.$queryRawUnsafe<Record<string, unknown>[]>(text, ...values)).map(plain);
        return { rows, rowCount: rows.length };
      }
      const rowCount = await sql.$executeRawUnsafe(text, ...values);
      return { rows: [], rowCount };
    },
  };
}
