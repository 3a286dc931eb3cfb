/**
 * Calendar arithmetic in an IANA time zone with the runtime's Intl data: which local day an instant falls
 * on and when a local day starts. Shared by the dashboard's periods (lib/expenses/period.ts) and the
 * history window (lib/history-window.ts), which both cut calendar months in the company's zone.
 */

/** A day on the calendar, in no particular zone; `month` is 0-based like Date's. */
export type CalendarDate = { year: number; month: number; day: number };

/** Normalise (e.g. month 12 → January of the next year) through UTC arithmetic, which has no zone. */
export function calendar(year: number, month: number, day = 1): CalendarDate {
  const d = new Date(Date.UTC(year, month, day));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth(), day: d.getUTCDate() };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Is this an IANA zone the runtime knows? */
export function isTimeZone(timeZone: string): boolean {
  try {
    partsFormatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Local wall-clock fields of an instant in `timeZone`. */
function wallClock(instant: number, timeZone: string) {
  const parts: Record<string, number> = {};
  for (const p of partsFormatter(timeZone).formatToParts(new Date(instant))) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  return parts as { year: number; month: number; day: number; hour: number; minute: number; second: number };
}

/** Offset of `timeZone` from UTC at an instant, in ms (Copenhagen in summer: +2 h). */
function offsetAt(instant: number, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  const asUtcMs = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtcMs - Math.floor(instant / 1000) * 1000;
}

/** The calendar date an instant falls on in `timeZone`. */
export function calendarDateIn(instant: Date, timeZone: string): CalendarDate {
  const w = wallClock(instant.getTime(), timeZone);
  return { year: w.year, month: w.month - 1, day: w.day };
}

/** The instant a calendar day starts in `timeZone` (its local midnight, or the first hour after a gap). */
export function startOfDayIn(date: CalendarDate, timeZone: string): Date {
  const c = calendar(date.year, date.month, date.day);
  const wall = Date.UTC(c.year, c.month, c.day);
  let t = wall - offsetAt(wall, timeZone);
  t = wall - offsetAt(t, timeZone);
  // Where the clock jumps over midnight the day starts at the first instant that is on that date.
  const on = calendarDateIn(new Date(t), timeZone);
  if (on.year !== c.year || on.month !== c.month || on.day !== c.day) t += 3_600_000;
  return new Date(t);
}
