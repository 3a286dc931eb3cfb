/**
 * lib/sync/write-entries.ts called directly against a real PGlite database: what one page of entries
 * writes (every column, split items, teams and their members), what it counts, what the tenant guard
 * skips, the reconcile that marks missing entries deleted, and that a page's rows and its saved cursor
 * commit together (the cursor write fails at a named point: nothing of the page remains, and writing the
 * page again after the failure loses and skips nothing).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { AccountingEntry, SplitItem } from "@/lib/pleo/types";
import { acquireLease, newLeaseOwner, type HeldLease } from "@/lib/sync/lease";
import { commitBackfillPage } from "@/lib/sync/state";
import { createTestDatabase, type TestDatabase } from "@/tests/support/db";

/**
 * The module is imported (awaited) while the file is collected (so Stryker counts the code it runs at import as
 * static, reached by every test) but a failure there is handed to each test, not to the collection: a
 * mutant that breaks its SQL fails tests instead of the file (README → Mutation testing).
 */
const loaded = await import("@/lib/sync/write-entries").then(
  (module) => ({ module, error: null }),
  (error: unknown) => ({ module: null, error }),
);
let we: NonNullable<typeof loaded.module>;
const load = async () => {
  if (!loaded.module) throw loaded.error;
  we = loaded.module;
};

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0, 123);
const at = (days: number) => new Date(T0 + days * 86_400_000);

function split(over: Partial<SplitItem> = {}): SplitItem {
  return {
    id: randomUUID(),
    accountId: randomUUID(),
    accountCode: "6100",
    taxCodeId: "tax-25",
    totalBillValue: { currency: "DKK", minors: 500n },
    transactionValue: { currency: "EUR", minors: 67n },
    tags: [{ tagGroupId: randomUUID(), tagId: randomUUID() }],
    ...over,
  };
}

function entry(companyId: string, over: Partial<AccountingEntry> = {}): AccountingEntry {
  return {
    id: randomUUID(),
    companyId,
    employeeId: randomUUID(),
    teamId: randomUUID(),
    family: "CARD",
    subFamily: "PURCHASE",
    status: "SETTLED",
    exportStatus: "NOT_EXPORTED",
    reviewStatus: "APPROVED",
    performedAt: at(0),
    settledAt: at(1),
    bookkeepingDate: at(2),
    createdAt: at(-1),
    updatedAt: at(3),
    deletedAt: null,
    transactionValue: { currency: "EUR", minors: 134n },
    totalBillValue: { currency: "DKK", minors: 1000n },
    accountId: randomUUID(),
    accountCode: "6000",
    taxCodeId: "tax-0",
    note: "lunch",
    supplierName: "Cafe",
    supplier: {
      cif: "cif",
      documentNumber: "doc",
      documentType: "INVOICE",
      externalAccountNumber: "ext-acc",
      externalSupplierId: "ext-sup",
    },
    receiptIds: [randomUUID(), randomUUID()],
    attendeeCount: 3,
    tags: [{ tagGroupId: randomUUID(), tagId: randomUUID() }],
    splitItems: [],
    ...over,
  };
}

