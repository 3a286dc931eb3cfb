import Link from "next/link";
import { fetchEntriesPage, type EntryRow } from "@/lib/expenses/data";
import {
  UNCATEGORISED_LABEL,
  UNKNOWN_VALUE,
  familyLabel,
  isMissingReceipt,
  isWaitingForReview,
  supplierLabel,
} from "@/lib/expenses/definitions";
import { MAX_PAGE, filtersToSearchParams, type SortKey } from "@/lib/expenses/filters";
import { formatMoney } from "@/lib/expenses/money";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { ColumnHeader } from "@/components/ui/table";
import { EntryStatusBadge } from "./entry-status-badge";
import { viewHref, type DashboardView } from "./view";

function SortHeader({
  view,
  sortKey,
  label,
  align = "left",
}: {
  view: DashboardView;
  sortKey: SortKey;
  label: string;
  align?: "left" | "right";
}) {
  const active = view.filters.sort === sortKey;
  const nextDir = active
    ? view.filters.dir === "asc"
      ? "desc"
      : "asc"
    : sortKey === "date" || sortKey === "amount"
      ? "desc"
      : "asc";
  return (
    <ColumnHeader
      align={align}
      aria-sort={active ? (view.filters.dir === "asc" ? "ascending" : "descending") : "none"}
      className="px-3 py-2"
    >
      <Link
        href={viewHref(view, { sort: sortKey, dir: nextDir })}
        className="inline-flex items-center gap-1 hover:underline"
      >
        {label}
        <span aria-hidden className="text-xs text-muted">
          {active ? (view.filters.dir === "asc" ? "▲" : "▼") : "↕"}
        </span>
        <span className="sr-only">
          {active
            ? `, sorted ${view.filters.dir === "asc" ? "ascending" : "descending"}; activate to reverse`
            : ", activate to sort"}
        </span>
      </Link>
    </ColumnHeader>
  );
}

/**
 * What a row is called: the supplier's name where Pleo sent one (it documents none), else the note,
 * else the supplier's document number / id, else the type; the second line adds what the first left out.
 */
export function rowTitles(row: Pick<EntryRow, "supplierName" | "supplier" | "note" | "family">) {
  const supplier = supplierLabel(row.supplierName, row.supplier);
  if (row.supplierName) return { title: row.supplierName, detail: row.note };
  if (row.note) return { title: row.note, detail: supplier };
  return { title: supplier ?? familyLabel(row.family), detail: null };
}

function Row({ row, view, detailQuery }: { row: EntryRow; view: DashboardView; detailQuery: string }) {
  // The day the company saw it happen: dates in the company's time zone.
  const date = new Intl.DateTimeFormat(view.locale, {
    day: "numeric",
    month: "short",
    year: "numeric",
    timeZone: view.scope.timeZone,
  }).format(new Date(row.performedAt));
  const foreign = row.transactionCurrency !== row.billCurrency;
  const { title, detail } = rowTitles(row);
  const category = row.accountName
    ? `${row.accountCode ? `${row.accountCode} ` : ""}${row.accountName}`
    : row.accountCode
      ? `Account ${row.accountCode}`
      : null;
  return (
    <tr className="relative border-t border-black/5 focus-within:bg-brand/5 hover:bg-black/[0.02]">
      <td className="px-3 py-2 whitespace-nowrap text-muted tabular-nums">{date}</td>
      <td className="max-w-72 px-3 py-2">
        {/* The link covers the whole row (after:inset-0) so the row is one click/tab target. */}
        <Link
          href={`/dashboard/expenses/${row.id}${detailQuery}`}
          className="block truncate font-medium after:absolute after:inset-0 after:content-[''] focus-visible:outline-none"
        >
          {title}
        </Link>
        {detail && <span className="block truncate text-xs text-muted">{detail}</span>}
      </td>
      <td className="px-3 py-2 whitespace-nowrap">
        {row.employeeName ?? <span className="text-muted">{UNKNOWN_VALUE}</span>}
      </td>
      <td className="max-w-48 truncate px-3 py-2">
        {category ?? <span className="text-muted">{UNCATEGORISED_LABEL}</span>}
        {row.splitCount > 0 && <span className="block text-xs text-muted">Split in {row.splitCount}</span>}
      </td>
      <td className="px-3 py-2 whitespace-nowrap">{familyLabel(row.family)}</td>
      <td className="px-3 py-2 whitespace-nowrap">
        <EntryStatusBadge status={row.status} />
        {isWaitingForReview(row.reviewStatus) && (
          <span className="ml-1">
            <Badge tone="warn">Review</Badge>
          </span>
        )}
        {isMissingReceipt(row) && (
          <span className="ml-1">
            <Badge tone="warn">No receipt</Badge>
          </span>
        )}
      </td>
      <td className="px-3 py-2 text-right whitespace-nowrap tabular-nums">
        {formatMoney(row.billMinors, row.billCurrency, { locale: view.locale })}
        {foreign && (
          <span className="block text-xs text-muted">
            {formatMoney(row.transactionMinors, row.transactionCurrency, { locale: view.locale })}
          </span>
        )}
      </td>
    </tr>
  );
}

