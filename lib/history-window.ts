/**
 * The history window (a per-company setting, README "Settings"): how far back the portal keeps and
 * shows a company's expenses. N months means the current calendar month and the N − 1 before it, in the
 * company's time zone (the dashboard's calendar, PleoCompany.timeZone; UTC when unknown), so
 * "12 months" is exactly what the dashboard's 12-month chart spans; null means everything.
 * The sync backfills from this start (lib/sync/run.ts) and every dashboard read hides entries performed
 * before it (lib/expenses/sql.ts, companyRows, with the start worked out here once per request): one
 * rule for both.
 */
import { calendarDateIn, isTimeZone, startOfDayIn } from "@/lib/time-zone";

/** The zone the window is cut in: the company's, or UTC when it has none the runtime knows. */
const zoneOf = (timeZone: string | null | undefined) => (timeZone && isTimeZone(timeZone) ? timeZone : "UTC");

/** The first instant inside the window at `now`, or null for "everything". */
export function historyStart(
  months: number | null | undefined,
  now: Date,
  timeZone: string | null | undefined = "UTC",
): Date | null {
  if (months === null || months === undefined) return null;
  const zone = zoneOf(timeZone);
  const today = calendarDateIn(now, zone);
  return startOfDayIn({ year: today.year, month: today.month - (months - 1), day: 1 }, zone);
}
