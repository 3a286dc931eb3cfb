import type { NextRequest } from "next/server";
import { getCurrentUser } from "@/lib/auth/session";
import { selectCompanyForViewer } from "@/lib/connections/queries";
import { exportEntriesCsv } from "@/lib/expenses/csv";
import { dashboardScope } from "@/lib/expenses/data";
import { parseExpenseFilters } from "@/lib/expenses/filters";
import { isoDate } from "@/lib/expenses/period";
import { limitBySession } from "@/lib/limits/guard";
import { tooManyRequestsResponse } from "@/lib/limits/too-many-requests";
import { withRequestLogContext } from "@/lib/log-context";

export const dynamic = "force-dynamic";

/**
 * CSV of the dashboard's current view (same query parameters as /dashboard), streamed row batch by
 * row batch so 200,000 entries never sit in memory. Paging and sorting do not apply: the file has
 * every matching entry, newest first. Limited per session (README → Security → Abuse limits): each
 * export reads the whole matching range.
 */
export async function GET(req: NextRequest) {
  return withRequestLogContext(req.headers, () => exportCsv(req));
}

async function exportCsv(req: NextRequest) {
  const user = await getCurrentUser();
  if (!user) return new Response("Sign in to export expenses.", { status: 401 });
  const params = req.nextUrl.searchParams;
  const connection = (await selectCompanyForViewer(user, params.get("company")))?.connection;
  if (!connection) return new Response("That company is not connected to your account.", { status: 404 });

  const { filters, issues } = parseExpenseFilters(params);
  if (issues.length > 0) return new Response(`Cannot export this view:\n${issues.join("\n")}`, { status: 400 });
  // Counted once the export would read data: a refused request (not found, bad filters) costs nothing.
  const verdict = await limitBySession("export", req.headers);
  if (!verdict.allowed)
    return tooManyRequestsResponse(req, verdict.retryAfterSeconds, {
      href: "/dashboard",
      label: "Back to the dashboard",
    });
  const scope = await dashboardScope(connection.companyId, filters, new Date());
  if (!scope) return new Response("No expenses are synced for this company yet.", { status: 409 });
  const { period } = scope;
  const stream = exportEntriesCsv(scope, filters);
  const slug =
    connection.companyName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "company";
  // The period's first and last day in the company's time zone.
  const span = period.days ? `${isoDate(period.days.first)}_${isoDate(period.days.last)}` : "all";
  return new Response(stream, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="expenses-${slug}-${span}.csv"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
}
