/**
 * What the dashboard counts, in one place (the tests and the e2e spec use the same definitions).
 * Enum values are Pleo's, as its Accounting Entries OpenAPI spells them.
 */

export const FAMILIES = [
  "CARD_PURCHASE",
  "OUT_OF_POCKET",
  "BILL_INVOICE",
  "CREDIT_NOTE",
  "MILEAGE",
  "PER_DIEM",
  "REIMBURSEMENT",
  "CASHBACK",
  "WALLET",
  "PLEO_INVOICE",
  "BALANCE_AMENDMENT",
  "OVERDRAFT",
  "BILL_INVOICE_PAYMENT",
] as const;
export const STATUSES = [
  "DRAFT",
  "PENDING",
  "COMPLETED",
  "COMPLETED_EXTERNALLY",
  "CANCELLED",
  "REJECTED",
  "ERROR",
] as const;
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

export type Family = (typeof FAMILIES)[number];
export type EntryStatus = (typeof STATUSES)[number];
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/**
 * Families that are spend. Left out: WALLET (top-ups move money into the wallet), REIMBURSEMENT and
 * BILL_INVOICE_PAYMENT (they settle an out-of-pocket expense or an invoice that is already counted),
 * BALANCE_AMENDMENT and OVERDRAFT (bookkeeping of the wallet). CREDIT_NOTE and CASHBACK are negative
 * amounts and reduce spend.
 */
export const SPEND_FAMILIES: readonly Family[] = [
  "CARD_PURCHASE",
  "OUT_OF_POCKET",
  "BILL_INVOICE",
  "CREDIT_NOTE",
  "MILEAGE",
  "PER_DIEM",
  "CASHBACK",
  "PLEO_INVOICE",
];

/** Statuses of entries that never turned into spend. */
export const NON_SPEND_STATUSES: readonly EntryStatus[] = ["CANCELLED", "REJECTED"];

/** Families where Pleo asks for a receipt; an entry of these with no receipt is "missing a receipt". */
export const RECEIPT_FAMILIES: readonly Family[] = ["CARD_PURCHASE", "OUT_OF_POCKET", "BILL_INVOICE"];

/** Pleo's "I don't know" account id (the user picked no category on purpose). */
export const UNKNOWN_ACCOUNT_ID = "00000000-0000-0000-0000-000000000000";

/** Review statuses that mean "waiting for someone" (the KPI and the `review=WAITING` filter). */
export const isWaitingForReview = (s: string) => s.startsWith("WAITING_FOR_");

/** Is this entry counted as spend (KPIs, charts)? Mirrors the SQL in lib/expenses/sql.ts. */
export function isSpend(e: { family: string; status: string; deletedAt?: unknown }): boolean {
  return (
    !e.deletedAt &&
    (SPEND_FAMILIES as readonly string[]).includes(e.family) &&
    !(NON_SPEND_STATUSES as readonly string[]).includes(e.status)
  );
}

/** GUESSED: Pleo does not document deep links into its web app; this is the most plausible shape. */
export function pleoAppEntryUrl(entryId: string): string {
  return `https://app.pleo.io/expenses/${entryId}`;
}

export const FAMILY_LABELS: Record<string, string> = {
  CARD_PURCHASE: "Card purchase",
  OUT_OF_POCKET: "Out of pocket",
  BILL_INVOICE: "Invoice",
  CREDIT_NOTE: "Credit note",
  MILEAGE: "Mileage",
  PER_DIEM: "Per diem",
  REIMBURSEMENT: "Reimbursement",
  CASHBACK: "Cashback",
  WALLET: "Wallet",
  PLEO_INVOICE: "Pleo invoice",
  BALANCE_AMENDMENT: "Balance amendment",
  OVERDRAFT: "Overdraft",
  BILL_INVOICE_PAYMENT: "Invoice payment",
};

export function humanize(value: string): string {
  const s = value.toLowerCase().replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export const familyLabel = (f: string) => FAMILY_LABELS[f] ?? humanize(f);
