import type { Metadata } from "next";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { Suspense } from "react";
import { ConnectPleoLink } from "@/components/auth/connect-link";
import { Breakdown, BreakdownSkeleton, TagBreakdown } from "@/components/dashboard/breakdown";
import { CompanySwitcher } from "@/components/dashboard/company-switcher";
import { ExpensesTable, ExpensesTableSkeleton } from "@/components/dashboard/expenses-table";
import { FilterForm, FilterFormSkeleton } from "@/components/dashboard/filter-form";
import { KpiCards, KpiCardsSkeleton } from "@/components/dashboard/kpi-cards";
import { MonthlySpend, MonthlySpendSkeleton } from "@/components/dashboard/monthly-spend";
import { SyncStatus, SyncStatusSkeleton } from "@/components/dashboard/sync-status";
import type { DashboardView } from "@/components/dashboard/view";
import { Alert } from "@/components/ui/alert";
import { EndedCompanyPage } from "@/components/layout/ended-companies-notice";
import { requireSessionUser } from "@/lib/auth/session";
import { endedCompanyNamed, selectCompanyForViewer } from "@/lib/connections/queries";
import { dashboardScope } from "@/lib/expenses/data";
import { parseExpenseFilters, periodOf } from "@/lib/expenses/filters";
import { localeFromAcceptLanguage } from "@/lib/expenses/money";
import { describeTimeZone } from "@/lib/expenses/period";
import { syncNowAction } from "./actions";

export const metadata: Metadata = { title: "Expenses" };

type SearchParams = Record<string, string | string[] | undefined>;

export default async function DashboardPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  // Another user's company (or one this session has not opened) looks exactly like a missing one.
  const user = await requireSessionUser();
  const selection = await selectCompanyForViewer(user, params.company);
  if (!selection) {
    // One this session lost because Pleo ended its connection: say so (the layout offers Reconnect).
    const ended = await endedCompanyNamed(user, params.company);
    if (ended) return <EndedCompanyPage title="Expenses" company={ended} />;
    notFound();
  }
  const { connections, connection, companyParam } = selection;

  if (!connection) {
    return (
      <main className="mx-auto max-w-3xl px-6 py-16">
        <h1 className="text-2xl font-bold tracking-tight">Expenses</h1>
        <div className="mt-6 rounded-xl border border-dashed border-black/15 bg-white p-8 text-center">
          <p className="font-medium">
            {user.endedCompanyIds?.length
              ? "No Pleo company is open in this session."
              : "No Pleo company is connected yet."}
          </p>
          <p className="mt-1 text-sm text-muted">Connect one and its expenses appear here within seconds.</p>
          <div className="mt-4">
            <ConnectPleoLink returnTo="/dashboard" />
          </div>
        </div>
      </main>
    );
  }

  const { filters, issues } = parseExpenseFilters(params);
  const locale = localeFromAcceptLanguage((await headers()).get("accept-language"));
  const now = new Date();
  // Null until the first entries are synced (no wallet currency yet).
  const scope = await dashboardScope(connection.companyId, filters, now);
  const period = scope?.period ?? periodOf(filters, now);

  return (
    <main className="mx-auto flex max-w-7xl flex-col gap-6 px-6 py-8">
      <header className="flex flex-col gap-4">
        <div className="flex flex-wrap items-end justify-between gap-3">
          <div>
            <p className="text-sm font-medium text-muted">{connection.companyName}</p>
            <h1 className="text-2xl font-bold tracking-tight">Expenses · {period.label}</h1>
            {scope && (
              <p className="mt-1 text-xs text-muted" data-testid="time-zone">
                {scope.context.timeZoneKnown
                  ? `Periods in ${describeTimeZone(scope.timeZone)}, from the company's country in Pleo.`
                  : "Periods in UTC: Pleo gave no country the portal recognises for this company."}
              </p>
            )}
          </div>
          <CompanySwitcher
            connections={connections}
            currentId={connection.companyId}
            period={filters.period === "custom" ? undefined : filters.period}
          />
        </div>
        <Suspense fallback={<SyncStatusSkeleton />}>
          <SyncStatus connection={connection} locale={locale} syncNow={syncNowAction} />
        </Suspense>
      </header>

      {issues.length > 0 && (
        <Alert tone="warning" title="Some filters in the address could not be used">
          <ul className="mt-1 list-disc pl-5">
            {issues.map((i) => (
              <li key={i}>{i}</li>
            ))}
          </ul>
        </Alert>
      )}

      {scope === null ? (
        <div
          className="rounded-xl border border-dashed border-black/15 bg-white p-10 text-center"
          data-testid="no-data"
        >
          <p className="font-medium">No expenses synced yet.</p>
          <p className="mt-1 text-sm text-muted">
            The first sync is fetching {connection.companyName}&apos;s expenses from Pleo; this page updates by itself.
          </p>
        </div>
      ) : (
        <DashboardBody view={{ scope, filters, locale, companyParam }} />
      )}
    </main>
  );
}

/** One Suspense boundary per widget: each streams in as soon as its own query returns. */
function DashboardBody({ view }: { view: DashboardView }) {
  return (
    <>
      <Suspense fallback={<FilterFormSkeleton />}>
        <FilterForm view={view} />
      </Suspense>
      <Suspense fallback={<KpiCardsSkeleton />}>
        <KpiCards view={view} />
      </Suspense>
      <Suspense fallback={<MonthlySpendSkeleton />}>
        <MonthlySpend view={view} />
      </Suspense>
      <div className="grid gap-6 lg:grid-cols-2">
        {(["category", "team", "employee", "family"] as const).map((dim) => (
          <Suspense key={dim} fallback={<BreakdownSkeleton dimension={dim} />}>
            <Breakdown view={view} dimension={dim} />
          </Suspense>
        ))}
        <Suspense fallback={<BreakdownSkeleton dimension="tag" />}>
          <TagBreakdown view={view} />
        </Suspense>
      </div>
      <Suspense fallback={<ExpensesTableSkeleton />}>
        <ExpensesTable view={view} />
      </Suspense>
    </>
  );
}
