import { BreakdownSkeleton } from "@/components/dashboard/breakdown";
import { ExpensesTableSkeleton } from "@/components/dashboard/expenses-table";
import { KpiCardsSkeleton } from "@/components/dashboard/kpi-cards";
import { MonthlySpendSkeleton } from "@/components/dashboard/monthly-spend";
import { Skeleton } from "@/components/ui/skeleton";

/** Shown while the route resolves the user and company, before the widgets stream in. */
export default function DashboardLoading() {
  return (
    <main className="mx-auto flex max-w-7xl flex-col gap-6 px-6 py-8" aria-busy>
      <div>
        <Skeleton className="h-4 w-40" />
        <Skeleton className="mt-2 h-8 w-72" />
      </div>
      <KpiCardsSkeleton />
      <MonthlySpendSkeleton />
      <div className="grid gap-6 lg:grid-cols-2">
        <BreakdownSkeleton dimension="category" />
        <BreakdownSkeleton dimension="team" />
      </div>
      <ExpensesTableSkeleton />
    </main>
  );
}
