/**
 * Reporting periods. All boundaries are UTC midnights and ranges are half-open [start, end), so a
 * month is exactly the entries whose performedAt falls in it, whatever the server's time zone.
 */

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

export type DateRange = { start: Date; end: Date };
export type ResolvedPeriod = {
  current: DateRange | null;
  previous: DateRange | null;
  label: string;
  previousLabel: string | null;
};

const DAY = 86_400_000;
const utc = (y: number, m: number, d = 1) => new Date(Date.UTC(y, m, d));
const startOfDay = (t: Date) => utc(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate());
const addMonths = (t: Date, n: number) => utc(t.getUTCFullYear(), t.getUTCMonth() + n, t.getUTCDate());

function monthsRange(start: Date, months: number): { current: DateRange; previous: DateRange } {
  return {
    current: { start, end: addMonths(start, months) },
    previous: { start: addMonths(start, -months), end: start },
  };
}

function daysRange(start: Date, end: Date): { current: DateRange; previous: DateRange } {
  const len = end.getTime() - start.getTime();
  return { current: { start, end }, previous: { start: new Date(start.getTime() - len), end: start } };
}

/** "YYYY-MM-DD" → UTC midnight, or null when not a real calendar date. */
export function parseIsoDate(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const d = new Date(`${value}T00:00:00.000Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value ? null : d;
}

export const isoDate = (d: Date) => d.toISOString().slice(0, 10);

function formatRange(r: DateRange, locale = "en-GB"): string {
  const fmt = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  const lastDay = new Date(r.end.getTime() - DAY);
  // Whole calendar months read better as "November 2026" / "Jan 2026 – Dec 2026".
  if (r.start.getUTCDate() === 1 && r.end.getUTCDate() === 1) {
    const month = new Intl.DateTimeFormat(locale, { month: "long", year: "numeric", timeZone: "UTC" });
    if (addMonths(r.start, 1).getTime() === r.end.getTime()) return month.format(r.start);
    const short = new Intl.DateTimeFormat(locale, { month: "short", year: "numeric", timeZone: "UTC" });
    return `${short.format(r.start)} – ${short.format(lastDay)}`;
  }
  return r.start.getTime() === lastDay.getTime()
    ? fmt.format(r.start)
    : `${fmt.format(r.start)} – ${fmt.format(lastDay)}`;
}

/**
 * The current and comparison ranges of a period. Calendar periods compare with the previous calendar
 * period of the same kind; rolling and custom ranges with the same number of days just before.
 * `custom` needs valid `from` ≤ `to` (inclusive days); the caller has validated them.
 */
export function resolvePeriod(period: Period, now: Date, custom?: { from: Date; to: Date }): ResolvedPeriod {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  let ranges: { current: DateRange; previous: DateRange } | null;
  switch (period) {
    case "this-month":
      ranges = monthsRange(utc(y, m), 1);
      break;
    case "last-month":
      ranges = monthsRange(utc(y, m - 1), 1);
      break;
    case "this-quarter":
      ranges = monthsRange(utc(y, m - (m % 3)), 3);
      break;
    case "last-quarter":
      ranges = monthsRange(utc(y, m - (m % 3) - 3), 3);
      break;
    case "this-year":
      ranges = monthsRange(utc(y, 0), 12);
      break;
    case "last-year":
      ranges = monthsRange(utc(y - 1, 0), 12);
      break;
    case "last-12-months":
      ranges = monthsRange(utc(y, m - 11), 12);
      break;
    case "last-30-days": {
      const end = new Date(startOfDay(now).getTime() + DAY);
      ranges = daysRange(new Date(end.getTime() - 30 * DAY), end);
      break;
    }
    case "custom": {
      if (!custom) throw new Error("custom period needs from/to");
      ranges = daysRange(custom.from, new Date(custom.to.getTime() + DAY));
      break;
    }
    case "all":
      ranges = null;
      break;
  }
  if (!ranges) return { current: null, previous: null, label: PERIOD_LABELS.all, previousLabel: null };
  return {
    ...ranges,
    label: formatRange(ranges.current),
    previousLabel: formatRange(ranges.previous),
  };
}

/** The 12 calendar months ending with the month that contains `now` (UTC), oldest first. */
export function last12Months(now: Date): DateRange[] {
  const first = utc(now.getUTCFullYear(), now.getUTCMonth() - 11);
  return Array.from({ length: 12 }, (_, i) => ({ start: addMonths(first, i), end: addMonths(first, i + 1) }));
}
