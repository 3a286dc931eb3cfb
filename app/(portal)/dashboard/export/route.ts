import type { NextRequest } from "next/server";
import { getCurrentUser } from "@/lib/auth/session";
import { selectCompanyForViewer } from "@/lib/connections/queries";
import { exportEntriesCsv } from "@/lib/expenses/csv";
import { fetchCompanyCurrency } from "@/lib/expenses/data";
import { parseExpenseFilters, periodOf } from "@/lib/expenses/filters";

export const dynamic = "force-dynamic";

/**
 * CSV of the dashboard's current view (same query parameters as /dashboard), streamed row batch by
 * row batch so 200,000 entries never sit in memory. Paging and sorting do not apply: the file has
 * every matching entry, newest first.
 */
export async function GET(req: NextRequest) {
  const user = await getCurrentUser();
  if (!user) return new Response("Sign in to export expenses.", { status: 401 });
  const params = req.nextUrl.searchParams;
  const connection = (await selectCompanyForViewer(user, params.get("company")))?.connection;
  if (!connection) return new Response("That company is not connected to your account.", { status: 404 });

  const { filters, issues } = parseExpenseFilters(params);
  if (issues.length > 0) return new Response(`Cannot export this view:\n${issues.join("\n")}`, { status: 400 });
  const now = new Date();
  const period = periodOf(filters, now);
  const currency = connection.currency ?? (await fetchCompanyCurrency(connection.companyId)) ?? "EUR";
  const stream = exportEntriesCsv({ companyId: connection.companyId, currency, period, now }, filters);
  const slug =
    connection.companyName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "company";
  const span = period.current
    ? `${period.current.start.toISOString().slice(0, 10)}_${new Date(period.current.end.getTime() - 1).toISOString().slice(0, 10)}`
    : "all";
  return new Response(stream, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="expenses-${slug}-${span}.csv"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
}
