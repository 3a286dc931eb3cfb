import Link from "next/link";
import { isMissingReceipt } from "@/lib/expenses/definitions";
import { NeedsReauthError, PleoApiError, PleoRateLimitError } from "@/lib/pleo/errors";
import { listEntryReceipts, type ReceiptProblem, type ReceiptView } from "@/lib/pleo/receipts";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { ReceiptThumbnail } from "./receipt-thumbnail";

const NOTICES: Record<ReceiptProblem, { tone: "warning" | "error"; text: string }> = {
  expired: {
    tone: "warning",
    text: "The receipt link you opened had expired (Pleo's links last 24 hours). The links below are fresh.",
  },
  missing: { tone: "warning", text: "Pleo no longer has the receipt file you opened." },
  unavailable: { tone: "error", text: "Pleo could not be reached for that receipt. Try again shortly." },
};

export const isReceiptProblem = (v: unknown): v is ReceiptProblem => typeof v === "string" && Object.hasOwn(NOTICES, v);

function size(bytes: number, locale: string): string {
  const n = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  return bytes >= 1024 * 1024 ? `${n.format(bytes / 1024 / 1024)} MB` : `${n.format(Math.max(1, bytes / 1024))} KB`;
}

const TYPE_NAMES: Record<string, string> = {
  "application/pdf": "PDF",
  "image/png": "PNG image",
  "image/jpeg": "JPEG image",
};
const typeName = (mime: string) => TYPE_NAMES[mime] ?? mime.split("/").at(-1)?.toUpperCase() ?? "file";

/** Why the list could not be read, in words, with a way forward. */
function unavailable(err: unknown, entryId: string) {
  if (err instanceof NeedsReauthError) {
    return (
      <Alert
        tone="warning"
        title="Reconnect to Pleo to see receipts"
        action={
          <Button asChild variant="secondary">
            <Link href={`/connect/pleo?returnTo=${encodeURIComponent(`/dashboard/expenses/${entryId}`)}`}>
              Reconnect
            </Link>
          </Button>
        }
      >
        Pleo no longer accepts this connection, so receipts cannot be fetched.
      </Alert>
    );
  }
  if (err instanceof PleoApiError && err.status === 404) {
    return <Alert title="No receipts at Pleo">Pleo no longer has this expense, so it has no receipts to show.</Alert>;
  }
  const wait = err instanceof PleoRateLimitError ? " Pleo asked the portal to slow down." : "";
  return (
    <Alert
      tone="error"
      title="Receipts could not be loaded"
      action={
        <Button asChild variant="secondary">
          <Link href={`/dashboard/expenses/${entryId}`}>Try again</Link>
        </Button>
      }
    >
      Receipts are fetched from Pleo when you open an expense, and Pleo did not answer just now.{wait} The rest of the
      expense is shown from the last sync.
    </Alert>
  );
}

function ReceiptItem({
  r,
  n,
  of,
  entryId,
  locale,
}: {
  r: ReceiptView;
  n: number;
  of: number;
  entryId: string;
  locale: string;
}) {
  const base = `/dashboard/expenses/${entryId}/receipts/${r.id}`;
  const fileHref = `${base}?ref=${r.file}`;
  const label = `Receipt ${n}${of > 1 ? ` of ${of}` : ""}`;
  const details = `${typeName(r.mimeType)}, ${size(r.sizeInBytes, locale)}`;
  return (
    <li className="flex items-start gap-3" data-testid="receipt">
      {r.thumbnail ? (
        <a href={fileHref} target="_blank" rel="noopener" className="shrink-0">
          <ReceiptThumbnail src={`${base}?as=thumbnail&ref=${r.thumbnail}`} alt={`${label}: ${details}`} />
        </a>
      ) : (
        <span
          aria-hidden
          className="flex h-32 w-24 shrink-0 items-center justify-center rounded border border-black/10 bg-surface text-xs font-semibold text-muted"
        >
          {typeName(r.mimeType)}
        </span>
      )}
      <div className="text-sm">
        <p className="font-medium">{label}</p>
        <p className="text-muted">{details}</p>
        <a
          href={fileHref}
          target="_blank"
          rel="noopener"
          className="mt-1 inline-block font-semibold text-brand hover:underline"
        >
          {r.kind === "other" ? `Download ${label.toLowerCase()}` : `Open ${label.toLowerCase()}`}
          <span className="sr-only"> ({details}, opens in a new tab)</span>
        </a>
      </div>
    </li>
  );
}

/**
 * The entry's receipts, fetched from Pleo now (never stored): thumbnails and links served through the
 * portal's receipt route, or why there are none.
 */
export async function EntryReceipts({
  companyId,
  entry,
  locale,
  notice,
}: {
  companyId: string;
  entry: { id: string; family: string; receiptCount: number; deletedAt: Date | null };
  locale: string;
  notice: ReceiptProblem | null;
}) {
  let receipts: ReceiptView[] | null = null;
  let error: unknown = null;
  try {
    receipts = await listEntryReceipts(companyId, entry.id);
  } catch (err) {
    error = err;
  }
  const missing = isMissingReceipt(entry);
  return (
    <Card title="Receipts" headingId="receipts-heading" description="Fetched from Pleo when you open the expense.">
      <div className="flex flex-col gap-3">
        {notice && (
          <Alert tone={NOTICES[notice].tone} role="status">
            {NOTICES[notice].text}
          </Alert>
        )}
        {receipts === null ? (
          unavailable(error, entry.id)
        ) : receipts.length === 0 ? (
          <p className="text-sm" data-testid="no-receipt">
            {missing ? <Badge tone="warn">Missing receipt</Badge> : null}{" "}
            <span className="text-muted">
              {missing
                ? "Pleo asks for a receipt for this expense; none is attached."
                : "No receipt is attached to this expense."}
            </span>
          </p>
        ) : (
          <ul className="flex flex-col gap-4">
            {receipts.map((r, i) => (
              <ReceiptItem key={r.id} r={r} n={i + 1} of={receipts.length} entryId={entry.id} locale={locale} />
            ))}
          </ul>
        )}
      </div>
    </Card>
  );
}

export function EntryReceiptsSkeleton() {
  return (
    <div
      role="status"
      aria-label="Loading receipts from Pleo"
      className="rounded-xl border border-black/10 bg-white p-5 shadow-sm"
    >
      <Skeleton className="h-5 w-24" />
      <div className="mt-4 flex gap-3">
        <Skeleton className="h-32 w-24" />
        <div className="flex-1">
          <Skeleton className="h-4 w-28" />
          <Skeleton className="mt-2 h-3 w-36" />
        </div>
      </div>
    </div>
  );
}
