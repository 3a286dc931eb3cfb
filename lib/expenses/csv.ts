import "server-only";

/**
 * CSV export of the current view, streamed: a pull-based ReadableStream fetches the next keyset batch
 * only when the consumer has taken the previous one, so memory stays at one batch whatever the size.
 */
import { db } from "@/lib/db";
import { logger } from "@/lib/log";
import { currencyExponent, minorsToDecimalString } from "./money";
import type { ExpenseFilters } from "./filters";
import { fetchTagNames, fetchTeamLabels, readFilters, type DashboardScope, type EntryRow } from "./data";
import type { ReadFilters } from "./sql";
import { taxCodeLabel } from "./definitions";
import { exportBatchQuery } from "./sql";

export const CSV_BATCH_SIZE = 1000;

const CSV_COLUMNS = [
  "id",
  "performed_at",
  "settled_at",
  "family",
  "sub_family",
  "status",
  "review_status",
  "export_status",
  "supplier",
  "supplier_id",
  "document_number",
  "note",
  "employee",
  "team",
  "category_code",
  "category",
  "tax_code",
  "amount",
  "currency",
  "original_amount",
  "original_currency",
  "receipts",
  "tags",
] as const;

/**
 * What a spreadsheet may run as a formula when a cell starts with it (OWASP "CSV injection"): = + - @,
 * tab, carriage return and line feed (a quoted cell may start with a new line), and the full-width
 * ＝ ＋ － ＠ that some spreadsheets normalise to their ASCII forms.
 */
const FORMULA_START = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;

/** RFC 4180 quoting, plus a leading ' on text that a spreadsheet would run as a formula. */
export function csvCell(value: string | number | null | undefined, { text = false } = {}): string {
  if (value === null || value === undefined) return "";
  let s = String(value);
  if (text && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

type ExportRow = EntryRow & {
  subFamily: string | null;
  settledAt: Date | null;
  tags: unknown;
  taxCodeId: string | null;
};

/** Names the rows refer to by id, read once per export (small tables). */
type Names = { teams: Map<string, string>; tags: Map<string, string>; taxCodes: Map<string, string> };

const amount = (minors: bigint, currency: string) => minorsToDecimalString(minors, currencyExponent(currency));

function tagList(tags: unknown, names: Map<string, string>): string {
  if (!Array.isArray(tags)) return "";
  return tags
    .map((t: { tagId?: unknown }) => (typeof t?.tagId === "string" ? (names.get(t.tagId) ?? t.tagId) : null))
    .filter(Boolean)
    .join("; ");
}

function csvLine(r: ExportRow, names: Names): string {
  return (
    [
      csvCell(r.id),
      csvCell(new Date(r.performedAt).toISOString()),
      csvCell(r.settledAt ? new Date(r.settledAt).toISOString() : null),
      csvCell(r.family),
      csvCell(r.subFamily),
      csvCell(r.status),
      csvCell(r.reviewStatus),
      csvCell(r.exportStatus),
      csvCell(r.supplierName, { text: true }),
      csvCell(r.supplier?.externalSupplierId, { text: true }),
      csvCell(r.supplier?.documentNumber, { text: true }),
      csvCell(r.note, { text: true }),
      csvCell(r.employeeName, { text: true }),
      csvCell(r.teamId ? names.teams.get(r.teamId) : null, { text: true }),
      csvCell(r.accountCode, { text: true }),
      csvCell(r.accountName, { text: true }),
      csvCell(r.taxCodeId ? (names.taxCodes.get(r.taxCodeId) ?? r.taxCodeId) : null, { text: true }),
      csvCell(amount(BigInt(r.billMinors), r.billCurrency)),
      csvCell(r.billCurrency),
      csvCell(amount(BigInt(r.transactionMinors), r.transactionCurrency)),
      csvCell(r.transactionCurrency),
      csvCell(r.receiptCount),
      csvCell(tagList(r.tags, names.tags), { text: true }),
    ].join(",") + "\r\n"
  );
}

async function loadNames(scope: DashboardScope): Promise<Names> {
  const [teams, tags, taxCodes] = await Promise.all([
    fetchTeamLabels(scope),
    fetchTagNames(scope.companyId),
    db.taxCode.findMany({ where: { companyId: scope.companyId } }),
  ]);
  return {
    teams,
    tags,
    taxCodes: new Map(taxCodes.map((t) => [t.id, taxCodeLabel({ ...t, rate: t.rate.toString() })])),
  };
}

/** The filtered entries (all live entries of the view, newest first) as a CSV byte stream. */
export function exportEntriesCsv(
  scope: DashboardScope,
  filters: ExpenseFilters,
  { batchSize = CSV_BATCH_SIZE, onBatch }: { batchSize?: number; onBatch?: (rows: number) => void } = {},
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after: { performedAt: Date; id: string } | null = null;
  let names: Names | null = null;
  let resolved: ReadFilters | null = null;
  let headerSent = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headerSent) {
          headerSent = true;
          // BOM so spreadsheet apps read UTF-8 names (ø, å, þ) correctly.
          controller.enqueue(encoder.encode(`\uFEFF${CSV_COLUMNS.join(",")}\r\n`));
          return;
        }
        try {
          names ??= await loadNames(scope);
          resolved ??= await readFilters(scope, filters);
          const rows = await db.$queryRaw<ExportRow[]>(
            exportBatchQuery(scope, resolved, scope.period.current, after, batchSize),
          );
          onBatch?.(rows.length);
          if (rows.length > 0) {
            const n = names;
            controller.enqueue(encoder.encode(rows.map((r) => csvLine(r, n)).join("")));
            const last = rows[rows.length - 1];
            after = { performedAt: new Date(last.performedAt), id: last.id };
          }
          // A short batch is the last; once closed, the stream calls pull no more.
          if (rows.length < batchSize) controller.close();
        } catch (err) {
          logger().error({ module: "expenses", companyId: scope.companyId, err }, "CSV export failed");
          controller.error(new Error("Export failed"));
        }
      },
    },
    { highWaterMark: 1 },
  );
}
