/**
 * The history window (a per-company setting, README "Settings"): how far back the portal keeps and
 * shows a company's expenses. N months means the current calendar month and the N − 1 before it, in the
 * company's time zone (the dashboard's calendar, PleoCompany.timeZone; UTC when unknown), so
 * "12 months" is exactly what the dashboard's 12-month chart spans; null means everything.
 * The sync backfills from this start (lib/sync/run.ts) and every dashboard read hides entries performed
 * before it (lib/expenses/sql.ts): both use the forms below, which must stay the same rule.
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

/**
 * The same start in SQL for a column holding the month count and an expression giving the IANA zone
 * (NULL: UTC), as `timestamp` in UTC wall time like the synced tables store instants; NULL for
 * "everything". `local: true` gives the start as wall time in the zone instead (the monthly rollup's
 * months are local). Both arguments are trusted SQL (column references), never user input.
 */
export function historyStartSql(monthsColumn: string, zoneExpression = "NULL", local = false): string {
  const zone = `COALESCE(${zoneExpression}, 'UTC')`;
  const localStart = `(date_trunc('month', timezone(${zone}, now())) - make_interval(months => ${monthsColumn} - 1))`;
  return local ? localStart : `timezone('UTC', timezone(${zone}, ${localStart}))`;
}
