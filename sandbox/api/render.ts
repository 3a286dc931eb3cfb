/** Turn compact records into Pleo's JSON shapes (AccountingEntryV1, TagGroupModel, …). */
import { ACCOUNT_UNKNOWN, UNKNOWN_ID, type EntryRec, type Tag, type TagGroup } from "../model";
import { mulberry32, uuid } from "../rng";
import { SUPPLIERS } from "../seed/catalog";
import type { CompanyState } from "../store";

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function accountFields(company: CompanyState, account: number): Record<string, string> {
  if (account === ACCOUNT_UNKNOWN) return { accountId: UNKNOWN_ID };
  if (account < 0) return {};
  const a = company.data.accounts[account];
  return { accountId: a.id, accountCode: a.code };
}

/**
 * AccountingEntryV1. Optional fields without a value are omitted, except `deletedAt`, which is
 * `null` for live entries (GUESSED; clients should accept both missing and null).
 */
export function renderEntry(company: CompanyState, e: EntryRec): Record<string, unknown> {
  const d = company.data;
  const wallet = d.fixture.currency;
  const derived = mulberry32(e.receiptSeed);
  const receiptIds: string[] = [];
  for (let k = 0; k < e.receiptCount; k++) receiptIds.push(uuid(derived));
  const tagRefs = (tags: number[] | null) =>
    (tags ?? []).map((t) => ({ tagGroupId: d.tags[t].groupId, tagId: d.tags[t].id }));

  const out: Record<string, unknown> = {
    id: e.id,
    companyId: d.fixture.id,
  };
  if (e.employee >= 0) out.employeeId = d.employees[e.employee].id;
  if (e.team >= 0) out.teamId = d.teams[e.team].id;
  out.family = e.family;
  if (e.subFamily) out.subFamily = e.subFamily;
  out.status = e.status;
  out.exportStatus = e.exportStatus;
  out.reviewStatus = e.reviewStatus;
  out.performedAt = iso(e.performedAt);
  if (e.settledAt !== null) out.settledAt = iso(e.settledAt);
  if (e.bookkeepingDate !== null) out.bookkeepingDate = iso(e.bookkeepingDate);
  out.createdAt = iso(e.createdAt);
  out.updatedAt = iso(e.updatedAt);
  out.deletedAt = e.deletedAt === null ? null : iso(e.deletedAt);
  out.transactionValue = { currency: e.txCurrency, minors: e.txMinors };
  out.totalBillValue = { currency: wallet, minors: e.billMinors };
  Object.assign(out, accountFields(company, e.account));
  if (e.taxCode >= 0) out.taxCodeId = d.taxCodes[e.taxCode].id;
  if (e.note !== null) out.note = e.note;
  out.receiptIds = receiptIds;
  out.attendees = (e.attendees ?? []).map((emp) => ({
    id: uuid(derived),
    attendableId: d.employees[emp].id,
    attendableType: "EMPLOYEE",
  }));
  out.tags = tagRefs(e.tags);
  out.splitItems = (e.split ?? []).map((s) => ({
    id: s.id,
    createdAt: iso(e.createdAt),
    updatedAt: iso(e.updatedAt),
    tags: tagRefs(s.tags),
    ...accountFields(company, s.account),
    ...(s.taxCode >= 0 ? { taxCodeId: d.taxCodes[s.taxCode].id } : {}),
    totalBillValue: { currency: wallet, minors: s.billMinors },
    transactionValue: { currency: e.txCurrency, minors: s.txMinors },
  }));
  if (e.supplier >= 0) {
    const s = SUPPLIERS[e.supplier];
    out.supplier = {
      // GUESSED extension: AccountingEntrySupplier (FOUND) has no name field (only cif, documentNumber,
      // documentType, externalAccountNumber, externalSupplierId); the sandbox adds `name` so dashboards
      // can show and search merchants. Real Pleo may not send it.
      name: s.name,
      externalSupplierId: `SUP-${String(e.supplier + 1).padStart(4, "0")}`,
      ...(s.invoice ? { documentNumber: `INV-${e.id.slice(0, 8).toUpperCase()}` } : {}),
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
