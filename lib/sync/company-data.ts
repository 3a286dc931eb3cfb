import "server-only";

import { db } from "@/lib/db";
import { WAIT_FOR_TURN } from "@/lib/db/transactions";
import type { Prisma } from "@/lib/generated/prisma/client";
import { SYNC_DEFAULTS } from "@/lib/sync/config";
import { acquireLease, newLeaseOwner, releaseLease } from "@/lib/sync/lease";
import { narrowCoverage } from "@/lib/sync/state";
import { deleteEntriesBefore } from "@/lib/sync/write-entries";

/**
 * A company's synced data as a whole, for the settings page: how much there is, deleting what the
 * history window hides (on the customer's request), and deleting all of it when the customer disconnects
 * and chooses so. Entry rows are written only by lib/sync; these are the writes that remove them.
 */

/** Stored entries of a company (deleted-in-Pleo ones included), and how many fall before `windowStart`. */
export async function countStoredEntries(
  companyId: string,
  windowStart: Date | null,
): Promise<{ total: number; hidden: number }> {
  const [total, hidden] = await Promise.all([
    db.accountingEntry.count({ where: { companyId } }),
    windowStart ? db.accountingEntry.count({ where: { companyId, performedAt: { lt: windowStart } } }) : 0,
  ]);
  return { total, hidden };
}

/**
 * Delete the company and everything synced for it (entries and their split items, employees, teams,
 * accounts, tags, sync state and runs: the foreign keys cascade; the monthly rollup follows through its
 * triggers), inside the caller's transaction. The connection must be gone first (it refers to the company).
 */
export async function deleteCompanyData(tx: Prisma.TransactionClient, companyId: string): Promise<void> {
  await tx.pleoCompany.deleteMany({ where: { id: companyId } });
  // The triggers brought the company's rollup rows to zero; no foreign key removes them.
  await tx.spendMonthly.deleteMany({ where: { companyId } });
}

export type DeleteHiddenResult = { ok: true; deleted: number } | { ok: false; reason: "sync_running" };

/**
 * Delete the entries performed before `before` (what the history window hides), under the company's
 * sync lease so no run re-adds them meanwhile; the coverage moves to `before`, so a later wider window
 * backfills them again. Idempotent: a second call deletes nothing.
 */
export async function deleteHiddenEntries(companyId: string, before: Date): Promise<DeleteHiddenResult> {
  const owner = newLeaseOwner();
  const lease = { companyId, owner, ttlMs: SYNC_DEFAULTS.leaseTtlMs };
  if (!(await acquireLease(db, companyId, owner, lease.ttlMs))) return { ok: false, reason: "sync_running" };
  try {
    const deleted = await db.$transaction(
      async (tx) => {
        const n = await deleteEntriesBefore(tx, companyId, before);
        await narrowCoverage(tx, lease, before);
        return n;
      },
      { ...WAIT_FOR_TURN, timeout: 120_000 },
    );
    return { ok: true, deleted };
  } finally {
    await releaseLease(db, companyId, owner);
  }
}