/** Previous/next: a link while there is a page that way, a disabled-looking label at the ends. */
function PageLink({ rel, href, children }: { rel: "prev" | "next"; href: string | null; children: string }) {
  return (
    <Button asChild variant="secondary">
      {href ? (
        <Link rel={rel} href={href}>
          {children}
        </Link>
      ) : (
        <span aria-disabled>{children}</span>
      )}
    </Button>
  );
}

/** Server-paginated, sorted, filtered expenses; every control is a link, so views live in the URL. */
export async function ExpensesTable({ view }: { view: DashboardView }) {
  const page = await fetchEntriesPage(view.scope, view.filters);
  const listQuery = filtersToSearchParams(view.filters, { company: view.companyParam }).toString();
  const detailQuery = listQuery ? `?back=${encodeURIComponent(listQuery)}` : "";
  const n = new Intl.NumberFormat(view.locale);
  const first = (page.page - 1) * page.pageSize + 1;
  const last = Math.min(page.total, page.page * page.pageSize);
  const lastPage = Math.min(page.pageCount, MAX_PAGE);
  const exportHref = `/dashboard/export${listQuery ? `?${listQuery}` : ""}`;

  return (
    <section aria-labelledby="expenses-heading" className="rounded-xl border border-black/10 bg-white shadow-sm">
      <div className="flex flex-wrap items-center justify-between gap-3 p-4">
        <div>
          <h2 id="expenses-heading" className="text-base font-semibold">
            Expenses
          </h2>
          <p className="text-sm text-muted" data-testid="table-summary">
            {page.total === 0
              ? "No entries match this view."
              : `${n.format(page.total)} ${page.total === 1 ? "entry" : "entries"} · ${view.scope.period.label}`}
          </p>
        </div>
        <Button asChild variant="secondary">
          <a href={exportHref} download>
            Download CSV
          </a>
        </Button>
      </div>
      {page.total > 0 && page.rows.length === 0 ? (
        <p className="px-4 pb-6 text-sm">
          This page is past the end of the list.{" "}
          <Link className="underline" href={viewHref(view, { page: 1 })}>
            Go to the first page
          </Link>
          .
        </p>
      ) : page.total > 0 ? (
        <div className="overflow-x-auto">
          <table className="w-full text-sm">
            <caption className="sr-only">
              Expenses, {view.scope.period.label}, page {page.page} of {page.pageCount}
            </caption>
            <thead className="bg-surface text-xs tracking-wide text-muted uppercase">
              <tr>
                <SortHeader view={view} sortKey="date" label="Date" />
                <SortHeader view={view} sortKey="supplier" label="Supplier / note" />
                <ColumnHeader className="px-3 py-2">Employee</ColumnHeader>
                <ColumnHeader className="px-3 py-2">Category</ColumnHeader>
                <SortHeader view={view} sortKey="family" label="Type" />
                <SortHeader view={view} sortKey="status" label="Status" />
                <SortHeader view={view} sortKey="amount" label="Amount" align="right" />
              </tr>
            </thead>
            <tbody>
              {page.rows.map((row) => (
                <Row key={row.id} row={row} view={view} detailQuery={detailQuery} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {page.total > 0 && (
        <nav
          aria-label="Pagination"
          className="flex flex-wrap items-center justify-between gap-3 border-t border-black/5 p-4 text-sm"
        >
          <span className="text-muted">
            {page.rows.length > 0 ? `Showing ${n.format(first)}–${n.format(last)} of ${n.format(page.total)}` : ""}
          </span>
          <div className="flex items-center gap-2">
            <PageLink rel="prev" href={page.page > 1 ? viewHref(view, { page: page.page - 1 }) : null}>
              Previous
            </PageLink>
            <span className="px-2 tabular-nums">
              Page {n.format(page.page)} of {n.format(page.pageCount)}
            </span>
            <PageLink rel="next" href={page.page < lastPage ? viewHref(view, { page: page.page + 1 }) : null}>
              Next
            </PageLink>
          </div>
        </nav>
      )}
    </section>
  );
}

export function ExpensesTableSkeleton() {
  return (
    <div
      role="status"
      aria-label="Loading expenses"
      className="rounded-xl border border-black/10 bg-white p-4 shadow-sm"
    >
      <Skeleton className="mb-4 h-5 w-32" />
      {Array.from({ length: 10 }, (_, i) => (
        <Skeleton key={i} className="mb-2 h-8 w-full" />
      ))}
    </div>
  );
}
