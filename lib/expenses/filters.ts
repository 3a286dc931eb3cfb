/**
 * Dashboard filters live in the URL (shareable views, working back button). Each parameter is parsed
 * on its own with zod: a bad value is dropped with a message saying so, the rest of the view still
 * applies, and nothing ever throws.
 */
import { z } from "zod";
import { FAMILIES, REVIEW_STATUSES, STATUSES, type EntryStatus, type Family, type ReviewStatus } from "./definitions";
import {
  FALLBACK_TIME_ZONE,
  PERIODS,
  isoDate,
  parseIsoDate,
  resolvePeriod,
  type Period,
  type ResolvedPeriod,
} from "./period";

export const SORT_KEYS = ["date", "amount", "supplier", "family", "status"] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDir = "asc" | "desc";

export const PAGE_SIZE = 25;
/** Deep OFFSET pages get slow and nobody pages 400 deep; CSV export covers "everything". */
export const MAX_PAGE = 400;
export const MAX_SEARCH_LENGTH = 100;

export type ExpenseFilters = {
  period: Period;
  from?: string; // YYYY-MM-DD, only with period=custom
  to?: string;
  family?: Family;
  status?: EntryStatus;
  review?: ReviewStatus | "WAITING";
  employee?: string;
  team?: string;
  category?: string; // account id (on the entry or one of its split items), or "none" for uncategorised
  tag?: string; // tag id (on the entry or one of its split items)
  currency?: string; // purchase (transaction) currency
  receipt?: "missing";
  q?: string;
  /** Which tag group the "spend by tag" breakdown shows (a view setting, not a filter). */
  tagGroup?: string;
  sort: SortKey;
  dir: SortDir;
  page: number;
};

export const DEFAULT_FILTERS: ExpenseFilters = { period: "this-month", sort: "date", dir: "desc", page: 1 };

/**
 * The filters other than the period, sorting and paging, in URL order: parsing, URLs, the active-filter
 * count and the monthly rollup's check (lib/expenses/sql.ts) all go through this one list.
 */
export const FILTER_KEYS = [
  "family",
  "status",
  "review",
  "employee",
  "team",
  "category",
  "tag",
  "currency",
  "receipt",
  "q",
] as const satisfies readonly (keyof ExpenseFilters)[];
export type FilterKey = (typeof FILTER_KEYS)[number];

export type SearchParamsInput = Record<string, string | string[] | undefined> | URLSearchParams;

const uuid = z.uuid();
/** Each URL parameter: how it is validated, and how messages name it. */
const FIELDS = {
  period: { schema: z.enum(PERIODS), name: "period" },
  family: { schema: z.enum(FAMILIES), name: "family" },
  status: { schema: z.enum(STATUSES), name: "status" },
  review: { schema: z.enum([...REVIEW_STATUSES, "WAITING"]), name: "review status" },
  employee: { schema: uuid, name: "employee" },
  team: { schema: uuid, name: "team" },
  category: { schema: z.union([uuid, z.literal("none")]), name: "category" },
  tag: { schema: uuid, name: "tag" },
  tagGroup: { schema: uuid, name: "tag group" },
  currency: { schema: z.string().regex(/^[A-Z]{3}$/), name: "currency" },
  receipt: { schema: z.literal("missing"), name: "receipt filter" },
  q: { schema: z.string().max(MAX_SEARCH_LENGTH), name: "search" },
  sort: { schema: z.enum(SORT_KEYS), name: "sort column" },
  dir: { schema: z.enum(["asc", "desc"]), name: "sort direction" },
  page: { schema: z.coerce.number().int().min(1).max(MAX_PAGE), name: "page" },
} as const;
type Field = keyof typeof FIELDS;

function first(params: SearchParamsInput, key: string): string | undefined {
  const raw = params instanceof URLSearchParams ? (params.get(key) ?? undefined) : params[key];
  const value = Array.isArray(raw) ? raw[0] : raw;
  const trimmed = value?.trim();
  return trimmed === "" ? undefined : trimmed;
}

function issueMessage(key: Field, shown: string): string {
  switch (key) {
    case "q":
      return `Search text is limited to ${MAX_SEARCH_LENGTH} characters; the search was ignored.`;
    case "page":
      return `"${shown}" is not a page number between 1 and ${MAX_PAGE}; showing the first page.`;
    case "period":
      return `"${shown}" is not a known period; showing this month.`;
    case "sort":
    case "dir":
      return `"${shown}" is not a valid ${FIELDS[key].name}; sorting by newest first.`;
    default:
      return `"${shown}" is not a valid ${FIELDS[key].name}; that filter was ignored.`;
  }
}