describe("usableSplitCount and the counters", () => {
  beforeEach(load);
  it("counts every split item only when all are in the bill currency and add up to the entry", () => {
    const c = randomUUID();
    const two = [
      split({ totalBillValue: { currency: "DKK", minors: 400n } }),
      split({ totalBillValue: { currency: "DKK", minors: 600n } }),
    ];
    expect(we.usableSplitCount(entry(c))).toBe(0);
    expect(we.usableSplitCount(entry(c, { splitItems: two }))).toBe(2);
    // One short, one in another currency, one without a wallet amount: none are used.
    expect(
      we.usableSplitCount(
        entry(c, { splitItems: [two[0], split({ totalBillValue: { currency: "DKK", minors: 599n } })] }),
      ),
    ).toBe(0);
    expect(
      we.usableSplitCount(
        entry(c, { splitItems: [two[0], split({ totalBillValue: { currency: "SEK", minors: 600n } })] }),
      ),
    ).toBe(0);
    expect(we.usableSplitCount(entry(c, { splitItems: [two[0], split({ totalBillValue: null })] }))).toBe(0);
    // The missing wallet value falls back to the purchase amount, whose currency the splits must then match.
    const noBill = { totalBillValue: null, transactionValue: { currency: "EUR", minors: 134n } };
    expect(
      we.usableSplitCount(
        entry(c, {
          ...noBill,
          splitItems: [
            split({ totalBillValue: { currency: "EUR", minors: 100n } }),
            split({ totalBillValue: { currency: "EUR", minors: 34n } }),
          ],
        }),
      ),
    ).toBe(2);
    expect(we.usableSplitCount(entry(c, { ...noBill, splitItems: two }))).toBe(0);
  });

  it("emptyCounts is all zero and addCounts adds each field into the first", () => {
    expect(we.emptyCounts()).toEqual({ created: 0, updated: 0, deleted: 0, anomalies: 0 });
    const into = { created: 1, updated: 2, deleted: 3, anomalies: 4 };
    const out = we.addCounts(into, { created: 10, updated: 20, deleted: 30, anomalies: 40 });
    expect(out).toBe(into);
    expect(into).toEqual({ created: 11, updated: 22, deleted: 33, anomalies: 44 });
  });

  it("walletCurrencyOf picks the most common bill currency; the first seen wins a tie; none is null", () => {
    const c = randomUUID();
    const bill = (currency: string) => entry(c, { totalBillValue: { currency, minors: 1n } });
    expect(we.walletCurrencyOf([])).toBeNull();
    expect(we.walletCurrencyOf([entry(c, { totalBillValue: null })])).toBeNull();
    expect(we.walletCurrencyOf([bill("SEK"), bill("DKK"), bill("DKK"), entry(c, { totalBillValue: null })])).toBe(
      "DKK",
    );
    expect(we.walletCurrencyOf([bill("DKK"), bill("SEK"), bill("SEK"), bill("EUR")])).toBe("SEK");
    expect(we.walletCurrencyOf([bill("NOK"), bill("SEK")])).toBe("NOK");
    expect(we.walletCurrencyOf([bill("NOK"), bill("SEK"), bill("SEK"), bill("NOK")])).toBe("NOK");
  });
});

