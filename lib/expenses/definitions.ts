/**
 * What the dashboard counts, in one place: the SQL (lib/expenses/sql.ts), the components, the tests
 * and the e2e spec all read these. Enum values are Pleo's, as its Accounting Entries OpenAPI spells them.
 */

/**
 * Every family, in the order the filter lists them, with its label and what the dashboard does with it.
 * `spend`: counted as spend. Not spend: WALLET (top-ups move money into the wallet), REIMBURSEMENT and
 * BILL_INVOICE_PAYMENT (they settle an out-of-pocket expense or an invoice that is already counted),
 * BALANCE_AMENDMENT and OVERDRAFT (bookkeeping of the wallet). CREDIT_NOTE and CASHBACK are negative
 * amounts and reduce spend.
 * `receipt`: Pleo asks for a receipt; an entry of these with none is "missing a receipt".
 */
const FAMILY_TABLE = {
  CARD_PURCHASE: { label: "Card purchase", spend: true, receipt: true },
  OUT_OF_POCKET: { label: "Out of pocket", spend: true, receipt: true },
  BILL_INVOICE: { label: "Invoice", spend: true, receipt: true },
  CREDIT_NOTE: { label: "Credit note", spend: true, receipt: false },
  MILEAGE: { label: "Mileage", spend: true, receipt: false },
  PER_DIEM: { label: "Per diem", spend: true, receipt: false },
  REIMBURSEMENT: { label: "Reimbursement", spend: false, receipt: false },
  CASHBACK: { label: "Cashback", spend: true, receipt: false },
  WALLET: { label: "Wallet", spend: false, receipt: false },
  PLEO_INVOICE: { label: "Pleo invoice", spend: true, receipt: false },
  BALANCE_AMENDMENT: { label: "Balance amendment", spend: false, receipt: false },
  OVERDRAFT: { label: "Overdraft", spend: false, receipt: false },
  BILL_INVOICE_PAYMENT: { label: "Invoice payment", spend: false, receipt: false },
} as const satisfies Record<string, { label: string; spend: boolean; receipt: boolean }>;

export type Family = keyof typeof FAMILY_TABLE;
export const FAMILIES = Object.keys(FAMILY_TABLE) as [Family, ...Family[]];
export const SPEND_FAMILIES: readonly Family[] = FAMILIES.filter((f) => FAMILY_TABLE[f].spend);
export const RECEIPT_FAMILIES: readonly Family[] = FAMILIES.filter((f) => FAMILY_TABLE[f].receipt);

const isFamily = (f: string): f is Family => Object.hasOwn(FAMILY_TABLE, f);

/** The family's label; Pleo may add families, which then read as their humanised code. */
export const familyLabel = (f: string): string => (isFamily(f) ? FAMILY_TABLE[f].label : humanize(f));

export const STATUSES = [
  "DRAFT",
  "PENDING",
  "COMPLETED",
  "COMPLETED_EXTERNALLY",
  "CANCELLED",
  "REJECTED",
  "ERROR",
] as const;
export type EntryStatus = (typeof STATUSES)[number];

/** Statuses of entries that never turned into spend. */
export const NON_SPEND_STATUSES: readonly EntryStatus[] = ["CANCELLED", "REJECTED"];

export const REVIEW_STATUSES = [
  "NOT_OK",
  "NOT_REQUIRED",
  "NOT_SET",
  "OK",
  "WAITING_FOR_EXPENSE_OWNER",
  "WAITING_FOR_REVIEWER",
  "WAITING_FOR_COMPANY_REVIEWER",
  "WAITING_FOR_TEAM_REVIEWER",
  "WAITING_FOR_TAG_REVIEWER",
] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/** Review statuses starting with this mean "waiting for someone" (the KPI and the `review=WAITING` filter). */
export const WAITING_FOR_REVIEW_PREFIX = "WAITING_FOR_";

export const isWaitingForReview = (reviewStatus: string) => reviewStatus.startsWith(WAITING_FOR_REVIEW_PREFIX);

