import "server-only";

import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";

/** Anything that can run raw SQL: the client itself or an interactive transaction. */
export type SqlRunner = Pick<PrismaClient, "$queryRawUnsafe" | "$executeRawUnsafe"> | Prisma.TransactionClient;

export type ColumnType =
  "uuid" | "text" | "text[]" | "bigint" | "integer" | "numeric" | "boolean" | "timestamp" | "jsonb";

export type Column = { name: string; type: ColumnType };

const SQL_TYPE: Record<ColumnType, string> = {
  uuid: "uuid",
  text: "text",
  "text[]": "text[]",
  bigint: "bigint",
  integer: "integer",
  numeric: "numeric",
  boolean: "boolean",
  timestamp: "timestamp(3)",
  jsonb: "jsonb",
};

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * `jsonb_to_recordset($n::jsonb) AS x(<typed columns>)`: a whole batch travels as ONE parameter, so a
 * page of 100 rows is one statement and one round trip on PGlite and PostgreSQL alike (no per-row
 * statements, no driver-specific array parameters).
 */
export function recordset(columns: Column[], param = 1, alias = "x"): string {
  const defs = columns.map((c) => `${quoteIdent(c.name)} ${SQL_TYPE[c.type]}`).join(", ");
  return `jsonb_to_recordset($${param}::jsonb) AS ${alias}(${defs})`;
}

/** Rows → the JSON text `recordset` reads. Dates as UTC ISO (Prisma stores UTC wall time), bigints as strings. */
export function toRecordsetJson(rows: Record<string, unknown>[]): string {
  return JSON.stringify(rows, (_key, value) => (typeof value === "bigint" ? value.toString() : value));
}

/** The database's "now" as a UTC wall-clock timestamp, matching how Prisma stores DateTime. */
export const NOW_UTC = `(now() AT TIME ZONE 'UTC')`;

/**
 * Batch upsert keyed by `id`: inserts new rows, updates existing rows only when a compared column
 * differs (so re-syncing unchanged data writes nothing) and `onlyIf` (SQL over the table and EXCLUDED)
 * holds, in one statement. Returns the number written.
 */
export async function bulkUpsert(
  sql: SqlRunner,
  table: string,
  columns: Column[],
  rows: Record<string, unknown>[],
  opts: { extraSet?: string[]; onlyIf?: string } = {},
): Promise<number> {
  if (rows.length === 0) return 0;
  const names = columns.map((c) => quoteIdent(c.name));
  const updatable = columns.filter((c) => c.name !== "id");
  const set = [
    ...updatable.map((c) => `${quoteIdent(c.name)} = EXCLUDED.${quoteIdent(c.name)}`),
    ...(opts.extraSet ?? []),
  ];
  const t = quoteIdent(table);
  const current = updatable.map((c) => `${t}.${quoteIdent(c.name)}`).join(", ");
  const incoming = updatable.map((c) => `EXCLUDED.${quoteIdent(c.name)}`).join(", ");
  const statement =
    `INSERT INTO ${t} (${names.join(", ")}) SELECT ${names.join(", ")} FROM ${recordset(columns)} ` +
    `ON CONFLICT ("id") DO UPDATE SET ${set.join(", ")} WHERE ${opts.onlyIf ? `(${opts.onlyIf}) AND ` : ""}(${current}) IS DISTINCT FROM (${incoming})`;
  return sql.$executeRawUnsafe(statement, toRecordsetJson(rows));
}