describe("writeEntryPage, markMissingAsDeleted, deleteEntriesBefore (pglite)", () => {
  let tdb: TestDatabase;
  let prisma: PrismaClient;
  beforeEach(load);
  beforeAll(async () => {
    tdb = await createTestDatabase("pglite-copy");
    prisma = tdb.prisma;
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  async function company(): Promise<string> {
    const id = randomUUID();
    await prisma.pleoCompany.create({ data: { id, name: `Company ${id.slice(0, 8)}` } });
    return id;
  }
  const row = (id: string) => prisma.accountingEntry.findUniqueOrThrow({ where: { id } });
  const splitsOf = (entryId: string) => prisma.splitItem.findMany({ where: { entryId }, orderBy: { id: "asc" } });

  it("an empty page writes and counts nothing", async () => {
    const c = await company();
    expect(await we.writeEntryPage(prisma, c, [])).toEqual({
      counts: { created: 0, updated: 0, deleted: 0, anomalies: 0 },
      anomalies: [],
    });
  });

  it("a new page stores every column; an entry already deleted on arrival counts as deleted", async () => {
    const c = await company();
    const accountId = randomUUID();
    const tagA = { tagGroupId: randomUUID(), tagId: randomUUID() };
    const tagB = { tagGroupId: randomUUID(), tagId: randomUUID() };
    const s1 = split({ accountId: accountId.toUpperCase(), tags: [tagA, tagB] });
    const s2 = split({ accountId: null, totalBillValue: { currency: "DKK", minors: 500n } });
    const full = entry(c, {
      accountId,
      tags: [
        { ...tagA, tagId: tagA.tagId.toUpperCase() },
        { tagGroupId: randomUUID(), tagId: "custom" },
      ],
      splitItems: [s1, s2],
    });
    const bare = entry(c, {
      employeeId: null,
      teamId: null,
      subFamily: null,
      settledAt: null,
      bookkeepingDate: null,
      totalBillValue: null,
      accountId: null,
      accountCode: null,
      taxCodeId: null,
      note: null,
      supplierName: null,
      supplier: null,
      receiptIds: [],
      attendeeCount: 0,
      tags: [],
    });
    const gone = entry(c, { deletedAt: at(5) });
    const before = Date.now();
    const result = await we.writeEntryPage(prisma, c, [full, bare, gone]);
    expect(result).toEqual({ counts: { created: 2, updated: 0, deleted: 1, anomalies: 0 }, anomalies: [] });

    const stored = await row(full.id);
    const { syncedAt, ...rest } = stored;
    expect(rest).toEqual({
      id: full.id,
      companyId: c,
      employeeId: full.employeeId,
      teamId: full.teamId,
      accountId,
      accountCode: "6000",
      taxCodeId: "tax-0",
      family: "CARD",
      subFamily: "PURCHASE",
      status: "SETTLED",
      exportStatus: "NOT_EXPORTED",
      reviewStatus: "APPROVED",
      performedAt: at(0),
      settledAt: at(1),
      bookkeepingDate: at(2),
      pleoCreatedAt: at(-1),
      pleoUpdatedAt: at(3),
      deletedAt: null,
      transactionCurrency: "EUR",
      transactionMinors: 134n,
      billCurrency: "DKK",
      billMinors: 1000n,
      note: "lunch",
      supplierName: "Cafe",
      supplier: full.supplier,
      receiptCount: 2,
      tags: full.tags,
      attendeeCount: 3,
      splitCount: 2,
      // Distinct lowercase uuids of the entry and its splits (a split without an account and the tag id
      // "custom" left out).
      accountIds: [accountId],
      tagIds: [tagA.tagId, tagB.tagId, s2.tags[0].tagId],
    });
    // Stored as UTC wall time by the database's clock, like Prisma's own writes.
    expect(syncedAt.getTime()).toBeGreaterThanOrEqual(before - 5_000);
    expect(syncedAt.getTime()).toBeLessThanOrEqual(Date.now() + 5_000);

    expect(await row(bare.id)).toMatchObject({
      employeeId: null,
      teamId: null,
      subFamily: null,
      settledAt: null,
      bookkeepingDate: null,
      accountId: null,
      accountCode: null,
      taxCodeId: null,
      note: null,
      supplierName: null,
      supplier: null,
      receiptCount: 0,
      attendeeCount: 0,
      tags: [],
      splitCount: 0,
      accountIds: [],
      tagIds: [],
      // No wallet amount: the purchase amount stands in.
      billCurrency: "EUR",
      billMinors: 134n,
      transactionCurrency: "EUR",
      transactionMinors: 134n,
    });
    expect(await row(gone.id)).toMatchObject({ deletedAt: at(5), companyId: c });

    expect(await splitsOf(full.id)).toEqual(
      [s1, s2]
        .map((s) => ({
          id: s.id,
          entryId: full.id,
          accountId: s.accountId?.toLowerCase() ?? null,
          accountCode: "6100",
          taxCodeId: "tax-25",
          billCurrency: "DKK",
          billMinors: 500n,
          transactionCurrency: "EUR",
          transactionMinors: 67n,
          tags: s.tags,
        }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    );
  });

  it("a split item without amounts is stored with null amounts", async () => {
    const c = await company();
    const s = split({ totalBillValue: null, transactionValue: null, accountId: null, tags: [] });
    const e = entry(c, { splitItems: [s] });
    await we.writeEntryPage(prisma, c, [e]);
    expect(await splitsOf(e.id)).toEqual([
      {
        id: s.id,
        entryId: e.id,
        accountId: null,
        accountCode: "6100",
        taxCodeId: "tax-25",
        billCurrency: null,
        billMinors: null,
        transactionCurrency: null,
        transactionMinors: null,
        tags: [],
      },
    ]);
    expect(await row(e.id)).toMatchObject({ splitCount: 0 });
  });

  it("a page written again changes nothing; each kind of change counts once", async () => {
    const c = await company();
    const keep = entry(c);
    const edit = entry(c);
    const drop = entry(c);
    const wasGone = entry(c, { deletedAt: at(4) });
    const back = entry(c, { deletedAt: at(4) });
    await we.writeEntryPage(prisma, c, [keep, edit, drop, wasGone, back]);
    const firstSync = (await row(keep.id)).syncedAt;

    expect((await we.writeEntryPage(prisma, c, [keep, edit, drop, wasGone, back])).counts).toEqual(we.emptyCounts());
    expect((await row(keep.id)).syncedAt).toEqual(firstSync);

    const result = await we.writeEntryPage(prisma, c, [
      keep,
      { ...edit, note: "dinner" },
      { ...drop, deletedAt: at(6) },
      // Already deleted here: a change to it is an update, not a second deletion.
      { ...wasGone, note: "edited after deletion" },
      { ...back, deletedAt: null },
    ]);
    expect(result.counts).toEqual({ created: 0, updated: 3, deleted: 1, anomalies: 0 });
    expect(await row(edit.id)).toMatchObject({ note: "dinner" });
    expect(await row(drop.id)).toMatchObject({ deletedAt: at(6) });
    expect(await row(wasGone.id)).toMatchObject({ note: "edited after deletion", deletedAt: at(4) });
    expect(await row(back.id)).toMatchObject({ deletedAt: null });
    expect((await row(keep.id)).syncedAt).toEqual(firstSync);
  });

  it("every column Pleo can change is compared and rewritten", async () => {
    const c = await company();
    const e = entry(c);
    await we.writeEntryPage(prisma, c, [e]);
    const changes: Partial<AccountingEntry>[] = [
      { employeeId: randomUUID() },
      { teamId: randomUUID() },
      { accountId: randomUUID() },
      { accountCode: "7000" },
      { taxCodeId: "tax-x" },
      { family: "INVOICE" },
      { subFamily: "BILL" },
      { status: "PENDING" },
      { exportStatus: "EXPORTED" },
      { reviewStatus: "REJECTED" },
      { performedAt: at(-3) },
      { settledAt: at(7) },
      { bookkeepingDate: at(8) },
      { createdAt: at(-2) },
      { updatedAt: at(9) },
      { transactionValue: { currency: "USD", minors: 134n } },
      { transactionValue: { currency: "USD", minors: 135n } },
      { totalBillValue: { currency: "SEK", minors: 1000n } },
      { totalBillValue: { currency: "SEK", minors: 1001n } },
      { note: "changed" },
      { supplierName: "Bistro" },
      { supplier: { ...e.supplier!, cif: "other" } },
      { receiptIds: [] },
      { tags: [] },
      { attendeeCount: 4 },
      { splitItems: [split({ totalBillValue: { currency: "SEK", minors: 1001n } })] },
    ];
    let current = e;
    for (const change of changes) {
      current = { ...current, ...change };
      const result = await we.writeEntryPage(prisma, c, [current]);
      expect({ change, counts: result.counts }).toEqual({
        change,
        counts: { created: 0, updated: 1, deleted: 0, anomalies: 0 },
      });
    }
    const stored = await row(e.id);
    expect(stored).toMatchObject({
      employeeId: current.employeeId,
      teamId: current.teamId,
      accountCode: "7000",
      taxCodeId: "tax-x",
      family: "INVOICE",
      subFamily: "BILL",
      status: "PENDING",
      exportStatus: "EXPORTED",
      reviewStatus: "REJECTED",
      performedAt: at(-3),
      settledAt: at(7),
      bookkeepingDate: at(8),
      pleoCreatedAt: at(-2),
      pleoUpdatedAt: at(9),
      transactionCurrency: "USD",
      transactionMinors: 135n,
      billCurrency: "SEK",
      billMinors: 1001n,
      note: "changed",
      supplierName: "Bistro",
      supplier: { ...e.supplier, cif: "other" },
      receiptCount: 0,
      tags: [],
      attendeeCount: 4,
      splitCount: 1,
      accountIds: [current.accountId, current.splitItems[0].accountId],
      tagIds: [current.splitItems[0].tags[0].tagId],
    });
  });

  it("a page that repeats an id writes its last version once", async () => {
    const c = await company();
    const e = entry(c);
    const result = await we.writeEntryPage(prisma, c, [e, entry(c), { ...e, note: "second" }]);
    expect(result.counts).toEqual({ created: 2, updated: 0, deleted: 0, anomalies: 0 });
    expect(await row(e.id)).toMatchObject({ note: "second" });
  });

  it("split items follow their entry: replaced when it changes, left alone when it does not", async () => {
    const c = await company();
    const [a, b] = [split(), split()];
    const e = entry(c, { splitItems: [a, b] });
    const other = entry(c, { splitItems: [split()] });
    await we.writeEntryPage(prisma, c, [e, other]);
    // A local edit to a split item survives a rewrite of its unchanged entry (nothing was rewritten).
    await prisma.splitItem.update({ where: { id: other.splitItems[0].id }, data: { accountCode: "local" } });
    const c2 = split();
    const result = await we.writeEntryPage(prisma, c, [{ ...e, splitItems: [b, c2] }, other]);
    expect(result.counts).toEqual({ created: 0, updated: 1, deleted: 0, anomalies: 0 });
    expect((await splitsOf(e.id)).map((s) => s.id).sort()).toEqual([b.id, c2.id].sort());
    expect(await prisma.splitItem.count({ where: { id: a.id } })).toBe(0);
    expect((await splitsOf(other.id)).map((s) => s.accountCode)).toEqual(["local"]);
    // An entry whose splits are all removed keeps none.
    await we.writeEntryPage(prisma, c, [{ ...e, splitItems: [] }]);
    expect(await splitsOf(e.id)).toEqual([]);
  });

  it("a split item that moves to another of the company's entries goes with it", async () => {
    const c = await company();
    const s = split();
    const from = entry(c, { splitItems: [s] });
    const to = entry(c);
    await we.writeEntryPage(prisma, c, [from, to]);
    // Only `to` is on this page: the split item's row is taken over, not duplicated.
    const result = await we.writeEntryPage(prisma, c, [{ ...to, splitItems: [{ ...s, accountCode: "moved" }] }]);
    expect(result.counts.updated).toBe(1);
    expect(await splitsOf(to.id)).toMatchObject([{ id: s.id, accountCode: "moved" }]);
    expect(await splitsOf(from.id)).toEqual([]);
  });

  it("an entry or split item id another company holds is skipped, counted and returned; its row is untouched", async () => {
    const a = await company();
    const b = await company();
    const aSplit = split();
    const aEntry = entry(a, { note: "A's", splitItems: [aSplit] });
    await we.writeEntryPage(prisma, a, [aEntry]);
    const aBefore = await row(aEntry.id);

    const clash = entry(b, { id: aEntry.id.toUpperCase(), note: "B's" });
    // Its split item carries the id of A's (in upper case: ids compare as uuids).
    const splitClash = entry(b, { splitItems: [split(), { ...split(), id: aSplit.id.toUpperCase() }] });
    const fine = entry(b);
    const result = await we.writeEntryPage(prisma, b, [clash, splitClash, fine]);
    expect(result.counts).toEqual({ created: 1, updated: 0, deleted: 0, anomalies: 2 });
    expect(result.anomalies).toEqual([
      { table: "AccountingEntry", id: aEntry.id, heldBy: a },
      { table: "SplitItem", id: aSplit.id, heldBy: a },
    ]);
    expect(await row(aEntry.id)).toEqual(aBefore);
    expect(await prisma.accountingEntry.count({ where: { id: splitClash.id } })).toBe(0);
    expect(await prisma.splitItem.count({ where: { id: splitClash.splitItems[0].id } })).toBe(0);
    expect(await splitsOf(aEntry.id)).toMatchObject([{ id: aSplit.id, entryId: aEntry.id }]);
    expect(await row(fine.id)).toMatchObject({ companyId: b });

    // A page of nothing but clashes writes nothing and still reports them.
    expect(await we.writeEntryPage(prisma, b, [clash])).toEqual({
      counts: { created: 0, updated: 0, deleted: 0, anomalies: 1 },
      anomalies: [{ table: "AccountingEntry", id: aEntry.id, heldBy: a }],
    });
    expect(await we.writeEntryPage(prisma, b, [splitClash])).toEqual({
      counts: { created: 0, updated: 0, deleted: 0, anomalies: 1 },
      anomalies: [{ table: "SplitItem", id: aSplit.id, heldBy: a }],
    });
    expect(await row(aEntry.id)).toEqual(aBefore);
  });

  it("teams and their members come from the page's live entries; a team another company holds is skipped", async () => {
    const a = await company();
    const b = await company();
    const team = randomUUID();
    const [ann, bo] = [randomUUID(), randomUUID()];
    const onlyDeleted = randomUUID();
    const first = await we.writeEntryPage(prisma, a, [
      entry(a, { teamId: team, employeeId: ann, performedAt: at(0) }),
      entry(a, { teamId: team, employeeId: ann, performedAt: at(2) }),
      entry(a, { teamId: team, employeeId: bo, performedAt: at(1) }),
      entry(a, { teamId: team, employeeId: null, performedAt: at(3) }),
      entry(a, { teamId: onlyDeleted, employeeId: ann, deletedAt: at(4) }),
      entry(a, { teamId: null, employeeId: bo }),
    ]);
    expect(first.counts).toEqual({ created: 5, updated: 0, deleted: 1, anomalies: 0 });
    expect(await prisma.team.findMany({ where: { companyId: a } })).toMatchObject([
      { id: team, companyId: a, name: null },
    ]);
    const members = () => prisma.teamMember.findMany({ where: { teamId: team }, orderBy: { lastSeenAt: "asc" } });
    expect(await members()).toEqual([
      { companyId: a, teamId: team, employeeId: bo, lastSeenAt: at(1) },
      { companyId: a, teamId: team, employeeId: ann, lastSeenAt: at(2) },
    ]);
    // An older entry does not move lastSeenAt back; a newer one moves it on.
    await we.writeEntryPage(prisma, a, [
      entry(a, { teamId: team, employeeId: ann, performedAt: at(-5) }),
      entry(a, { teamId: team, employeeId: bo, performedAt: at(6) }),
    ]);
    expect(await members()).toEqual([
      { companyId: a, teamId: team, employeeId: ann, lastSeenAt: at(2) },
      { companyId: a, teamId: team, employeeId: bo, lastSeenAt: at(6) },
    ]);

    // B's entries name A's team: the entries are B's, the team and its members stay A's.
    const bEmployee = randomUUID();
    const own = randomUUID();
    const result = await we.writeEntryPage(prisma, b, [
      entry(b, { teamId: team, employeeId: bEmployee }),
      entry(b, { teamId: own, employeeId: bEmployee, performedAt: at(1) }),
    ]);
    expect(result.counts).toEqual({ created: 2, updated: 0, deleted: 0, anomalies: 1 });
    expect(result.anomalies).toEqual([{ table: "Team", id: team, heldBy: a }]);
    expect(await prisma.teamMember.count({ where: { employeeId: bEmployee } })).toBe(1);
    expect(await prisma.teamMember.findFirstOrThrow({ where: { employeeId: bEmployee } })).toMatchObject({
      teamId: own,
      companyId: b,
    });
    const onlyForeign = await we.writeEntryPage(prisma, b, [entry(b, { teamId: team, employeeId: bEmployee })]);
    expect(onlyForeign.anomalies).toEqual([{ table: "Team", id: team, heldBy: a }]);
    expect(onlyForeign.counts).toMatchObject({ created: 1, anomalies: 1 });
    expect(await prisma.team.findUniqueOrThrow({ where: { id: team } })).toMatchObject({ companyId: a });
    expect(await prisma.teamMember.count({ where: { teamId: team } })).toBe(2);
  });

  it("a page without teams writes no team and reports nothing", async () => {
    const c = await company();
    const teams = await prisma.team.count();
    expect(
      await we.writeEntryPage(prisma, c, [entry(c, { teamId: null }), entry(c, { teamId: null, deletedAt: at(1) })]),
    ).toEqual({ counts: { created: 1, updated: 0, deleted: 1, anomalies: 0 }, anomalies: [] });
    expect(await prisma.team.count()).toBe(teams);
  });

  it("markMissingAsDeleted marks the company's live entries a full scan did not return, from `from` on", async () => {
    const a = await company();
    const b = await company();
    const seen = entry(a, { performedAt: at(0) });
    const missing = entry(a, { performedAt: at(0) });
    const missingOld = entry(a, { performedAt: at(-10) });
    const alreadyGone = entry(a, { deletedAt: at(1) });
    const others = entry(b);
    await we.writeEntryPage(prisma, a, [seen, missing, missingOld, alreadyGone]);
    await we.writeEntryPage(prisma, b, [others]);
    const syncedBefore = (await row(missing.id)).syncedAt;

    // Nothing missing: nothing written.
    const all = new Set([seen.id, missing.id, missingOld.id]);
    expect(await we.markMissingAsDeleted(prisma, a, all)).toBe(0);

    // Scan covered entries from at(-1) on: the older one cannot be missing from it.
    const before = Date.now();
    expect(await we.markMissingAsDeleted(prisma, a, new Set([seen.id]), at(-1))).toBe(1);
    const marked = await row(missing.id);
    expect(marked.deletedAt!.getTime()).toBeGreaterThanOrEqual(before - 5_000);
    expect(marked.deletedAt!.getTime()).toBeLessThanOrEqual(Date.now() + 5_000);
    expect(marked.syncedAt.getTime()).toBeGreaterThanOrEqual(syncedBefore.getTime());
    expect(marked.syncedAt).toEqual(marked.deletedAt);
    expect(await row(missingOld.id)).toMatchObject({ deletedAt: null });
    expect(await row(alreadyGone.id)).toMatchObject({ deletedAt: at(1) });
    expect(await row(others.id)).toMatchObject({ deletedAt: null });

    // An entry performed exactly at `from` is in the scan's range.
    const edge = entry(a, { performedAt: at(-20) });
    await we.writeEntryPage(prisma, a, [edge]);
    expect(await we.markMissingAsDeleted(prisma, a, new Set([seen.id, missingOld.id]), at(-20))).toBe(1);
    expect((await row(edge.id)).deletedAt).not.toBeNull();

    // Without `from`, every live entry of the company is in range.
    expect(await we.markMissingAsDeleted(prisma, a, new Set([seen.id]))).toBe(1);
    expect((await row(missingOld.id)).deletedAt).not.toBeNull();
    expect(await row(seen.id)).toMatchObject({ deletedAt: null });
    expect(await row(others.id)).toMatchObject({ deletedAt: null });
  });

  it("deleteEntriesBefore deletes only the company's entries performed before the date", async () => {
    const a = await company();
    const b = await company();
    const old = entry(a, { performedAt: at(-2), splitItems: [split()] });
    const edge = entry(a, { performedAt: at(0) });
    const bOld = entry(b, { performedAt: at(-2) });
    await we.writeEntryPage(prisma, a, [old, edge]);
    await we.writeEntryPage(prisma, b, [bOld]);
    expect(await we.deleteEntriesBefore(prisma, a, at(0))).toBe(1);
    expect(await prisma.accountingEntry.count({ where: { id: { in: [old.id, edge.id, bOld.id] } } })).toBe(2);
    expect(await prisma.accountingEntry.count({ where: { id: old.id } })).toBe(0);
  });

  describe("a page and its cursor commit together", () => {
    it("a failed cursor write rolls the page back; writing the page again loses and skips nothing", async () => {
      const c = await company();
      const owner = newLeaseOwner();
      expect(await acquireLease(prisma, c, owner, 60_000)).toBe(true);
      const lease: HeldLease = { companyId: c, owner, ttlMs: 60_000 };
      const page1 = [entry(c, { splitItems: [split()] }), entry(c)];
      const page2 = [entry(c, { splitItems: [split(), split()] }), entry(c, { deletedAt: at(2) })];
      const commit = (items: AccountingEntry[], cursor: string, fail = false) =>
        prisma.$transaction(async (tx) => {
          const written = await we.writeEntryPage(tx, c, items);
          // The named point: the page's rows are written, its cursor is not yet.
          if (fail) throw new Error("injected: cursor write failed");
          await commitBackfillPage(tx, lease, { cursor, entries: items.length, total: 4, last: false });
          return written;
        });
      await commit(page1, "after-1");
      await expect(commit(page2, "after-2", true)).rejects.toThrow("injected: cursor write failed");
      const state = () => prisma.syncState.findUniqueOrThrow({ where: { companyId: c } });
      expect(await state()).toMatchObject({ backfillCursor: "after-1", backfillSynced: 2 });
      expect(await prisma.accountingEntry.count({ where: { companyId: c } })).toBe(2);
      expect(await prisma.splitItem.count({ where: { entryId: page2[0].id } })).toBe(0);

      // The cursor write itself refused (the lease is gone): the page's rows go with it.
      await prisma.syncState.update({ where: { companyId: c }, data: { leaseOwner: "someone-else" } });
      await expect(commit(page2, "after-2")).rejects.toThrow();
      expect(await prisma.accountingEntry.count({ where: { companyId: c } })).toBe(2);
      await prisma.syncState.update({ where: { companyId: c }, data: { leaseOwner: owner } });

      // Resumed from the saved cursor: page two again, every row of it new.
      const resumed = await commit(page2, "after-2");
      expect(resumed.counts).toEqual({ created: 1, updated: 0, deleted: 1, anomalies: 0 });
      expect(await state()).toMatchObject({ backfillCursor: "after-2", backfillSynced: 4 });
      expect(await prisma.accountingEntry.count({ where: { companyId: c } })).toBe(4);
      expect(await prisma.splitItem.count({ where: { entryId: page2[0].id } })).toBe(2);
    });
  });
});
