import type { NextRequest } from "next/server";
import { getCurrentUser } from "@/lib/auth/session";
import { getConnectionForViewer } from "@/lib/connections/queries";
import { fetchEntryCompanyId } from "@/lib/expenses/data";
import { fetchReceiptFile, openReceiptRef, type ReceiptProblem } from "@/lib/pleo/receipts";

export const dynamic = "force-dynamic";

const STATUS: Record<ReceiptProblem, number> = { expired: 410, missing: 404, unavailable: 502 };

/**
 * A receipt file, streamed from Pleo's presigned URL so the browser sees neither it nor a token. The
 * `ref` is the sealed reference the detail page listed (lib/pleo/receipts.ts); it only opens for the
 * entry and company it was sealed for, and only for a session that may see that company.
 * `as=thumbnail` answers problems as JSON (an <img> shows its own fallback); a link the user opened is
 * sent back to the entry's page, which says what happened and lists fresh links.
 */
export async function GET(req: NextRequest, ctx: { params: Promise<{ id: string; receiptId: string }> }) {
  const { id, receiptId } = await ctx.params;
  const inline = req.nextUrl.searchParams.get("as") === "thumbnail";
  const fail = (problem: ReceiptProblem) =>
    inline
      ? Response.json({ error: problem }, { status: STATUS[problem], headers: { "cache-control": "no-store" } })
      : // A relative Location: behind a proxy the server's own idea of its host may not be the browser's.
        new Response(null, {
          status: 303,
          headers: { location: `/dashboard/expenses/${encodeURIComponent(id)}?receipt=${problem}` },
        });

  const user = await getCurrentUser();
  if (!user) return new Response("Sign in to see receipts.", { status: 401 });
  const companyId = await fetchEntryCompanyId(id);
  // Someone else's entry (or receipt) looks exactly like a missing one.
  const connection = companyId ? await getConnectionForViewer(user, companyId) : null;
  const binding = connection && { companyId: connection.companyId, entryId: id.toLowerCase() };
  const ref = binding && openReceiptRef(req.nextUrl.searchParams.get("ref") ?? "", binding);
  if (!connection || !ref || ref.receiptId !== receiptId) return new Response("Not found", { status: 404 });

  const file = await fetchReceiptFile(ref);
  if (file.status !== "ok") return fail(file.status);
  const ext = file.contentType === "application/pdf" ? "pdf" : (file.contentType.split("/")[1] ?? "bin");
  return new Response(file.body, {
    headers: {
      "content-type": file.contentType,
      ...(file.contentLength ? { "content-length": String(file.contentLength) } : {}),
      "content-disposition": `${file.contentType === "application/octet-stream" ? "attachment" : "inline"}; filename="receipt-${receiptId}.${ext}"`,
      // The browser may keep it for the page's life; shared caches never (it is one company's document).
      "cache-control": "private, max-age=600",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    },
  });
}
