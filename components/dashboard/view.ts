import type { DashboardScope } from "@/lib/expenses/data";
import { hrefFor, type ExpenseFilters } from "@/lib/expenses/filters";

/** Everything a dashboard widget needs to render one view: what to query, how to format, where links go. */
export type DashboardView = {
  scope: DashboardScope;
  filters: ExpenseFilters;
  locale: string;
  /** The `company` query parameter to keep in links (absent when the user has one company). */
  companyParam?: string;
};

/** Link to the dashboard with some filters changed; any change other than paging resets to page 1. */
export function viewHref(view: DashboardView, change: Partial<ExpenseFilters> = {}, pathname = "/dashboard"): string {
  const next = { ...view.filters, ...change };
  if (!("page" in change)) next.page = 1;
  return hrefFor(pathname, next, { company: view.companyParam });
}

/** The filter that narrows a view to one calendar month ("YYYY-MM"): a custom period of its days. */
export function monthFilter(month: string): Pick<ExpenseFilters, "period" | "from" | "to"> {
  const [year, m] = month.split("-").map(Number);
  const lastDay = new Date(Date.UTC(year, m, 0)).getUTCDate();
  return { period: "custom", from: `${month}-01`, to: `${month}-${String(lastDay).padStart(2, "0")}` };
}