/** An entry of a family that needs a receipt, with none attached (the KPI, the filter and the table's badge). */
export const isMissingReceipt = (e: { receiptCount: number; family: string }) =>
  e.receiptCount === 0 && (RECEIPT_FAMILIES as readonly string[]).includes(e.family);

/** Is this entry counted as spend (KPIs, charts)? The SQL in lib/expenses/sql.ts is built from the same lists. */
export function isSpend(e: { family: string; status: string; deletedAt?: unknown }): boolean {
  return (
    !e.deletedAt &&
    (SPEND_FAMILIES as readonly string[]).includes(e.family) &&
    !(NON_SPEND_STATUSES as readonly string[]).includes(e.status)
  );
}

/** Pleo's "I don't know" account id (the user picked no category on purpose). */
export const UNKNOWN_ACCOUNT_ID = "00000000-0000-0000-0000-000000000000";

/** Category labels for entries without a category of their own (no account, Pleo's "I don't know"). */
export const UNCATEGORISED_LABEL = "Uncategorised";
export const UNKNOWN_ACCOUNT_LABEL = "“I don't know”";

/** What the dashboard shows where a value is unknown or absent (Pleo leaves many fields optional). */
export const UNKNOWN_VALUE = "—";

/** How names read everywhere; the SQL that builds them in queries (lib/expenses/sql.ts) matches. */
export const employeeName = (p: { firstName: string; lastName: string }) => `${p.firstName} ${p.lastName}`;
export const categoryLabel = (a: { code: string | null; name: string }) => (a.code ? `${a.code} ${a.name}` : a.name);

/**
 * A team's label. Pleo documents no teams API (entries carry only `teamId`), so unless a name is known
 * a team reads as the start of its id plus the employees seen on its entries, never a bare UUID:
 * "Team 1a2b3c4d · Mette Jensen, Lars Nielsen +3".
 */
export function teamLabel(team: { id: string; name: string | null }, memberNames: string[]): string {
  if (team.name) return team.name;
  const shown = memberNames.slice(0, 2).join(", ");
  const more = memberNames.length > 2 ? ` +${memberNames.length - 2}` : "";
  return `Team ${team.id.slice(0, 8)}${shown ? ` · ${shown}${more}` : ""}`;
}

/** AccountingEntrySupplier as stored: identifiers only (Pleo documents no supplier name). */
export type SupplierIds = {
  cif?: string | null;
  documentNumber?: string | null;
  documentType?: string | null;
  externalAccountNumber?: string | null;
  externalSupplierId?: string | null;
};

/**
 * How a supplier reads: its name where Pleo sent one (it documents none; the sandbox's default mode
 * sends it), otherwise its document number and/or supplier id; null when there is nothing.
 */
export function supplierLabel(name: string | null, ids: SupplierIds | null): string | null {
  if (name) return name;
  const parts = [
    ids?.documentNumber ? `Document ${ids.documentNumber}` : null,
    ids?.externalSupplierId ? `Supplier ${ids.externalSupplierId}` : null,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(" · ") : null;
}

/** "VAT 25% · 25% (VAT25)": the tax code's name, its rate (Pleo's decimal, 0.25) and code. */
export function taxCodeLabel(t: { name: string; rate: string; code: string | null }): string {
  const rate = Number(t.rate);
  const pct = Number.isFinite(rate) ? `${+(rate * 100).toFixed(4)}%` : t.rate;
  return `${t.name} · ${pct}${t.code ? ` (${t.code})` : ""}`;
}

/** GUESSED: Pleo does not document deep links into its web app; this is the most plausible shape. */
export function pleoAppEntryUrl(entryId: string): string {
  return `https://app.pleo.io/expenses/${entryId}`;
}

/** CARD_PURCHASE → "Card purchase": how the dashboard shows Pleo's other codes (statuses, sub-families). */
export function humanize(value: string): string {
  const s = value.toLowerCase().replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}
