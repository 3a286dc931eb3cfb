/**
 * Inserts companies, people, categories and accounting entries straight into a test database, for
 * tests of the dashboard's reads (the sync is tested separately). Every field has a plain default so a
 * test states only what it is about.
 */
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "@/lib/generated/prisma/client";

export type EntrySeed = {
  id?: string;
  performedAt: string | Date;
  billMinors: number | bigint;
  family?: string;
  status?: string;
  reviewStatus?: string;
  exportStatus?: string;
  billCurrency?: string;
  transactionCurrency?: string;
  transactionMinors?: number | bigint;
  employeeId?: string | null;
  teamId?: string | null;
  accountId?: string | null;
  accountCode?: string | null;
  supplierName?: string | null;
  note?: string | null;
  receiptCount?: number;
  deletedAt?: string | Date | null;
  tags?: { tagGroupId: string; tagId: string }[];
  splitItems?: {
    id?: string;
    accountId?: string | null;
    billMinors: number;
    transactionMinors?: number;
    tags?: { tagGroupId: string; tagId: string }[];
  }[];
};

export type CompanySeed = {
  id: string;
  name?: string;
  currency: string;
  employees?: { id: string; firstName: string; lastName: string; email?: string }[];
  teams?: { id: string; name: string }[];
  accounts?: { id: string; name: string; code?: string }[];
  tagGroups?: { id: string; name: string; tags: { id: string; name: string }[] }[];
};

export async function seedCompany(prisma: PrismaClient, c: CompanySeed): Promise<void> {
  await prisma.pleoCompany.create({
    data: { id: c.id, name: c.name ?? `Company ${c.id.slice(0, 4)}`, currency: c.currency },
  });
  if (c.employees?.length) {
    await prisma.employee.createMany({
      data: c.employees.map((e) => ({
        ...e,
        email: e.email ?? `${e.firstName}@example.test`.toLowerCase(),
        companyId: c.id,
      })),
    });
  }
  if (c.teams?.length) await prisma.team.createMany({ data: c.teams.map((t) => ({ ...t, companyId: c.id })) });
  if (c.accounts?.length)
    await prisma.ledgerAccount.createMany({ data: c.accounts.map((a) => ({ ...a, companyId: c.id })) });
  for (const g of c.tagGroups ?? []) {
    await prisma.tagGroup.create({ data: { id: g.id, name: g.name, companyId: c.id } });
    await prisma.tag.createMany({ data: g.tags.map((t) => ({ ...t, tagGroupId: g.id, companyId: c.id })) });
  }
}

/** Inserts entries (in chunks) and returns their ids in input order. */
export async function seedEntries(
  prisma: PrismaClient,
  companyId: string,
  currency: string,
  entries: EntrySeed[],
): Promise<string[]> {
  const rows = entries.map((e) => {
    const performedAt = new Date(e.performedAt);
    return {
      id: e.id ?? randomUUID(),
      companyId,
      family: e.family ?? "CARD_PURCHASE",
      status: e.status ?? "COMPLETED",
      reviewStatus: e.reviewStatus ?? "NOT_REQUIRED",
      exportStatus: e.exportStatus ?? "NOT_EXPORTED",
      performedAt,
      pleoCreatedAt: performedAt,
      pleoUpdatedAt: performedAt,
      deletedAt: e.deletedAt ? new Date(e.deletedAt) : null,
      billCurrency: e.billCurrency ?? currency,
      billMinors: BigInt(e.billMinors),
      transactionCurrency: e.transactionCurrency ?? e.billCurrency ?? currency,
      transactionMinors: BigInt(e.transactionMinors ?? e.billMinors),
      employeeId: e.employeeId ?? null,
      teamId: e.teamId ?? null,
      accountId: e.accountId ?? null,
      accountCode: e.accountCode ?? null,
      supplierName: e.supplierName ?? null,
      note: e.note ?? null,
      receiptCount: e.receiptCount ?? 1,
      tags: e.tags ?? [],
    };
  });
  for (let i = 0; i < rows.length; i += 1000) {
    await prisma.accountingEntry.createMany({ data: rows.slice(i, i + 1000) });
  }
  const splits = entries.flatMap((e, i) =>
    (e.splitItems ?? []).map((s) => ({
      id: s.id ?? randomUUID(),
      entryId: rows[i].id,
      accountId: s.accountId ?? null,
      billCurrency: rows[i].billCurrency,
      billMinors: BigInt(s.billMinors),
      transactionCurrency: rows[i].transactionCurrency,
      transactionMinors: BigInt(s.transactionMinors ?? s.billMinors),
      tags: s.tags ?? [],
    })),
  );
  if (splits.length) await prisma.splitItem.createMany({ data: splits });
  return rows.map((r) => r.id);
}
