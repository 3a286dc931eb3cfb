import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Suspense } from "react";
import { EntryDetailView } from "@/components/dashboard/entry-detail";
import { EntryReceipts, EntryReceiptsSkeleton, isReceiptProblem } from "@/components/dashboard/entry-receipts";
import { Alert } from "@/components/ui/alert";
import { requireUser } from "@/lib/auth/session";
import { getConnectionForViewer } from "@/lib/connections/queries";
import { fetchCompanyContext, fetchEntryCompanyId, fetchEntryDetail } from "@/lib/expenses/data";
import { familyLabel } from "@/lib/expenses/definitions";
import { localeFromAcceptLanguage } from "@/lib/expenses/money";

export const metadata: Metadata = { title: "Expense" };

/** Back to the list view the user came from; only the query string is taken, never a full URL. */
function backHref(back: string | string[] | undefined): string {
  const raw = Array.isArray(back) ? back[0] : back;
  if (!raw) return "/dashboard";
  const qs = new URLSearchParams(raw).toString();
  return qs ? `/dashboard?${qs}` : "/dashboard";
}

export default async function ExpenseDetailPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const [{ id }, query, user] = await Promise.all([params, searchParams, requireUser()]);
  const companyId = await fetchEntryCompanyId(id);
  // Someone else's entry looks exactly like a missing one.
  const connection = companyId ? await getConnectionForViewer(user, companyId) : null;
  if (!companyId || !connection) notFound();
  const [entry, context] = await Promise.all([
    fetchEntryDetail(companyId, id.toLowerCase()),
    fetchCompanyContext(companyId),
  ]);
  if (!entry) notFound();
  const locale = localeFromAcceptLanguage((await headers()).get("accept-language"));
  const title = entry.supplierName ?? entry.note ?? entry.supplierLabel ?? familyLabel(entry.family);
  const receiptNotice = Array.isArray(query.receipt) ? query.receipt[0] : query.receipt;

  return (
    <main className="mx-auto flex max-w-6xl flex-col gap-6 px-6 py-8">
      <nav aria-label="Breadcrumb">
        <Link href={backHref(query.back)} className="text-sm font-medium text-muted hover:text-ink">
          ← Back to expenses
        </Link>
      </nav>
      <header>
        <p className="text-sm font-medium text-muted">{connection.companyName}</p>
        <h1 className="text-2xl font-bold tracking-tight">{title}</h1>
      </header>
      {entry.deletedAt && (
        <Alert tone="warning" title="Deleted in Pleo">
          This entry was deleted in Pleo and is no longer counted on the dashboard.
        </Alert>
      )}
      <EntryDetailView
        entry={entry}
        locale={locale}
        timeZone={context.timeZone}
        receipts={
          <Suspense fallback={<EntryReceiptsSkeleton />}>
            <EntryReceipts
              companyId={companyId}
              entry={entry}
              locale={locale}
              notice={isReceiptProblem(receiptNotice) ? receiptNotice : null}
            />
          </Suspense>
        }
      />
    </main>
  );
}
