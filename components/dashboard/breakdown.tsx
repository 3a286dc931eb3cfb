import Link from "next/link";
import { fetchBreakdown, fetchTagBreakdown, type BreakdownItem } from "@/lib/expenses/data";
import { UNKNOWN_ACCOUNT_ID, type Family } from "@/lib/expenses/definitions";
import type { ExpenseFilters } from "@/lib/expenses/filters";
import { formatMoney } from "@/lib/expenses/money";
import type { BreakdownDimension } from "@/lib/expenses/sql";
import { Card } from "@/components/ui/card";
import { Skeleton, SkeletonCard } from "@/components/ui/skeleton";
import { viewHref, type DashboardView } from "./view";

const TITLES: Record<BreakdownDimension, string> = {
  category: "Spend by category",
  tag: "Spend by tag",
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
  if (dim === "tag") return { tag: key };
  if (dim === "employee") return { employee: key };
  return { family: key as Family };
}

/** A labelled horizontal bar list: readable without a legend, accessible as a plain list. */
function BarList({
  view,
  dimension,
  items,
  headingId,
}: {
  view: DashboardView;
  dimension: BreakdownDimension;
  items: BreakdownItem[];
  headingId: string;
}) {
  const { currency } = view.scope;
  const max = items.reduce((m, i) => (i.total > m ? i.total : m), 0n);
  const total = items.reduce((s, i) => s + i.total, 0n);
  const pct = new Intl.NumberFormat(view.locale, { style: "percent", maximumFractionDigits: 0 });
  if (items.length === 0) return <p className="py-8 text-center text-sm text-muted">No spend in this period.</p>;
  return (
    <ul className="space-y-2.5" aria-labelledby={headingId}>
      {items.map((item) => {
        const width = max > 0n && item.total > 0n ? Number((item.total * 1000n) / max) / 10 : 0;
        const share = total !== 0n ? Number(item.total) / Number(total) : 0;
        const filter = item.isOther ? null : filterFor(dimension, item.key);
        const label = filter ? (
          <Link href={viewHref(view, filter)} className="truncate hover:underline" title={`Show only ${item.label}`}>
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
  );
}

/** Spend by category, team, employee or type over the period. */
export async function Breakdown({
  view,
  dimension,
}: {
  view: DashboardView;
  dimension: Exclude<BreakdownDimension, "tag">;
}) {
  const items = await fetchBreakdown(view.scope, view.filters, dimension, 10);
  const headingId = `breakdown-${dimension}`;
  const split = dimension === "category" ? " Split expenses count in each of their categories." : "";
  return (
    <Card
      title={TITLES[dimension]}
      description={`${view.scope.period.label}, in ${view.scope.currency}.${split}`}
      headingId={headingId}
    >
      <BarList view={view} dimension={dimension} items={items} headingId={headingId} />
    </Card>
  );
}

/** Spend by the tags of one tag group (links switch the group; split items count under their own tags). */
export async function TagBreakdown({ view }: { view: DashboardView }) {
  const { groups, group, items } = await fetchTagBreakdown(view.scope, view.filters, 10);
  const headingId = "breakdown-tag";
  return (
    <Card
      title={group ? `Spend by ${group.name.toLowerCase()}` : TITLES.tag}
      description={`${view.scope.period.label}, in ${view.scope.currency}. Split expenses count under each of their tags.`}
      headingId={headingId}
    >
      {groups.length > 1 && (
        <nav aria-label="Tag group" className="mb-3 flex flex-wrap gap-1.5 text-xs">
          {groups.map((g) => (
            <Link
              key={g.id}
              href={viewHref(view, { tagGroup: g.id, page: view.filters.page })}
              aria-current={g.id === group?.id ? "true" : undefined}
              className={`rounded-full border px-2.5 py-1 ${g.id === group?.id ? "border-brand bg-brand/10 font-semibold" : "border-black/15 hover:bg-black/5"}`}
            >
              {g.name}
            </Link>
          ))}
        </nav>
      )}
      {group ? (
        <BarList view={view} dimension="tag" items={items} headingId={headingId} />
      ) : (
        <p className="py-8 text-center text-sm text-muted">This company has no tags in Pleo.</p>
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
