/**
 * In-memory data model. Entries are stored compactly (numbers and indexes into per-company tables)
 * so 200,000 of them fit comfortably in memory; they are turned into Pleo's AccountingEntryV1 JSON
 * shape only when a response needs them (see api/render.ts).
 */
import type { CompanyFixture, Currency } from "./seed/fixtures";

// Enum values FOUND in Pleo's Accounting Entries OpenAPI (Gjoll v82.3.2).
export const FAMILIES = [
  "BALANCE_AMENDMENT",
  "BILL_INVOICE",
  "CARD_PURCHASE",
  "CASHBACK",
  "CREDIT_NOTE",
  "MILEAGE",
  "OUT_OF_POCKET",
  "OVERDRAFT",
  "PER_DIEM",
  "PLEO_INVOICE",
  "REIMBURSEMENT",
  "WALLET",
  "BILL_INVOICE_PAYMENT",
] as const;
export const SUB_FAMILIES = [
  "ATM",
  "IN_STORE",
  "ONLINE",
  "PLEO_INVOICE",
  "PLEO_INVOICE_REFUND",
  "REIMBURSEMENT_TO_COMPANY",
  "REIMBURSEMENT_TO_EMPLOYEE",
  "REIMBURSEMENT_TO_EMPLOYEE_REFUND",
  "LOAD",
  "UNLOAD",
  "WITHDRAWAL",
  "FEE",
  "INTEREST",
  "BILL_INVOICE_PAYMENT_RETURNED",
  "BILL_INVOICE_PAYMENT_RECEIVED",
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
export const EXPORT_STATUSES = ["CREATED", "EXPORTED", "EXPORTING", "NOT_CREATED", "NOT_EXPORTED", "QUEUED"] as const;
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
export type SubFamily = (typeof SUB_FAMILIES)[number];
export type Status = (typeof STATUSES)[number];
export type ExportStatus = (typeof EXPORT_STATUSES)[number];
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/** Pleo's "I don't know" account/tag id. */
export const UNKNOWN_ID = "00000000-0000-0000-0000-000000000000";
/** `account` value meaning the user picked "I don't know". */
export const ACCOUNT_UNKNOWN = -2;

export interface SplitRec {
  id: string;
  account: number;
  taxCode: number;
  txMinors: number;
  billMinors: number;
  tags: number[];
}

export interface EntryRec {
  id: string;
  family: Family;
  subFamily: SubFamily | null;
  status: Status;
  exportStatus: ExportStatus;
  reviewStatus: ReviewStatus;
  performedAt: number; // epoch ms
  settledAt: number | null;
  bookkeepingDate: number | null;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
  employee: number; // index into company.employees, -1 = none
  team: number; // index into company.teams, -1 = none
  account: number; // index into company.accounts, -1 = unset, ACCOUNT_UNKNOWN = "I don't know"
  taxCode: number; // index into company.taxCodes, -1 = none
  supplier: number; // index into SUPPLIERS, -1 = none
  note: string | null;
  txCurrency: Currency;
  txMinors: number;
  billMinors: number;
  receiptSeed: number;
  receiptCount: number;
  tags: number[] | null; // indexes into company.tags
  split: SplitRec[] | null;
  attendees: number[] | null; // employee indexes
}

export interface Employee {
  id: string;
  companyId: string;
  email: string;
  firstName: string;
  lastName: string;
  code: string;
  jobTitle: string;
  phone: string;
  team: number;
}

export interface Team {
  id: string;
  companyId: string;
  name: string;
  code: string;
}

export interface Account {
  id: string;
  companyId: string;
  code: string;
  name: string;
  externalId: string;
  archived: boolean;
  taxCodeExternalId: string | null;
}

export interface TagGroup {
  id: string;
  companyId: string;
  code: string;
  name: string;
  archived: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface Tag {
  id: string;
  groupId: string;
  group: number;
  code: string;
  name: string;
  archived: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface TaxCode {
  id: string;
  code: string;
  name: string;
  /** Decimal: 0.25 = 25 % (FOUND: TaxCodeModel.rate). */
  rate: number;
  type: "inclusive" | "exclusive" | "reverse";
}

export interface CompanyData {
  fixture: CompanyFixture;
  employees: Employee[];
  teams: Team[];
  accounts: Account[];
  tagGroups: TagGroup[];
  tags: Tag[];
  taxCodes: TaxCode[];
  entries: EntryRec[];
  /** entry id → position in `entries`. */
  byId: Map<string, number>;
}
