/**
 * Inserts companies, people, categories and accounting entries straight into a test database, for
 * tests of the dashboard's reads (the sync is tested separately). Every field has a plain default so a
 * test states only what it is about.
 */
import { randomUUID } from "node:crypto";
import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";

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
  supplier?: { externalSupplierId?: string; documentNumber?: string; cif?: string } | null;
  taxCodeId?: string | null;
  note?: string | null;
  receiptCount?: number;
  deletedAt?: string | Date | null;
  tags?: { tagGroupId: string; tagId: string }[];
  splitItems?: {
    id?: string;
    accountId?: string | null;
    /** null: the split item carries no wallet amount (Pleo marks it optional). */
    billMinors: number | null;
    transactionMinors?: number;
    tags?: { tagGroupId: string; tagId: string }[];
  }[];
};

export type CompanySeed = {
  id: string;
  name?: string;
  currency: string;
  /** The company's IANA zone (as the sync derives it from the country); null/absent = unknown (UTC). */
  timeZone?: string | null;
  employees?: { id: string; firstName: string; lastName: string; email?: string }[];
  teams?: { id: string; name: string | null }[];
  taxCodes?: { id: string; name: string; rate: string; code?: string; type?: string }[];
  accounts?: { id: string; name: string; code?: string }[];
  tagGroups?: { id: string; name: string; tags: { id: string; name: string }[] }[];
};

export async function seedCompany(prisma: PrismaClient, c: CompanySeed): Promise<void> {
  await prisma.pleoCompany.create({
    data: {
      id: c.id,
      name: c.name ?? `Company ${c.id.slice(0, 4)}`,
      currency: c.currency,
      timeZone: c.timeZone ?? null,
    },
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
  if (c.taxCodes?.length) {
    await prisma.taxCode.createMany({
      data: c.taxCodes.map((t) => ({ ...t, type: t.type ?? "inclusive", companyId: c.id })),
    });
  }
  for (const g of c.tagGroups ?? []) {
    await prisma.tagGroup.create({ data: { id: g.id, name: g.name, companyId: c.id } });
    await prisma.tag.createMany({ data: g.tags.map((t) => ({ ...t, tagGroupId: g.id, companyId: c.id })) });
  }
}

/**
 * The columns the sync derives from an entry (lib/sync/write-entries.ts): every account and tag on the
 * entry or its split items, and how many split items the breakdowns use (all when they add up).
 */
function derived(e: EntrySeed) {
  const splits = e.splitItems ?? [];
  const sum = splits.reduce((t, s) => t + BigInt(s.billMinors ?? 0), 0n);
  const usable = splits.length > 0 && splits.every((s) => s.billMinors !== null) && sum === BigInt(e.billMinors);
  const uniq = (xs: (string | null | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))];
  return {
    splitCount: usable ? splits.length : 0,
    accountIds: uniq([e.accountId, ...splits.map((s) => s.accountId)]),
    tagIds: uniq([...(e.tags ?? []), ...splits.flatMap((s) => s.tags ?? [])].map((t) => t.tagId)),
  };
}

/**
 * Inserts entries (in chunks) and returns their ids in input order. Also writes what the sync writes
 * with entries (teams seen on them and their members) and moves the company's data version, as the
 * sync does, so cached dashboard reads see the new data.
 */
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
      supplier: e.supplier ?? Prisma.DbNull,
      taxCodeId: e.taxCodeId ?? null,
      note: e.note ?? null,
      receiptCount: e.receiptCount ?? 1,
      tags: e.tags ?? [],
      ...derived(e),
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
      billCurrency: s.billMinors === null ? null : rows[i].billCurrency,
      billMinors: s.billMinors === null ? null : BigInt(s.billMinors),
      transactionCurrency: rows[i].transactionCurrency,
      transactionMinors: BigInt(s.transactionMinors ?? s.billMinors ?? 0),
      tags: s.tags ?? [],
    })),
  );
  if (splits.length) await prisma.splitItem.createMany({ data: splits });
  await prisma.$executeRaw`INSERT INTO "Team" ("id", "companyId")
    SELECT DISTINCT "teamId", "companyId" FROM "AccountingEntry" WHERE "companyId" = ${companyId}::uuid AND "teamId" IS NOT NULL
    ON CONFLICT ("id") DO NOTHING`;
  await prisma.$executeRaw`INSERT INTO "TeamMember" ("companyId", "teamId", "employeeId", "lastSeenAt")
    SELECT "companyId", "teamId", "employeeId", max("performedAt") FROM "AccountingEntry"
    WHERE "companyId" = ${companyId}::uuid AND "teamId" IS NOT NULL AND "employeeId" IS NOT NULL AND "deletedAt" IS NULL
    GROUP BY 1, 2, 3
    ON CONFLICT ("teamId", "employeeId") DO UPDATE SET "lastSeenAt" = EXCLUDED."lastSeenAt"`;
  await prisma.$executeRaw`UPDATE "PleoCompany" SET "dataVersion" = GREATEST("dataVersion" + 1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint) WHERE "id" = ${companyId}::uuid`;
  return rows.map((r) => r.id);
}
