import Link from "next/link";
import { fetchBreakdown } from "@/lib/expenses/data";
import { UNKNOWN_ACCOUNT_ID, type Family } from "@/lib/expenses/definitions";
import type { ExpenseFilters } from "@/lib/expenses/filters";
import { formatMoney } from "@/lib/expenses/money";
import type { BreakdownDimension } from "@/lib/expenses/sql";
import { Card } from "@/components/ui/card";
import { Skeleton, SkeletonCard } from "@/components/ui/skeleton";
import { viewHref, type DashboardView } from "./view";

const TITLES: Record<BreakdownDimension, string> = {
  category: "Spend by category",
  team: "Spend by team",
  employee: "Top 10 employees",
  family: "Spend by type",
};

/** The filter a bar's link applies (null keys, e.g. "No team", have no filter of their own). */
function filterFor(dim: BreakdownDimension, key: string | null): Partial<ExpenseFilters> | null {
  if (dim === "category")
    return key === null ? { category: "none" } : key === UNKNOWN_ACCOUNT_ID ? null : { category: key };
  if (key === null) return null;
  if (dim === "team") return { team: key };
  if (dim === "employee") return { employee: key };
  return { family: key as Family };
}

/** A labelled horizontal bar list: readable without a legend, accessible as a plain list. */
export async function Breakdown({ view, dimension }: { view: DashboardView; dimension: BreakdownDimension }) {
  const items = await fetchBreakdown(view.scope, view.filters, dimension, 10);
  const { currency } = view.scope;
  const max = items.reduce((m, i) => (i.total > m ? i.total : m), 0n);
  const total = items.reduce((s, i) => s + i.total, 0n);
  const pct = new Intl.NumberFormat(view.locale, { style: "percent", maximumFractionDigits: 0 });
  const headingId = `breakdown-${dimension}`;
  return (
    <Card title={TITLES[dimension]} description={`${view.scope.period.label}, in ${currency}`} headingId={headingId}>
      {items.length === 0 ? (
        <p className="py-8 text-center text-sm text-muted">No spend in this period.</p>
      ) : (
        <ul className="space-y-2.5" aria-labelledby={headingId}>
          {items.map((item) => {
            const width = max > 0n && item.total > 0n ? Number((item.total * 1000n) / max) / 10 : 0;
            const share = total !== 0n ? Number(item.total) / Number(total) : 0;
            const filter = item.isOther ? null : filterFor(dimension, item.key);
            const label = filter ? (
              <Link
                href={viewHref(view, filter)}
                className="truncate hover:underline"
                title={`Show only ${item.label}`}
              >
                {item.label}
              </Link>
            ) : (
              <span className="truncate">{item.label}</span>
            );
            return (
              <li key={`${item.key}-${item.label}`} className="text-sm">
                <div className="flex items-baseline justify-between gap-3">
                  {label}
                  <span className="shrink-0 tabular-nums">
                    {formatMoney(item.total, currency, { locale: view.locale })}
                    <span className="ml-2 text-xs text-muted">
                      {pct.format(share)} · {item.count}
                    </span>
                  </span>
                </div>
                <div aria-hidden className="mt-1 h-1.5 w-full rounded-full bg-black/[0.06]">
                  <div
                    className={`h-full rounded-full ${item.isOther ? "bg-black/25" : "bg-brand"}`}
                    style={{ width: `${width}%` }}
                  />
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}

export function BreakdownSkeleton({ dimension }: { dimension: BreakdownDimension }) {
  return (
    <SkeletonCard label={`Loading ${TITLES[dimension].toLowerCase()}`}>
      <div className="space-y-3">
        {Array.from({ length: 6 }, (_, i) => (
          <div key={i}>
            <Skeleton className="h-3 w-full" />
            <Skeleton className="mt-1.5 h-1.5" style={{ width: `${90 - i * 13}%` }} />
          </div>
        ))}
      </div>
    </SkeletonCard>
  );
}
