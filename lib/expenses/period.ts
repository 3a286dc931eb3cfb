/**
 * Reporting periods: calendar ranges in the company's time zone (from its country: lib/pleo/country.ts,
 * stored on PleoCompany by the sync; UTC when unknown). "This month" for a Copenhagen company runs from
 * local midnight on the 1st, 23:00 or 22:00 UTC the day before depending on daylight saving time.
 * Ranges are instants, half-open [start, end), so a month is exactly the entries performed in it,
 * whatever the server's own zone. Days are calendar days, so a range across a clock change is 23 or 25
 * hours longer or shorter, never off by one hour at its edges.
 */

import { calendar, calendarDateIn, startOfDayIn, type CalendarDate } from "@/lib/time-zone";

export const PERIODS = [
  "this-month",
  "last-month",
  "last-30-days",
  "this-quarter",
  "last-quarter",
  "this-year",
  "last-year",
  "last-12-months",
  "all",
  "custom",
] as const;
export type Period = (typeof PERIODS)[number];

export const PERIOD_LABELS: Record<Period, string> = {
  "this-month": "This month",
  "last-month": "Last month",
  "last-30-days": "Last 30 days",
  "this-quarter": "This quarter",
  "last-quarter": "Last quarter",
  "this-year": "This year",
  "last-year": "Last year",
  "last-12-months": "Last 12 months",
  all: "All time",
  custom: "Custom range",
};

/** Where no country tells the company's zone. */
export const FALLBACK_TIME_ZONE = "UTC";

export type { CalendarDate } from "@/lib/time-zone";
export { calendarDateIn, isTimeZone, startOfDayIn } from "@/lib/time-zone";

export type DateRange = { start: Date; end: Date };
export type ResolvedPeriod = {
  current: DateRange | null;
  previous: DateRange | null;
  label: string;
  previousLabel: string | null;
  /** The IANA zone the ranges are calendar ranges in. */
  timeZone: string;
  /** The current range's first and last day (inclusive), for labels and file names. */
  days: { first: CalendarDate; last: CalendarDate } | null;
};

const DAY_MS = 86_400_000;

const addDays = (c: CalendarDate, n: number) => calendar(c.year, c.month, c.day + n);
export const addMonths = (c: CalendarDate, n: number) => calendar(c.year, c.month + n, c.day);
/** A calendar date as a UTC-midnight Date: only for formatting and day arithmetic. */
const asUtc = (c: CalendarDate) => new Date(Date.UTC(c.year, c.month, c.day));
const daysBetween = (a: CalendarDate, b: CalendarDate) =>
  Math.round((asUtc(b).getTime() - asUtc(a).getTime()) / DAY_MS);

const rangeOfDays = (first: CalendarDate, endExclusive: CalendarDate, tz: string): DateRange => ({
  start: startOfDayIn(first, tz),
  end: startOfDayIn(endExclusive, tz),
});

/** "YYYY-MM-DD" → that calendar date, or null when not a real one. */
export function parseIsoDate(value: string): CalendarDate | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const [y, m, d] = value.split("-").map(Number);
  const c = calendar(y, m - 1, d);
  return c.year === y && c.month === m - 1 && c.day === d ? c : null;
}

export const isoDate = (c: CalendarDate) =>
  `${String(c.year).padStart(4, "0")}-${String(c.month + 1).padStart(2, "0")}-${String(c.day).padStart(2, "0")}`;

/** "YYYY-MM" of a calendar date. */
export const monthKey = (c: CalendarDate) => isoDate(c).slice(0, 7);

