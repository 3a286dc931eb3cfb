/**
 * The portal's own shapes for Pleo data. `lib/pleo` validates Pleo's JSON (zod) and reshapes it into
 * these; nothing outside `lib/pleo` sees provider JSON. Money stays in integer minor units (bigint) with
 * its ISO currency, exactly as Pleo sends it (`{currency, minors}`), so no rounding ever happens here.
 */

export type Money = { currency: string; minors: bigint };

export type TokenIdentity = {
  companyId: string | null; // from subjectURN `urn:pleo:company:<uuid>`
  subjectUrn: string | null;
  scopes: string[];
  clientId: string;
  applicationName: string | null;
};

export type Company = {
  id: string;
  name: string;
  organizationId: string | null;
  registrationNumber: string | null;
  address: {
    addressLine1: string | null;
    addressLine2: string | null;
    locality: string | null;
    region: string | null;
    postalCode: string | null;
    country: string | null;
  } | null;
  /** IANA zone derived from `address.country` (lib/pleo/country.ts); null when the country is unknown. */
  timeZone: string | null;
};

export type Employee = {
  id: string;
  companyId: string;
  email: string;
  firstName: string;
  lastName: string;
  code: string | null;
  jobTitle: string | null;
};

export type Team = { id: string; companyId: string; name: string; code: string | null };

export type LedgerAccount = {
  id: string;
  companyId: string;
  code: string | null;
  name: string;
  externalId: string | null;
  archived: boolean;
};

export type TagGroup = { id: string; companyId: string; name: string; code: string | null; archived: boolean };
export type Tag = { id: string; tagGroupId: string; name: string; code: string | null; archived: boolean };

export type EntryTag = { tagGroupId: string; tagId: string };

export type SplitItem = {
  id: string;
  accountId: string | null;
  accountCode: string | null;
  taxCodeId: string | null;
  totalBillValue: Money | null;
  transactionValue: Money | null;
  tags: EntryTag[];
};

/** AccountingEntrySupplier (FOUND): identifiers only, no name. */
export type EntrySupplier = {
  cif: string | null;
  documentNumber: string | null;
  documentType: string | null;
  externalAccountNumber: string | null;
  externalSupplierId: string | null;
};

/** TaxCodeModel (FOUND). `rate` is a decimal as Pleo sends it (0.25 = 25 %), kept as text so nothing rounds. */
export type TaxCode = {
  id: string;
  companyId: string;
  name: string;
  code: string | null;
  rate: string;
  type: string;
  archived: boolean;
};

/** ReceiptModel (FOUND). `url` is presigned and expires (24 h); it never leaves lib/pleo unsealed. */
export type Receipt = {
  id: string;
  entryId: string;
  createdAt: Date;
  fileType: string;
  mimeType: string;
  sizeInBytes: number;
  source: string;
  url: string;
};

export type AccountingEntry = {
  id: string;
  companyId: string;
  employeeId: string | null;
  teamId: string | null;
  family: string;
  subFamily: string | null;
  status: string;
  exportStatus: string;
  reviewStatus: string;
  performedAt: Date;
  settledAt: Date | null;
  bookkeepingDate: Date | null;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
  transactionValue: Money; // in the purchase currency
  totalBillValue: Money | null; // in the company's wallet currency
  accountId: string | null;
  accountCode: string | null;
  taxCodeId: string | null;
  note: string | null;
  /** Not documented by Pleo (`supplier.name`): only the sandbox's default mode sends it. */
  supplierName: string | null;
  supplier: EntrySupplier | null;
  receiptIds: string[];
  attendeeCount: number;
  tags: EntryTag[];
  splitItems: SplitItem[];
};

export type Installation = {
  id: string;
  applicationId: string | null;
  resource: string | null;
  status: "ACTIVATED" | "INACTIVE" | "AUTHORIZED" | "PENDING_INTEGRATION" | "ERROR" | string;
  errorCode: string | null;
  metadata: Record<string, string> | null;
  createdAt: Date | null;
  updatedAt: Date | null;
};

/** Pleo's InstallationStatus values (FOUND). */
export const INSTALLATION_STATUSES = ["ACTIVATED", "INACTIVE", "AUTHORIZED", "PENDING_INTEGRATION", "ERROR"] as const;

/**
 * `PUT /v1/installations/me` (FOUND: status required, errorCode and metadata optional). Pleo does not
 * say whether PUT replaces or merges metadata, nor how large it may be (NOT FOUND): the portal sends the
 * whole object every time, as HTTP's PUT means (replace), and keeps it to a few short strings.
 */
export type InstallationUpdate = {
  status: (typeof INSTALLATION_STATUSES)[number];
  errorCode?: "NOT_ENTITLED" | "AUTH_ERROR";
  metadata?: Record<string, string>;
};

/** One page of a cursor-paginated list, reshaped. */
export type Page<T> = {
  items: T[];
  hasNextPage: boolean;
  endCursor: string | null;
  total: number | null;
};

export type SortOrder = "ASC" | "DESC";

export type AccountingEntrySearch = {
  companyId: string;
  after?: string;
  limit?: number; // 1–100
  sortingKeys?: Array<"performedAt" | "settledAt" | "id" | "bookkeepingDate">;
  sortingOrder?: SortOrder[];
  performedAtStart?: Date;
  performedAtEnd?: Date;
  settledAtStart?: Date;
  settledAtEnd?: Date;
  families?: string[];
  status?: string[];
  includeDeleted?: boolean;
};

/** Connection health as the product shows it. */
export type ConnectionStatus = "CONNECTED" | "NEEDS_REAUTH" | "DISCONNECTED";
