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

/** `{data: T}` envelope, unwrapped to T. */
export const dataEnvelope = <T extends z.ZodType>(item: T) =>
  z.object({ data: item }).transform((r) => (r as { data: z.output<T> }).data);

/** A `boolean | null | absent` flag where absent means false (e.g. `archived`). */
export const flag = z
  .boolean()
  .nullish()
  .transform((v) => v ?? false);

/** A 2xx with nothing the portal reads (204 No Content, or a body it ignores). */
export const noContent = z.unknown().transform((): void => undefined);

/** Pleo's space-separated `scope` string → distinct scopes, in order. */
export function parseScopes(scope: string | null | undefined): string[] {
  return [...new Set((scope ?? "").split(/\s+/).filter(Boolean))];
}

const paginationSchema = z.object({
  hasNextPage: z.boolean(),
  hasPreviousPage: z.boolean().optional(),
  startCursor: z.string().nullish(),
  endCursor: z.string().nullish(),
  total: z.number().int().nullish(),
});

type Pagination = z.output<typeof paginationSchema>;

/** One Page: a paginated response as Pleo sent it, or a plain list as a single, last page. */
function toPage<T>(items: T[], pagination: Pagination | undefined): Page<T> {
  if (!pagination) return { items, hasNextPage: false, endCursor: null, total: items.length };
  return {
    items,
    hasNextPage: pagination.hasNextPage,
    endCursor: pagination.endCursor ?? null,
    total: pagination.total ?? null,
  };
}

/** `{data: T[], pagination}` (CursorPaginatedResponse) → Page<T>. */
export const pageEnvelope = <T extends z.ZodType>(item: T) =>
  z
    .object({ data: z.array(item), pagination: paginationSchema })
    .transform((r): Page<z.output<T>> => toPage(r.data, r.pagination));

/** `{data: T[]}`, paginated or not (e.g. tag groups: FOUND as a plain list) → Page<T>. */
export const pageOrListEnvelope = <T extends z.ZodType>(item: T) =>
  z
    .object({ data: z.array(item), pagination: paginationSchema.optional() })
    .transform((r): Page<z.output<T>> => toPage(r.data, r.pagination));

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