export type ParsedFilters = { filters: ExpenseFilters; issues: string[] };

/** Parse URL search params into filters; invalid values become defaults plus a readable issue. */
export function parseExpenseFilters(params: SearchParamsInput): ParsedFilters {
  const issues: string[] = [];
  const out: ExpenseFilters = { ...DEFAULT_FILTERS };
  const take = <K extends Field>(key: K): z.infer<(typeof FIELDS)[K]["schema"]> | undefined => {
    let raw = first(params, key);
    if (raw === undefined) return undefined;
    if (key === "currency") raw = raw.toUpperCase();
    const parsed = FIELDS[key].schema.safeParse(raw);
    if (parsed.success) return parsed.data as z.infer<(typeof FIELDS)[K]["schema"]>;
    issues.push(issueMessage(key, raw.length > 40 ? `${raw.slice(0, 40)}…` : raw));
    return undefined;
  };

  const fromRaw = first(params, "from");
  const toRaw = first(params, "to");
  const period = take("period") ?? (fromRaw || toRaw ? "custom" : undefined);
  if (period === "custom") {
    const from = fromRaw ? parseIsoDate(fromRaw) : null;
    const to = toRaw ? parseIsoDate(toRaw) : null;
    if (!from || !to) {
      issues.push("A custom period needs a valid start and end date (YYYY-MM-DD); showing this month.");
    } else if (isoDate(from) > isoDate(to)) {
      issues.push("The custom period ends before it starts; showing this month.");
    } else {
      Object.assign(out, { period: "custom", from: isoDate(from), to: isoDate(to) });
    }
  } else if (period) {
    out.period = period;
  }

  for (const key of FILTER_KEYS) {
    const value = take(key);
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  const tagGroup = take("tagGroup");
  if (tagGroup) out.tagGroup = tagGroup;
  out.sort = take("sort") ?? out.sort;
  out.dir = take("dir") ?? (first(params, "sort") && !first(params, "dir") && out.sort !== "date" ? "asc" : out.dir);
  out.page = take("page") ?? 1;
  return { filters: out, issues };
}

/** Date ranges of the filters' period (current and comparison) in the company's zone, for queries and labels. */
export function periodOf(filters: ExpenseFilters, now: Date, timeZone: string = FALLBACK_TIME_ZONE): ResolvedPeriod {
  if (filters.period === "custom" && filters.from && filters.to) {
    return resolvePeriod("custom", now, timeZone, {
      from: parseIsoDate(filters.from)!,
      to: parseIsoDate(filters.to)!,
    });
  }
  return resolvePeriod(filters.period === "custom" ? DEFAULT_FILTERS.period : filters.period, now, timeZone);
}

/**
 * The URL query for a view: defaults are left out so URLs stay short and equal views share a URL.
 * `extra` keeps non-filter parameters (the selected company).
 */
export function filtersToSearchParams(
  filters: ExpenseFilters,
  extra: Record<string, string | undefined> = {},
): URLSearchParams {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(extra)) if (v) p.set(k, v);
  if (filters.period !== DEFAULT_FILTERS.period) p.set("period", filters.period);
  if (filters.period === "custom") {
    if (filters.from) p.set("from", filters.from);
    if (filters.to) p.set("to", filters.to);
  }
  for (const key of FILTER_KEYS) {
    const v = filters[key];
    if (v) p.set(key, v);
  }
  if (filters.tagGroup) p.set("tagGroup", filters.tagGroup);
  if (filters.sort !== DEFAULT_FILTERS.sort || filters.dir !== DEFAULT_FILTERS.dir) {
    p.set("sort", filters.sort);
    p.set("dir", filters.dir);
  }
  if (filters.page !== 1) p.set("page", String(filters.page));
  return p;
}

export function hrefFor(
  pathname: string,
  filters: ExpenseFilters,
  extra: Record<string, string | undefined> = {},
): string {
  const qs = filtersToSearchParams(filters, extra).toString();
  return qs ? `${pathname}?${qs}` : pathname;
}

/** Filters other than the period and paging/sorting that are set (for "Clear filters" and summaries). */
export function activeFilterCount(f: ExpenseFilters): number {
  return FILTER_KEYS.filter((k) => f[k]).length;
}
