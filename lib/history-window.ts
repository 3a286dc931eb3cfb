/**
 * The history window (a per-company setting, README "Settings"): how far back the portal keeps and
 * shows a company's expenses. N months means the current calendar month (UTC) and the N − 1 before
 * it, so "12 months" is exactly what the dashboard's 12-month chart spans; null means everything.
 * The sync backfills from this start (lib/sync/run.ts) and every dashboard read hides entries performed
 * before it (lib/expenses/sql.ts): both use the two forms below, which must stay the same rule.
 */

/** The first instant inside the window at `now`, or null for "everything". */
export function historyStart(months: number | null | undefined, now: Date): Date | null {
  if (months === null || months === undefined) return null;
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (months - 1), 1));
}

/**
 * The same start in SQL for a column holding the month count (`timestamp` in UTC wall time, as the
 * synced tables store it); NULL for "everything". `monthsColumn` is a trusted column reference.
 */
export function historyStartSql(monthsColumn: string): string {
  return `(date_trunc('month', timezone('UTC', now())) - make_interval(months => ${monthsColumn} - 1))`;
}
