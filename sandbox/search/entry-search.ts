/**
 * POST /v1/accounting-entries:search semantics: body filters (AccountingEntryBaseSearchRequest),
 * keyset cursor paging over the precomputed orders, and Pleo's `pagination` object.
 */
import { z } from "zod";
import { EXPORT_STATUSES, FAMILIES, REVIEW_STATUSES, STATUSES, SUB_FAMILIES, type EntryRec } from "../model";
import type { CompanyState } from "../store";
import { decodeCursor, encodeCursor } from "./cursor";
import { keyValue, type LogicalView, type PageOrder, type SortKey } from "./entry-index";

const uuidList = z.array(z.uuid()).max(100);
const dateTime = z.iso.datetime({ offset: true });

/** Request body; field names FOUND in Pleo's AccountingEntryBaseSearchRequest. */
export const SearchBodySchema = z
  .object({
    includeDeleted: z.boolean().default(false),
    accountIds: uuidList.optional(),
    employeeIds: uuidList.optional(),
    teamIds: uuidList.optional(),
    taxCodeIds: uuidList.optional(),
    tagRowIds: uuidList.optional(),
    tagGroupIdsUnset: uuidList.optional(),
    foreignExtensionIds: z.array(z.string()).max(100).optional(),
    transactionValueCurrencies: z
      .array(z.string().regex(/^[A-Z]{3}$/, "ISO 4217 code"))
      .max(100)
      .optional(),
    exportStatus: z.array(z.enum(EXPORT_STATUSES)).optional(),
    families: z.array(z.enum(FAMILIES)).optional(),
    subFamilies: z.array(z.enum(SUB_FAMILIES)).optional(),
    reviewStatus: z.array(z.enum(REVIEW_STATUSES)).optional(),
    status: z.array(z.enum(STATUSES)).optional(),
    hasAccount: z.boolean().optional(),
    hasBookkeepingDate: z.boolean().optional(),
    hasNote: z.boolean().optional(),
    settled: z.boolean().optional(),
    performedAtStart: dateTime.optional(),
    performedAtEnd: dateTime.optional(),
    settledAtStart: dateTime.optional(),
    settledAtEnd: dateTime.optional(),
    bookkeepingDateStart: dateTime.optional(),
    bookkeepingDateEnd: dateTime.optional(),
  })
  .strict();
export type SearchBody = z.infer<typeof SearchBodySchema>;

type DateKey = "performedAt" | "settledAt" | "bookkeepingDate";
export interface DateRange {
  key: DateKey;
  start: number | null;
  end: number | null;
}

/** FOUND: "Cannot be used with any other date filters" — one date pair at most. */
export function dateRangeOf(body: SearchBody): DateRange | null | "conflict" {
  const pairs: DateRange[] = [];
  for (const key of ["performedAt", "settledAt", "bookkeepingDate"] as const) {
    const s = body[`${key}Start`];
    const e = body[`${key}End`];
    if (s !== undefined || e !== undefined) {
      pairs.push({ key, start: s ? Date.parse(s) : null, end: e ? Date.parse(e) : null });
    }
  }
  if (pairs.length > 1) return "conflict";
  return pairs[0] ?? null;
}

/** Build the entry predicate for the body's filters (date range included). */
function compileFilter(company: CompanyState, body: SearchBody, range: DateRange | null): (e: EntryRec) => boolean {
  const { data } = company;
  const checks: ((e: EntryRec) => boolean)[] = [];
  const set = <T>(xs: readonly T[] | undefined) => (xs && xs.length > 0 ? new Set(xs) : null);

  if (!body.includeDeleted) checks.push((e) => e.deletedAt === null);
  const accounts = set(body.accountIds);
  if (accounts) checks.push((e) => e.account >= 0 && accounts.has(data.accounts[e.account].id));
  const employees = set(body.employeeIds);
  if (employees) checks.push((e) => e.employee >= 0 && employees.has(data.employees[e.employee].id));
  const teams = set(body.teamIds);
  if (teams) checks.push((e) => e.team >= 0 && teams.has(data.teams[e.team].id));
  const taxCodes = set(body.taxCodeIds);
  if (taxCodes) checks.push((e) => e.taxCode >= 0 && taxCodes.has(data.taxCodes[e.taxCode].id));
  const tagIds = set(body.tagRowIds);
  if (tagIds) checks.push((e) => e.tags !== null && e.tags.some((t) => tagIds.has(data.tags[t].id)));
  const unsetGroups = set(body.tagGroupIdsUnset);
  if (unsetGroups) {
    checks.push((e) => !(e.tags ?? []).some((t) => unsetGroups.has(data.tags[t].groupId)));
  }
  // The sandbox never sets foreignExtensionId, so a non-empty filter matches nothing.
  if (body.foreignExtensionIds && body.foreignExtensionIds.length > 0) checks.push(() => false);
  const currencies = set(body.transactionValueCurrencies);
  if (currencies) checks.push((e) => currencies.has(e.txCurrency));
  const exportStatus = set(body.exportStatus);
  if (exportStatus) checks.push((e) => exportStatus.has(e.exportStatus));
  const families = set(body.families);
  if (families) checks.push((e) => families.has(e.family));
  const subFamilies = set(body.subFamilies);
  if (subFamilies) checks.push((e) => e.subFamily !== null && subFamilies.has(e.subFamily));
  const review = set(body.reviewStatus);
  if (review) checks.push((e) => review.has(e.reviewStatus));
  const status = set(body.status);
  if (status) checks.push((e) => status.has(e.status));
  if (body.hasAccount !== undefined) {
    const want = body.hasAccount;
    // "I don't know" (the zero UUID) counts as no account assigned.
    checks.push((e) => e.account >= 0 === want);
  }
  if (body.hasBookkeepingDate !== undefined) {
    const want = body.hasBookkeepingDate;
    checks.push((e) => (e.bookkeepingDate !== null) === want);
  }
  if (body.hasNote !== undefined) {
    const want = body.hasNote;
    checks.push((e) => (e.note !== null && e.note !== "") === want);
  }
  if (body.settled !== undefined) {
    const want = body.settled;
    checks.push((e) => (e.settledAt !== null) === want);
  }
  if (range) {
    // GUESSED: start inclusive, end exclusive.
    const { key, start, end } = range;
    checks.push((e) => {
      const v = keyValue(e, key) as number | null;
      return v !== null && (start === null || v >= start) && (end === null || v < end);
    });
  }
  if (checks.length === 0) return () => true;
  if (checks.length === 1) return checks[0];
  return (e) => {
    for (const c of checks) if (!c(e)) return false;
    return true;
  };
}

