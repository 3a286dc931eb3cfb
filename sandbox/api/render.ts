/** Turn compact records into Pleo's JSON shapes (AccountingEntryV1, TagGroupModel, …). */
import { ACCOUNT_UNKNOWN, UNKNOWN_ID, type EntryRec, type Tag, type TagGroup } from "../model";
import { mulberry32, uuid } from "../rng";
import { SUPPLIERS } from "../seed/catalog";
import type { CompanyState } from "../store";
import { ABSENT_RATE, type StrictView } from "../strict";

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function accountFields(company: CompanyState, account: number, omitCode: boolean): Record<string, string> {
  if (account === ACCOUNT_UNKNOWN) return { accountId: UNKNOWN_ID };
  if (account < 0) return {};
  const a = company.data.accounts[account];
  return omitCode ? { accountId: a.id } : { accountId: a.id, accountCode: a.code };
}

const NO_STRICTNESS: StrictView = { strict: false, absent: () => false };

/**
 * AccountingEntryV1. Optional fields without a value are omitted, except `deletedAt`, which is
 * `null` for live entries (GUESSED; clients should accept both missing and null). In strict mode
 * (sandbox/strict.ts) only documented fields are sent, `deletedAt` is omitted while live, and some
 * optional fields are left out even where the entry has a value.
 */
export function renderEntry(
  company: CompanyState,
  e: EntryRec,
  view: StrictView = NO_STRICTNESS,
): Record<string, unknown> {
  const d = company.data;
  const wallet = d.fixture.currency;
  const derived = mulberry32(e.receiptSeed);
  const receiptIds: string[] = [];
  for (let k = 0; k < e.receiptCount; k++) receiptIds.push(uuid(derived));
  const tagRefs = (tags: number[] | null) =>
    (tags ?? []).map((t) => ({ tagGroupId: d.tags[t].groupId, tagId: d.tags[t].id }));
  const rate = ABSENT_RATE.entry;
  const absent = (field: keyof typeof rate) => view.absent(e.id, field, rate[field]);

  const out: Record<string, unknown> = {
    id: e.id,
    companyId: d.fixture.id,
  };
  if (e.employee >= 0) out.employeeId = d.employees[e.employee].id;
  if (e.team >= 0 && !absent("teamId")) out.teamId = d.teams[e.team].id;
  out.family = e.family;
  if (e.subFamily && !absent("subFamily")) out.subFamily = e.subFamily;
  out.status = e.status;
  out.exportStatus = e.exportStatus;
  out.reviewStatus = e.reviewStatus;
  out.performedAt = iso(e.performedAt);
  if (e.settledAt !== null && !absent("settledAt")) out.settledAt = iso(e.settledAt);
  if (e.bookkeepingDate !== null && !absent("bookkeepingDate")) out.bookkeepingDate = iso(e.bookkeepingDate);
  out.createdAt = iso(e.createdAt);
  out.updatedAt = iso(e.updatedAt);
  if (e.deletedAt !== null) out.deletedAt = iso(e.deletedAt);
  else if (!view.strict) out.deletedAt = null;
  out.transactionValue = { currency: e.txCurrency, minors: e.txMinors };
  // Strict mode leaves totalBillValue out only where it would equal transactionValue (same currency).
  if (!(e.txCurrency === wallet && e.txMinors === e.billMinors && absent("totalBillValue"))) {
    out.totalBillValue = { currency: wallet, minors: e.billMinors };
  }
  Object.assign(out, accountFields(company, e.account, absent("accountCode")));
  if (e.taxCode >= 0 && !absent("taxCodeId")) out.taxCodeId = d.taxCodes[e.taxCode].id;
  if (e.note !== null) out.note = e.note;
  out.receiptIds = receiptIds;
  out.attendees = (e.attendees ?? []).map((emp) => ({
    id: uuid(derived),
    attendableId: d.employees[emp].id,
    attendableType: "EMPLOYEE",
  }));
  out.tags = tagRefs(e.tags);
  const split = ABSENT_RATE.split;
  out.splitItems = (e.split ?? []).map((s) => ({
    id: s.id,
    createdAt: iso(e.createdAt),
    updatedAt: iso(e.updatedAt),
    tags: tagRefs(s.tags),
    ...accountFields(company, s.account, view.absent(s.id, "accountCode", split.accountCode)),
    ...(s.taxCode >= 0 && !view.absent(s.id, "taxCodeId", split.taxCodeId)
      ? { taxCodeId: d.taxCodes[s.taxCode].id }
      : {}),
    ...(view.absent(s.id, "totalBillValue", split.totalBillValue)
      ? {}
      : { totalBillValue: { currency: wallet, minors: s.billMinors } }),
    ...(view.absent(s.id, "transactionValue", split.transactionValue)
      ? {}
      : { transactionValue: { currency: e.txCurrency, minors: s.txMinors } }),
  }));
  if (e.supplier >= 0) {
    const s = SUPPLIERS[e.supplier];
    out.supplier = {
      // GUESSED extension (not in strict mode): AccountingEntrySupplier (FOUND) has no name field (only
      // cif, documentNumber, documentType, externalAccountNumber, externalSupplierId); the sandbox adds
      // `name` so dashboards can show and search merchants. Real Pleo does not send it.
      ...(view.strict ? {} : { name: s.name }),
      externalSupplierId: `SUP-${String(e.supplier + 1).padStart(4, "0")}`,
      ...(s.invoice ? { documentNumber: `INV-${e.id.slice(0, 8).toUpperCase()}` } : {}),
      ...(s.invoice && !view.absent(e.id, "supplier.cif", ABSENT_RATE.supplier.cif)
        ? { cif: `${d.fixture.address.country}${String(10_000_000 + e.supplier * 7919).slice(0, 8)}` }
        : {}),
    };
  }
  return out;
}

export function renderTagGroup(g: TagGroup, tagsCount?: number): Record<string, unknown> {
  return {
    id: g.id,
    companyId: g.companyId,
    code: g.code,
    name: g.name,
    archived: g.archived,
    metadata: {},
    createdAt: iso(g.createdAt),
    updatedAt: iso(g.updatedAt),
    ...(tagsCount !== undefined ? { totalTagsCount: tagsCount } : {}),
  };
}

export function renderTag(t: Tag): Record<string, unknown> {
  return {
    id: t.id,
    groupId: t.groupId,
    code: t.code,
    name: t.name,
    archived: t.archived,
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
  };
}
