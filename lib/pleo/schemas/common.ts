import { z } from "zod";
import type { Money, Page } from "@/lib/pleo/types";

/**
 * Building blocks for Pleo response schemas. Objects are non-strict (zod's default strips unknown
 * keys), so fields Pleo adds later never break the portal; a missing required field fails parsing
 * and is reported by path (see describeIssues).
 */

/** Optional in Pleo's JSON: may be absent or null; the portal always sees null. */
export const opt = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? null);

/** ISO-8601 date-time (Pleo sometimes sends nanoseconds) → Date. */
export const dateTime = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: "expected an ISO-8601 date-time" })
  .transform((s) => new Date(s));

/** Minor units arrive as JSON integers (int64); a string form is accepted too, so no precision is lost. */
const minors = z.union([z.number().int(), z.string().regex(/^-?\d+$/)]).transform((v) => BigInt(v));

export const moneySchema = z
  .object({ currency: z.string().min(1), minors })
  .transform((m): Money => ({ currency: m.currency, minors: m.minors }));

/** `{data: T}` envelope. */
export const dataEnvelope = <T extends z.ZodType>(item: T) => z.object({ data: item });

const paginationSchema = z.object({
  hasNextPage: z.boolean(),
  hasPreviousPage: z.boolean().optional(),
  startCursor: z.string().nullish(),
  endCursor: z.string().nullish(),
  total: z.number().int().nullish(),
});

/** `{data: T[], pagination}` (CursorPaginatedResponse) → Page<T>. */
export const pageEnvelope = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), pagination: paginationSchema }).transform((r): Page<z.output<T>> => ({
    items: r.data,
    hasNextPage: r.pagination.hasNextPage,
    endCursor: r.pagination.endCursor ?? null,
    total: r.pagination.total ?? null,
  }));

/** `{data: T[]}` with no pagination (e.g. tag groups) → a single, last Page<T>. */
export const listEnvelope = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item) }).transform((r): Page<z.output<T>> => ({
    items: r.data,
    hasNextPage: false,
    endCursor: null,
    total: r.data.length,
  }));

/** Human-readable zod issues: `data[3].email: Invalid input: expected string, received undefined`. */
export function describeIssues(error: z.ZodError, max = 5): string[] {
  const lines = error.issues.slice(0, max).map((issue) => {
    const path = issue.path
      .map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`))
      .join("");
    return `${path || "(body)"}: ${issue.message}`;
  });
  if (error.issues.length > max) lines.push(`…and ${error.issues.length - max} more`);
  return lines;
}