export interface SearchRequest {
  body: SearchBody;
  range: DateRange | null;
  sortKey: SortKey;
  order: PageOrder;
  limit: number;
  after: string | undefined;
  before: string | undefined;
}

export interface SearchResult {
  entries: EntryRec[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | undefined;
  endCursor: string | undefined;
  total: number;
}

export class CursorError extends Error {}

export function cursorFor(e: EntryRec, key: SortKey): string {
  return encodeCursor({ key, value: keyValue(e, key), id: e.id });
}

function parseCursor(raw: string, key: SortKey) {
  const c = decodeCursor(raw);
  if (!c) throw new CursorError("Malformed cursor");
  if (c.key !== key) throw new CursorError(`Cursor was issued for sorting key '${c.key}', not '${key}'`);
  const numeric = key !== "id";
  if (numeric ? !(c.value === null || typeof c.value === "number") : typeof c.value !== "string") {
    throw new CursorError("Malformed cursor");
  }
  return c;
}

export function searchEntries(company: CompanyState, req: SearchRequest): SearchResult {
  const view: LogicalView = company.index.view(req.sortKey, req.order);
  const entries = company.data.entries;
  const match = compileFilter(company, req.body, req.range);
  // When the date filter is on the sort key, matching entries are one contiguous logical range.
  let [lo, hi] = [0, view.n];
  if (req.range && req.range.key === req.sortKey) [lo, hi] = view.range(req.range.start, req.range.end);

  const page: EntryRec[] = [];
  let hasNextPage = false;
  let hasPreviousPage = false;
  const anyMatch = (from: number, to: number, step: 1 | -1): boolean => {
    for (let i = from; step === 1 ? i < to : i >= to; i += step) if (match(entries[view.at(i)])) return true;
    return false;
  };

  if (req.before !== undefined) {
    const c = parseCursor(req.before, req.sortKey);
    const end = Math.min(view.firstAtOrAfter(c.value, c.id), hi);
    let i = end - 1;
    for (; i >= lo && page.length < req.limit; i--) {
      const e = entries[view.at(i)];
      if (match(e)) page.push(e);
    }
    page.reverse();
    hasPreviousPage = anyMatch(i, lo, -1);
    hasNextPage = anyMatch(Math.max(end, lo), hi, 1);
  } else {
    let start = lo;
    if (req.after !== undefined) {
      const c = parseCursor(req.after, req.sortKey);
      start = Math.max(view.firstAfter(c.value, c.id), lo);
      hasPreviousPage = anyMatch(Math.min(start, hi) - 1, lo, -1);
    }
    let i = start;
    for (; i < hi && page.length < req.limit; i++) {
      const e = entries[view.at(i)];
      if (match(e)) page.push(e);
    }
    hasNextPage = anyMatch(i, hi, 1);
  }

  return {
    entries: page,
    hasNextPage,
    hasPreviousPage,
    startCursor: page.length > 0 ? cursorFor(page[0], req.sortKey) : undefined,
    endCursor: page.length > 0 ? cursorFor(page[page.length - 1], req.sortKey) : undefined,
    total: countMatches(company, req, view, match, lo, hi),
  };
}

/** Total matches for the filter (cursor ignored); cached per filter until the data changes. */
function countMatches(
  company: CompanyState,
  req: SearchRequest,
  view: LogicalView,
  match: (e: EntryRec) => boolean,
  lo: number,
  hi: number,
): number {
  const { includeDeleted, ...rest } = req.body;
  const onlyDeletedFilter = Object.values(rest).every((v) => v === undefined) && !req.range;
  if (onlyDeletedFilter) return includeDeleted ? view.n : view.n - company.deletedCount;
  const cacheKey = JSON.stringify(req.body);
  const cached = company.countCache.get(cacheKey);
  if (cached !== undefined) return cached;
  let n = 0;
  const entries = company.data.entries;
  for (let i = lo; i < hi; i++) if (match(entries[view.at(i)])) n++;
  company.countCache.set(cacheKey, n);
  return n;
}
