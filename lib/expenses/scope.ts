import type { ResolvedPeriod } from "./period";

/**
 * Who and when a dashboard view is for. Every read takes it; `now` is explicit so tests can pin the
 * calendar. `timeZone`, `currency` and `dataVersion` come from the company's row (fetchCompanyContext),
 * read once per request. Every field except `now` is part of the widget cache's key (cache.ts), so a
 * field added here (e.g. a visibility setting the base condition in sql.ts applies) is keyed too.
 */
export type DashboardScope = {
  companyId: string;
  /** The wallet currency totals are in. */
  currency: string;
  /** IANA zone of the company's calendar (UTC when its country is unknown). */
  timeZone: string;
  period: ResolvedPeriod;
  now: Date;
  /** PleoCompany.dataVersion as read for this request (a number of ms at most): cached widget reads are per version. */
  dataVersion: number;
  /**
   * Where the company's history window starts at `now` (ms; null: everything), in its zone: the one
   * value sql.ts's companyRows applies, and part of the widget cache's key, so cached reads follow a
   * settings change and the window's move at a new month.
   */
  historyStart: number | null;
};
