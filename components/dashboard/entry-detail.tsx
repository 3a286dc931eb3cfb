import type { EntryDetail } from "@/lib/expenses/data";
import { UNKNOWN_VALUE, familyLabel, humanize, pleoAppEntryUrl } from "@/lib/expenses/definitions";
import { formatMoney } from "@/lib/expenses/money";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { ColumnHeader } from "@/components/ui/table";
import { EntryStatusBadge } from "./entry-status-badge";

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-3 gap-3 border-t border-black/5 py-2 first:border-t-0">
      <dt className="text-sm text-muted">{label}</dt>
      <dd className="col-span-2 text-sm">{children ?? <span className="text-muted">{UNKNOWN_VALUE}</span>}</dd>
    </div>
  );
}

/**
 * Every synced field of one accounting entry, its split items and tags, its receipts (`receipts`, read
 * from Pleo on opening) and a link to it in Pleo. Times are in the company's time zone.
 */
export function EntryDetailView({
  entry,
  locale,
  timeZone,
  receipts,
}: {
  entry: EntryDetail;
  locale: string;
  timeZone: string;
  receipts: React.ReactNode;
}) {
  // Intl refuses dateStyle together with timeZoneName: the fields are spelled out.
  const dtf = new Intl.DateTimeFormat(locale, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone,
    timeZoneName: "short",
  });
  const dt = (d: Date | null) => (d ? dtf.format(d) : null);
  const money = (minors: bigint | null, currency: string | null) =>
    minors !== null && currency ? formatMoney(minors, currency, { locale }) : null;
  const foreign = entry.transactionCurrency !== entry.billCurrency;
  return (
    <div className="grid gap-6 lg:grid-cols-3">
      <div className="flex flex-col gap-6 lg:col-span-2">
        <Card title="Details" headingId="details-heading">
          <dl>
            <Field label="Amount">
              <span className="text-lg font-semibold tabular-nums" data-testid="detail-amount">
                {money(entry.billMinors, entry.billCurrency)}
              </span>
            </Field>
            {foreign && (
              <Field label="Purchase amount">{money(entry.transactionMinors, entry.transactionCurrency)}</Field>
            )}
            <Field label="Supplier">
              {entry.supplierName ??
                (entry.supplier ? <span className="text-muted">Pleo sends no supplier name</span> : null)}
            </Field>
            {entry.supplier?.externalSupplierId && (
              <Field label="Supplier id">
                <code className="text-xs">{entry.supplier.externalSupplierId}</code>
              </Field>
            )}
            {entry.supplier?.documentNumber && (
              <Field label="Document number">
                {entry.supplier.documentNumber}
                {entry.supplier.documentType ? ` (${humanize(entry.supplier.documentType)})` : ""}
              </Field>
            )}
            {entry.supplier?.cif && <Field label="Supplier tax id">{entry.supplier.cif}</Field>}
            <Field label="Note">{entry.note}</Field>
            <Field label="Type">
              {familyLabel(entry.family)}
              {entry.subFamily ? ` · ${humanize(entry.subFamily)}` : ""}
            </Field>
            <Field label="Status">
              <EntryStatusBadge status={entry.status} />
            </Field>
            <Field label="Review status">{humanize(entry.reviewStatus)}</Field>
            <Field label="Export status">{humanize(entry.exportStatus)}</Field>
            <Field label="Employee">
              {entry.employeeName ? (
                <>
                  {entry.employeeName}
                  {entry.employeeEmail && <span className="text-muted"> · {entry.employeeEmail}</span>}
                </>
              ) : null}
            </Field>
            <Field label="Team">{entry.teamName}</Field>
            <Field label="Category">
              {entry.categoryName}
              {entry.accountCode && !entry.categoryName.startsWith(entry.accountCode) ? ` (${entry.accountCode})` : ""}
            </Field>
            <Field label="Tax code">{entry.taxCodeName}</Field>
            <Field label="Receipts">
              {entry.receiptCount === 0 ? <Badge tone="warn">No receipt</Badge> : `${entry.receiptCount} attached`}
            </Field>
            <Field label="Attendees">{entry.attendeeCount > 0 ? String(entry.attendeeCount) : null}</Field>
            <Field label="Tags">
              {entry.tagNames.length > 0 ? (
                <ul className="flex flex-wrap gap-1.5">
                  {entry.tagNames.map((t, i) => (
                    <li key={i}>
                      <Badge>
                        {t.group}: {t.name}
                      </Badge>
                    </li>
                  ))}
                </ul>
              ) : null}
            </Field>
          </dl>
        </Card>
        {entry.splits.length > 0 && (
          <Card title={`Split into ${entry.splits.length} parts`} headingId="split-heading">
            <table className="w-full text-sm">
              <caption className="sr-only">Split items</caption>
              <thead className="text-xs tracking-wide text-muted uppercase">
                <tr>
                  <ColumnHeader className="py-1">Category</ColumnHeader>
                  <ColumnHeader className="py-1">Tags</ColumnHeader>
                  <ColumnHeader className="py-1">Tax code</ColumnHeader>
                  <ColumnHeader className="py-1" align="right">
                    Amount
                  </ColumnHeader>
                </tr>
              </thead>
              <tbody>
                {entry.splits.map((s) => (
                  <tr key={s.id} className="border-t border-black/5">
                    <td className="py-2">{s.categoryName}</td>
                    <td className="py-2">
                      {s.tagNames.map((t) => `${t.group}: ${t.name}`).join(", ") || (
                        <span className="text-muted">{UNKNOWN_VALUE}</span>
                      )}
                    </td>
                    <td className="py-2">{s.taxCodeName ?? <span className="text-muted">{UNKNOWN_VALUE}</span>}</td>
                    <td className="py-2 text-right tabular-nums">
                      {money(s.billMinors, s.billCurrency) ?? <span className="text-muted">{UNKNOWN_VALUE}</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
        )}
      </div>
      <div className="flex flex-col gap-6">
        {receipts}
        <Card title="Timeline" headingId="timeline-heading">
          <dl>
            <Field label="Performed">{dt(entry.performedAt)}</Field>
            <Field label="Settled">{dt(entry.settledAt)}</Field>
            <Field label="Booked">{dt(entry.bookkeepingDate)}</Field>
            <Field label="Created in Pleo">{dt(entry.pleoCreatedAt)}</Field>
            <Field label="Updated in Pleo">{dt(entry.pleoUpdatedAt)}</Field>
            <Field label="Synced">{dt(entry.syncedAt)}</Field>
            <Field label="Pleo id">
              <code className="text-xs break-all">{entry.id}</code>
            </Field>
          </dl>
          <a
            href={pleoAppEntryUrl(entry.id)}
            target="_blank"
            rel="noreferrer"
            className="mt-4 inline-block text-sm font-semibold text-brand hover:underline"
          >
            Open in Pleo ↗
          </a>
          {/* GUESSED deep-link format: Pleo does not document links into its web app. */}
        </Card>
      </div>
    </div>
  );
}
