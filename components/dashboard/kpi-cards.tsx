import Link from "next/link";
import { fetchKpis, type KpiFigures } from "@/lib/expenses/data";
import type { ExpenseFilters } from "@/lib/expenses/filters";
import { formatMoney } from "@/lib/expenses/money";
import { Skeleton } from "@/components/ui/skeleton";
import { viewHref, type DashboardView } from "./view";

type Kpi = {
  id: string;
  label: string;
  value: (f: KpiFigures) => bigint | number;
  format: (v: bigint | number) => string;
  /** More is worse (waiting, missing receipts): colour the change the other way round. */
  lowerIsBetter?: boolean;
  href?: string;
};

function change(cur: bigint | number, prev: bigint | number): number | null {
  const c = Number(cur);
  const p = Number(prev);
  if (p === 0) return null;
  return (c - p) / Math.abs(p);
}

export async function KpiCards({ view }: { view: DashboardView }) {
  const kpis = await fetchKpis(view.scope, view.filters);
  const { currency } = kpis;
  const money = (v: bigint | number) => formatMoney(v, currency, { locale: view.locale });
  const count = (v: bigint | number) => new Intl.NumberFormat(view.locale).format(v);
  // Counts of entries that need someone's attention: fewer is better, and the label opens them.
  const toDo = (show: Partial<ExpenseFilters>) => ({ format: count, lowerIsBetter: true, href: viewHref(view, show) });
  const items: Kpi[] = [
    { id: "total", label: "Total spend", value: (f) => f.total, format: money },
    { id: "count", label: "Expenses", value: (f) => f.count, format: count },
    { id: "average", label: "Average expense", value: (f) => f.average, format: money },
    { id: "waiting", label: "Waiting for review", value: (f) => f.waiting, ...toDo({ review: "WAITING" }) },
    { id: "missing", label: "Missing receipt", value: (f) => f.missingReceipt, ...toDo({ receipt: "missing" }) },
  ];
  const pct = new Intl.NumberFormat(view.locale, {
    style: "percent",
    maximumFractionDigits: 1,
    signDisplay: "exceptZero",
  });
  const { previousLabel } = view.scope.period;

  return (
    <section aria-labelledby="kpi-heading">
      <h2 id="kpi-heading" className="sr-only">
        Key figures for {view.scope.period.label}
      </h2>
      <dl className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-5">
        {items.map((k) => {
          const cur = k.value(kpis.current);
          const prev = kpis.previous ? k.value(kpis.previous) : null;
          const delta = prev === null ? null : change(cur, prev);
          const worse = delta !== null && (k.lowerIsBetter ? delta > 0 : delta < 0);
          return (
            <div
              key={k.id}
              className="rounded-xl border border-black/10 bg-white p-4 shadow-sm"
              data-testid={`kpi-${k.id}`}
            >
              <dt className="text-sm text-muted">
                {k.href ? (
                  <Link href={k.href} className="underline-offset-2 hover:underline">
                    {k.label}
                  </Link>
                ) : (
                  k.label
                )}
              </dt>
              <dd className="mt-1 text-2xl font-semibold tabular-nums" data-testid={`kpi-${k.id}-value`}>
                {k.format(cur)}
              </dd>
              <dd className="mt-1 text-xs text-muted">
                {prev === null ? (
                  "No comparison for this period"
                ) : (
                  <>
                    <span
                      className={
                        delta === null ? "" : worse ? "font-medium text-red-700" : "font-medium text-emerald-700"
                      }
                    >
                      {delta === null ? "–" : pct.format(delta)}
                    </span>{" "}
                    vs {previousLabel} ({k.format(prev)})
                  </>
                )}
              </dd>
            </div>
          );
        })}
      </dl>
      <p className="mt-2 text-xs text-muted">
        Amounts in {currency}, the company&apos;s wallet currency. Spend leaves out wallet top-ups, reimbursements and
        cancelled or rejected entries.
        {kpis.otherCurrencies.length > 0 &&
          ` Not included: ${kpis.otherCurrencies.map((o) => `${o.count} billed in ${o.currency}`).join(", ")}.`}
      </p>
    </section>
  );
}

export function KpiCardsSkeleton() {
  return (
    <div
      role="status"
      aria-label="Loading key figures"
      className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-5"
    >
      {Array.from({ length: 5 }, (_, i) => (
        <div key={i} className="rounded-xl border border-black/10 bg-white p-4 shadow-sm">
          <Skeleton className="h-4 w-24" />
          <Skeleton className="mt-2 h-7 w-32" />
          <Skeleton className="mt-2 h-3 w-40" />
        </div>
      ))}
    </div>
  );
}
