import { fetchMonthlySpend } from "@/lib/expenses/data";
import { formatMoney, minorsToNumber } from "@/lib/expenses/money";
import { Card } from "@/components/ui/card";
import { ColumnHeader } from "@/components/ui/table";
import { SkeletonCard, Skeleton } from "@/components/ui/skeleton";
import { MonthlySpendBars, type MonthlyBar } from "./monthly-spend-chart";
import { monthFilter, viewHref, type DashboardView } from "./view";

/** Spend per month over the last 12 months (the period filter does not apply; the others do). */
export async function MonthlySpend({ view }: { view: DashboardView }) {
  const months = await fetchMonthlySpend(view.scope, view.filters);
  const { currency } = view.scope;
  // Each month starts at local midnight in the company's zone: format it there.
  const { timeZone } = view.scope;
  const monthFmt = new Intl.DateTimeFormat(view.locale, { month: "short", year: "2-digit", timeZone });
  const longFmt = new Intl.DateTimeFormat(view.locale, { month: "long", year: "numeric", timeZone });
  const data: MonthlyBar[] = months.map((m) => ({
    label: monthFmt.format(m.start),
    long: longFmt.format(m.start),
    value: minorsToNumber(m.total, currency),
    formatted: formatMoney(m.total, currency, { locale: view.locale }),
    count: m.count,
    href: viewHref(view, monthFilter(m.month)),
  }));
  const empty = months.every((m) => m.count === 0);
  return (
    <Card title="Spend per month" description={`Last 12 months, in ${currency}`} headingId="monthly-heading">
      {empty ? (
        <p className="py-16 text-center text-sm text-muted">No spend in the last 12 months for this view.</p>
      ) : (
        <>
          <MonthlySpendBars data={data} currency={currency} locale={view.locale} />
          <details className="mt-2 text-sm">
            <summary className="cursor-pointer text-muted">Show as table</summary>
            <table className="mt-2 w-full text-left">
              <caption className="sr-only">Spend per month in {currency}</caption>
              <thead>
                <tr>
                  <ColumnHeader className="py-1">Month</ColumnHeader>
                  <ColumnHeader className="py-1" align="right">
                    Spend
                  </ColumnHeader>
                  <ColumnHeader className="py-1" align="right">
                    Expenses
                  </ColumnHeader>
                </tr>
              </thead>
              <tbody>
                {data.map((d) => (
                  <tr key={d.long} className="border-t border-black/5">
                    <th scope="row" className="py-1 font-normal">
                      {d.long}
                    </th>
                    <td className="py-1 text-right tabular-nums">{d.formatted}</td>
                    <td className="py-1 text-right tabular-nums">{d.count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </Card>
  );
}

export function MonthlySpendSkeleton() {
  return (
    <SkeletonCard label="Loading spend per month">
      <div className="flex h-64 items-end gap-2">
        {[40, 55, 35, 60, 70, 50, 65, 80, 60, 75, 90, 45].map((h, i) => (
          <Skeleton key={i} className="flex-1" style={{ height: `${h}%` }} />
        ))}
      </div>
    </SkeletonCard>
  );
}