function formatDays(first: CalendarDate, last: CalendarDate, locale = "en-GB"): string {
  const fmt = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  const end = addDays(last, 1);
  // Whole calendar months read better as "November 2026" / "Jan 2026 – Dec 2026".
  if (first.day === 1 && end.day === 1) {
    if (daysBetween(addMonths(first, 1), end) === 0) {
      return new Intl.DateTimeFormat(locale, { month: "long", year: "numeric", timeZone: "UTC" }).format(asUtc(first));
    }
    const short = new Intl.DateTimeFormat(locale, { month: "short", year: "numeric", timeZone: "UTC" });
    return `${short.format(asUtc(first))} – ${short.format(asUtc(last))}`;
  }
  return daysBetween(first, last) === 0
    ? fmt.format(asUtc(first))
    : `${fmt.format(asUtc(first))} – ${fmt.format(asUtc(last))}`;
}

type Span = { first: CalendarDate; end: CalendarDate; prevFirst: CalendarDate };

/**
 * The current and comparison ranges of a period in `timeZone`. Calendar periods compare with the
 * previous calendar period of the same kind; rolling and custom ranges with as many days just before.
 * `custom` needs valid `from` ≤ `to` (inclusive days); the caller has validated them.
 */
export function resolvePeriod(
  period: Period,
  now: Date,
  timeZone: string = FALLBACK_TIME_ZONE,
  custom?: { from: CalendarDate; to: CalendarDate },
): ResolvedPeriod {
  const today = calendarDateIn(now, timeZone);
  const { year: y, month: m } = today;
  const months = (first: CalendarDate, n: number): Span => ({
    first,
    end: addMonths(first, n),
    prevFirst: addMonths(first, -n),
  });
  const days = (first: CalendarDate, end: CalendarDate): Span => ({
    first,
    end,
    prevFirst: addDays(first, -daysBetween(first, end)),
  });
  let span: Span | null;
  switch (period) {
    case "this-month":
      span = months(calendar(y, m), 1);
      break;
    case "last-month":
      span = months(calendar(y, m - 1), 1);
      break;
    case "this-quarter":
      span = months(calendar(y, m - (m % 3)), 3);
      break;
    case "last-quarter":
      span = months(calendar(y, m - (m % 3) - 3), 3);
      break;
    case "this-year":
      span = months(calendar(y, 0), 12);
      break;
    case "last-year":
      span = months(calendar(y - 1, 0), 12);
      break;
    case "last-12-months":
      span = months(calendar(y, m - 11), 12);
      break;
    case "last-30-days": {
      const end = addDays(today, 1);
      span = days(addDays(end, -30), end);
      break;
    }
    case "custom":
      if (!custom) throw new Error("custom period needs from/to");
      span = days(custom.from, addDays(custom.to, 1));
      break;
    case "all":
      span = null;
      break;
  }
  if (!span) {
    return { current: null, previous: null, label: PERIOD_LABELS.all, previousLabel: null, timeZone, days: null };
  }
  const last = addDays(span.end, -1);
  return {
    current: rangeOfDays(span.first, span.end, timeZone),
    previous: rangeOfDays(span.prevFirst, span.first, timeZone),
    label: formatDays(span.first, last),
    previousLabel: formatDays(span.prevFirst, addDays(span.first, -1)),
    timeZone,
    days: { first: span.first, last },
  };
}

export type MonthRange = DateRange & { key: string; first: CalendarDate };

/** The 12 calendar months in `timeZone` ending with the month that contains `now`, oldest first. */
export function last12Months(now: Date, timeZone: string = FALLBACK_TIME_ZONE): MonthRange[] {
  const today = calendarDateIn(now, timeZone);
  const first = calendar(today.year, today.month - 11);
  return Array.from({ length: 12 }, (_, i) => {
    const month = addMonths(first, i);
    return { key: monthKey(month), first: month, ...rangeOfDays(month, addMonths(month, 1), timeZone) };
  });
}

/** "Copenhagen time (Europe/Copenhagen)" — how the page says which zone its periods are in. */
export function describeTimeZone(timeZone: string): string {
  if (timeZone === "UTC") return "UTC";
  const city = timeZone.split("/").at(-1)!.replace(/_/g, " ");
  return `${city} time (${timeZone})`;
}
