import { z } from "zod";
import type { AccountingEntry, EntryTag, SplitItem } from "@/lib/pleo/types";
import { dateTime, moneySchema, opt } from "./common";

/** AccountingEntryV1 (FOUND, Accounting Entries API v82): required fields as Pleo's spec lists them. */

const entryTagSchema = z
  .object({ tagGroupId: z.string(), tagId: z.string() })
  .transform((t): EntryTag => ({ tagGroupId: t.tagGroupId, tagId: t.tagId }));

const splitItemSchema = z
  .object({
    id: z.string().min(1),
    accountId: opt(z.string()),
    accountCode: opt(z.string()),
    taxCodeId: opt(z.string()),
    totalBillValue: opt(moneySchema),
    transactionValue: opt(moneySchema),
    tags: z.array(entryTagSchema),
  })
  .transform((s): SplitItem => s);

export const accountingEntrySchema = z
  .object({
    id: z.string().min(1),
    companyId: z.string().min(1),
    employeeId: opt(z.string()),
    teamId: opt(z.string()),
    family: z.string(),
    subFamily: opt(z.string()),
    status: z.string(),
    exportStatus: z.string(),
    reviewStatus: z.string(),
    performedAt: dateTime,
    settledAt: opt(dateTime),
    bookkeepingDate: opt(dateTime),
    createdAt: dateTime,
    updatedAt: dateTime,
    deletedAt: opt(dateTime),
    transactionValue: moneySchema,
    totalBillValue: opt(moneySchema),
    accountId: opt(z.string()),
    accountCode: opt(z.string()),
    taxCodeId: opt(z.string()),
    note: opt(z.string()),
    // AccountingEntrySupplier (FOUND): identifiers only. `name` is the sandbox's extension, read when present.
    supplier: opt(
      z.object({
        name: opt(z.string()),
        cif: opt(z.string()),
        documentNumber: opt(z.string()),
        documentType: opt(z.string()),
        externalAccountNumber: opt(z.string()),
        externalSupplierId: opt(z.string()),
      }),
    ),
    receiptIds: z.array(z.string()),
    attendees: z.array(z.unknown()),
    tags: z.array(entryTagSchema),
    splitItems: z.array(splitItemSchema),
  })
  .transform((e): AccountingEntry => ({
    id: e.id,
    companyId: e.companyId,
    employeeId: e.employeeId,
    teamId: e.teamId,
    family: e.family,
    subFamily: e.subFamily,
    status: e.status,
    exportStatus: e.exportStatus,
    reviewStatus: e.reviewStatus,
    performedAt: e.performedAt,
    settledAt: e.settledAt,
    bookkeepingDate: e.bookkeepingDate,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    deletedAt: e.deletedAt,
    transactionValue: e.transactionValue,
    totalBillValue: e.totalBillValue,
    accountId: e.accountId,
    accountCode: e.accountCode,
    taxCodeId: e.taxCodeId,
    note: e.note,
    supplierName: e.supplier?.name ?? null,
    supplier: e.supplier
      ? {
          cif: e.supplier.cif,
          documentNumber: e.supplier.documentNumber,
          documentType: e.supplier.documentType,
          externalAccountNumber: e.supplier.externalAccountNumber,
          externalSupplierId: e.supplier.externalSupplierId,
        }
      : null,
    receiptIds: e.receiptIds,
    attendeeCount: e.attendees.length,
    tags: e.tags,
    splitItems: e.splitItems,
  }));
