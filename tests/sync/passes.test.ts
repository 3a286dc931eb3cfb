/**
 * lib/sync/passes.ts called directly, under a real lease and run row, against the sandbox over HTTP (the
 * production client, lib/sync/source.ts) and a real PGlite: what each pass asks Pleo for (every search
 * query is recorded on its way to the client), what it writes and counts, the state it leaves, when the
 * company's data version moves, and the saved-cursor restart.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { Prisma } from "@/lib/generated/prisma/client";
import type { AccountingEntrySearch } from "@/lib/pleo/types";
import { acquireLease, LeaseLostError, newLeaseOwner } from "@/lib/sync/lease";
import {
  backfill,
  incremental,
  reconcile,
  refreshDirectory,
  type PageProgress,
  type RunContext,
} from "@/lib/sync/passes";
import { startRun } from "@/lib/sync/run-history";
import { SyncAbortedError } from "@/lib/sync/scan-entries";
import { sourceForCompany, type SyncSource } from "@/lib/sync/source";
import { emptyCounts } from "@/lib/sync/write-entries";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { withBusyProcessDatabase } from "@/tests/support/db";
import { captureLogger } from "@/tests/support/logs";
import { createWorld, type World } from "@/tests/support/world";
import { SYNC_ENV } from "./support";

const COMPANY = LARGE_COMPANY_ID;
const ENTRIES = 25;
const SEARCH = "/v1/accounting-entries:search";
const DAY = 86_400_000;
const TTL = 600_000;
const ORDER = { sortingKeys: ["performedAt"], sortingOrder: ["DESC"], includeDeleted: true };

describe("sync passes against the sandbox", () => {
  let world: World;
  let prisma: PrismaClient;
  beforeAll(async () => {
    world = await createWorld({
      database: "pglite-copy",
      sandbox: { entries: ENTRIES, rateLimit: false },
      env: SYNC_ENV,
      companies: [COMPANY],
    });
    prisma = world.prisma;
  });
  afterAll(async () => {
    await world?.close();
  });
  beforeEach(async () => {
    await world.sandbox.control.clearFaults();
    await prisma.accountingEntry.deleteMany({ where: { companyId: COMPANY } });
    await prisma.syncRun.deleteMany({ where: { companyId: COMPANY } });
    await prisma.syncState.deleteMany({ where: { companyId: COMPANY } });
  });

  type Recorded = Omit<AccountingEntrySearch, "companyId">;

  /** The production source for the company, every search query recorded as the client is handed it. */
  async function recordingSource(): Promise<{ source: SyncSource; queries: Recorded[] }> {
    const real = await sourceForCompany(COMPANY);
    const queries: Recorded[] = [];
    const source: SyncSource = {
      ...real,
      searchAccountingEntries: (q) => {
        queries.push(structuredClone(q));
        return real.searchAccountingEntries(q);
      },
    };
    return { source, queries };
  }

  /** A run under way: the lease held (with a short TTL, so a renewal shows), its row, a log kept. */
  async function context(over: Partial<RunContext> = {}) {
    const owner = newLeaseOwner();
    // An earlier context of the test let go (as a finished run releases its lease).
    await prisma.syncState.updateMany({
      where: { companyId: COMPANY },
      data: { leaseOwner: null, leaseExpiresAt: null },
    });
    expect(await acquireLease(prisma, COMPANY, owner, 1_000)).toBe(true);
    const runId = await startRun(COMPANY, { kind: "backfill", trigger: "schedule", startedAt: new Date() });
    const cap = captureLogger();
    const progress: PageProgress[] = [];
    const ctx: RunContext = {
      lease: { companyId: COMPANY, owner, ttlMs: TTL },
      runId,
      kind: "backfill",
      pageSize: 10,
      signal: new AbortController().signal,
      log: cap.logger,
      pages: 0,
      entries: 0,
      counts: emptyCounts(),
      currencyChecked: false,
      onPage: (p) => void progress.push(p),
      ...over,
    };
    return { ctx, cap, progress, ...(await recordingSource()) };
  }

  const state = () => prisma.syncState.findUniqueOrThrow({ where: { companyId: COMPANY } });
  const run = (id: string) => prisma.syncRun.findUniqueOrThrow({ where: { id } });
  const version = async () => (await prisma.pleoCompany.findUniqueOrThrow({ where: { id: COMPANY } })).dataVersion;
  const leaseLeft = async () => (await state()).leaseExpiresAt!.getTime() - Date.now();
  /** The company's entries in the sandbox, deleted ones included (the incremental test adds some). */
  const sandboxCount = async () => (await world.sandbox.control.summary(COMPANY)).countIncludingDeleted;
  const localCount = () => prisma.accountingEntry.count({ where: { companyId: COMPANY } });

  /** A full backfill (what later passes start from). */
  async function backfilled() {
    // No progress callback here (it is optional).
    const { ctx, source } = await context({ onPage: undefined });
    await backfill(ctx, source, { cursor: null, from: null, until: null });
    expect(await localCount()).toBe(await sandboxCount());
  }

  describe("refreshDirectory", () => {
    it("writes the company's directory under the lease; the data version moves only when something changed", async () => {
      await prisma.employee.deleteMany({ where: { companyId: COMPANY } });
      const { ctx, source } = await context();
      const v0 = await version();
      await refreshDirectory(ctx, source);
      const summary = await world.sandbox.control.summary(COMPANY);
      expect(await prisma.employee.count({ where: { companyId: COMPANY } })).toBe(summary.employees);
      expect(await version()).toBeGreaterThan(v0);
      expect(await leaseLeft()).toBeGreaterThan(TTL - 60_000);
      expect(ctx.counts).toEqual(emptyCounts());
      expect(await run(ctx.runId)).toMatchObject({ pages: 0, anomalies: 0 });

      const v1 = await version();
      await refreshDirectory(ctx, source);
      expect(await version()).toBe(v1);
    });

    it("an aborted run stops after the fetch and writes nothing", async () => {
      await prisma.employee.deleteMany({ where: { companyId: COMPANY } });
      const ac = new AbortController();
      ac.abort();
      const { ctx, source } = await context({ signal: ac.signal });
      await expect(refreshDirectory(ctx, source)).rejects.toBeInstanceOf(SyncAbortedError);
      expect(await prisma.employee.count({ where: { companyId: COMPANY } })).toBe(0);
    });

    it("a directory row whose id another company holds is skipped, counted on the run and logged once", async () => {
      const { ctx, source, cap } = await context();
      const first = (await source.listEmployees({ limit: 1 })).items[0];
      await prisma.employee.deleteMany({ where: { id: first.id } });
      const other = await prisma.pleoCompany.create({ data: { id: randomUUID(), name: "Other Co" } });
      await prisma.employee.create({
        data: { id: first.id, companyId: other.id, email: "x@other.test", firstName: "X", lastName: "Y" },
      });
      try {
        await refreshDirectory(ctx, source);
        expect(ctx.counts).toEqual({ ...emptyCounts(), anomalies: 1 });
        expect(await run(ctx.runId)).toMatchObject({ pages: 0, anomalies: 1, created: 0 });
        const lines = cap.lines().filter((l) => l.event === "pleo.anomaly");
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatchObject({ table: "Employee", id: first.id, heldBy: other.id, companyId: COMPANY });
      } finally {
        await prisma.pleoCompany.delete({ where: { id: other.id } });
      }
    });
  });

  describe("backfill", () => {
    it("a full backfill: newest first with deleted entries, every page committed with its cursor and counted", async () => {
      const { ctx, source, queries, progress } = await context();
      const v0 = await version();
      await backfill(ctx, source, { cursor: null, from: null, until: null });
      expect(queries).toHaveLength(3);
      expect(queries[0]).toEqual({ limit: 10, ...ORDER });
      expect(queries[1]).toEqual({ limit: 10, ...ORDER, after: expect.any(String) });
      expect(queries[2]).toEqual({ limit: 10, ...ORDER, after: expect.any(String) });
      expect(ctx).toMatchObject({ pages: 3, entries: ENTRIES, currencyChecked: true });
      expect(ctx.counts.created + ctx.counts.deleted).toBe(ENTRIES);
      expect(progress.map((p) => [p.kind, p.pages, p.entries, p.total])).toEqual([
        ["backfill", 1, 10, ENTRIES],
        ["backfill", 2, 20, ENTRIES],
        ["backfill", 3, ENTRIES, ENTRIES],
      ]);
      expect(progress[2]).toMatchObject(ctx.counts);
      expect(await run(ctx.runId)).toMatchObject({ pages: 3, ...ctx.counts });
      const s = await state();
      expect(s).toMatchObject({
        backfillSynced: ENTRIES,
        backfillTotal: ENTRIES,
        coveredFrom: null,
        backfillUntil: null,
      });
      expect(s.backfillCompletedAt).toBeInstanceOf(Date);
      expect(s.backfillStartedAt).toBeInstanceOf(Date);
      expect(await leaseLeft()).toBeGreaterThan(TTL - 60_000);
      expect(await version()).toBeGreaterThan(v0);
      expect((await prisma.pleoCompany.findUniqueOrThrow({ where: { id: COMPANY } })).currency).toBe(
        (await world.sandbox.control.summary(COMPANY)).currency,
      );

      // The same pages again change nothing: the data version stays.
      const again = await context();
      const v1 = await version();
      await backfill(again.ctx, again.source, { cursor: null, from: null, until: null });
      expect(again.ctx.counts).toEqual(emptyCounts());
      expect(again.ctx.entries).toBe(ENTRIES);
      expect(await version()).toBe(v1);
    });

    it("a page's transaction waits behind another one (a disconnect deleting data) past Prisma's 2 s default", async () => {
      const { ctx, source } = await context({ pageSize: 100 });
      // The context's lease is short (1 s) so a renewal shows; this test waits longer than that.
      await prisma.syncState.update({
        where: { companyId: COMPANY },
        data: { leaseExpiresAt: new Date(Date.now() + TTL) },
      });
      await withBusyProcessDatabase(world.database, 2_500, () =>
        backfill(ctx, source, { cursor: null, from: null, until: null }),
      );
      expect(ctx.pages).toBe(1);
      expect(await localCount()).toBe(await sandboxCount());
    });

    it("a changed wallet currency is saved and moves the data version even when no entry changed", async () => {
      await backfilled();
      await prisma.pleoCompany.update({ where: { id: COMPANY }, data: { currency: "XXX" } });
      // One page: the first page is the one that checks the currency.
      const { ctx, source } = await context({ pageSize: 100 });
      const v0 = await version();
      await backfill(ctx, source, { cursor: null, from: null, until: null });
      expect(ctx.pages).toBe(1);
      expect(ctx.counts).toEqual(emptyCounts());
      const company = await prisma.pleoCompany.findUniqueOrThrow({ where: { id: COMPANY } });
      expect(company.currency).toBe((await world.sandbox.control.summary(COMPANY)).currency);
      expect(company.dataVersion).toBeGreaterThan(v0);
    });

    it("a range: from and until bound the search; with until only the older entries are (re)started", async () => {
      const from = new Date(Date.now() - 400 * DAY);
      const until = new Date(Date.now() - 100 * DAY);
      const ext = await context();
      await backfill(ext.ctx, ext.source, { cursor: null, from, until });
      expect(ext.queries.length).toBeGreaterThan(0);
      expect(ext.queries[0]).toEqual({ limit: 10, ...ORDER, performedAtStart: from, performedAtEnd: until });
      expect(await state()).toMatchObject({ coveredFrom: from, backfillUntil: null });
      const local = await prisma.accountingEntry.findMany({ where: { companyId: COMPANY } });
      expect(local.length).toBe(ext.ctx.entries);
      expect(local.every((e) => e.performedAt >= from && e.performedAt < until)).toBe(true);

      // From only: a full backfill from that start.
      const full = await context();
      await backfill(full.ctx, full.source, { cursor: null, from, until: null });
      expect(full.queries[0]).toEqual({ limit: 10, ...ORDER, performedAtStart: from });
      expect(await state()).toMatchObject({ coveredFrom: from, backfillUntil: null });
    });

    it("an extension is stored as one while it runs", async () => {
      const until = new Date(Date.now() - 100 * DAY);
      const ac = new AbortController();
      const { ctx, source } = await context({ signal: ac.signal, pageSize: 2, onPage: () => ac.abort() });
      await expect(backfill(ctx, source, { cursor: null, from: null, until })).rejects.toBeInstanceOf(SyncAbortedError);
      const s = await state();
      expect(s).toMatchObject({
        coveredFrom: null,
        backfillUntil: until,
        backfillSynced: 2,
        backfillCompletedAt: null,
      });
      expect(s.backfillCursor).toEqual(expect.any(String));
    });

    it("a saved cursor resumes after it, without starting over", async () => {
      const ac = new AbortController();
      const first = await context({ signal: ac.signal, onPage: () => ac.abort() });
      await expect(backfill(first.ctx, first.source, { cursor: null, from: null, until: null })).rejects.toBeInstanceOf(
        SyncAbortedError,
      );
      const saved = await state();
      expect(saved.backfillCursor).toEqual(expect.any(String));
      expect(saved.backfillSynced).toBe(10);

      const { ctx, source, queries } = await context();
      await backfill(ctx, source, { cursor: saved.backfillCursor, from: null, until: null });
      expect(queries[0]).toEqual({ limit: 10, ...ORDER, after: saved.backfillCursor });
      expect(ctx).toMatchObject({ pages: 2, entries: ENTRIES - 10 });
      const s = await state();
      // Not restarted: the progress carries on and the start stays.
      expect(s.backfillSynced).toBe(ENTRIES);
      expect(s.backfillStartedAt).toEqual(saved.backfillStartedAt);
      expect(await localCount()).toBe(ENTRIES);
    });

    it("a saved cursor Pleo refuses (400) before any page restarts the backfill from the newest entry", async () => {
      await world.sandbox.control.fault({ path: SEARCH, status: 400, times: 1 });
      const { ctx, source, queries, cap } = await context();
      await backfill(ctx, source, { cursor: "stale-cursor", from: null, until: null });
      expect(queries[0]).toEqual({ limit: 10, ...ORDER, after: "stale-cursor" });
      expect(queries[1]).toEqual({ limit: 10, ...ORDER });
      expect(ctx).toMatchObject({ pages: 3, entries: ENTRIES });
      const warn = cap.lines().filter((l) => l.msg === "sync: saved backfill cursor rejected, restarting backfill");
      expect(warn).toHaveLength(1);
      expect(warn[0]).toMatchObject({ level: 40 });
      expect((warn[0].err as { type?: string }).type).toBe("PleoApiError");
      const s = await state();
      expect(s).toMatchObject({ backfillSynced: ENTRIES, coveredFrom: null });
      expect(s.backfillCompletedAt).toBeInstanceOf(Date);
    });

    it("other refusals, a refusal without a saved cursor, or one after a page are thrown", async () => {
      await world.sandbox.control.fault({ path: SEARCH, status: 404, times: 1 });
      const a = await context();
      await expect(
        backfill(a.ctx, a.source, { cursor: "stale-cursor", from: null, until: null }),
      ).rejects.toMatchObject({
        status: 404,
      });
      expect(a.queries).toHaveLength(1);

      await world.sandbox.control.fault({ path: SEARCH, status: 400, times: 1 });
      const b = await context();
      await expect(backfill(b.ctx, b.source, { cursor: null, from: null, until: null })).rejects.toMatchObject({
        status: 400,
      });
      expect(b.queries).toHaveLength(1);

      // A cursor that worked for a page, then a refusal: thrown (the pages so far are kept).
      const ac = new AbortController();
      const first = await context({ signal: ac.signal, pageSize: 5, onPage: () => ac.abort() });
      await expect(backfill(first.ctx, first.source, { cursor: null, from: null, until: null })).rejects.toBeInstanceOf(
        SyncAbortedError,
      );
      const cursor = (await state()).backfillCursor;
      const c = await context({
        pageSize: 5,
        onPage: async (p) => {
          if (p.pages === 1) await world.sandbox.control.fault({ path: SEARCH, status: 400, times: 1 });
        },
      });
      await expect(backfill(c.ctx, c.source, { cursor, from: null, until: null })).rejects.toMatchObject({
        status: 400,
      });
      expect(c.ctx.pages).toBeGreaterThan(0);
      expect(c.queries.every((q) => q.after !== undefined)).toBe(true);
    });
  });

  describe("incremental", () => {
    it("scans the trailing window before the start, or from the coverage start when that is later", async () => {
      await backfilled();
      const startedAt = new Date(Date.now() - 1000);
      const a = await context({ kind: "incremental" });
      await incremental(a.ctx, a.source, 30, startedAt);
      expect(a.queries.length).toBeGreaterThan(0);
      expect(a.queries[0]).toEqual({ limit: 10, ...ORDER, performedAtStart: new Date(startedAt.getTime() - 30 * DAY) });
      expect((await state()).lastIncrementalAt).toEqual(startedAt);
      expect(a.ctx.counts).toEqual(emptyCounts());

      const later = new Date(startedAt.getTime() - 10 * DAY);
      const b = await context({ kind: "incremental" });
      await incremental(b.ctx, b.source, 30, startedAt, later);
      expect(b.queries[0]).toEqual({ limit: 10, ...ORDER, performedAtStart: later });

      const earlier = new Date(startedAt.getTime() - 40 * DAY);
      const c = await context({ kind: "incremental" });
      await incremental(c.ctx, c.source, 30, startedAt, earlier);
      expect(c.queries[0]).toEqual({ limit: 10, ...ORDER, performedAtStart: new Date(startedAt.getTime() - 30 * DAY) });

      // Changes in the window are written and counted, the progress names the pass.
      const changes = await world.sandbox.control.activity(COMPANY, { created: 2 });
      expect(changes.created).toHaveLength(2);
      const d = await context({ kind: "incremental" });
      const v0 = await version();
      await incremental(d.ctx, d.source, 3650, new Date());
      expect(d.ctx.counts).toMatchObject({ created: 2, updated: 0, deleted: 0 });
      expect(await run(d.ctx.runId)).toMatchObject({ created: 2 });
      expect(await version()).toBeGreaterThan(v0);

      // Only updates, or only deletions, move the data version too.
      for (const change of [{ updated: 2 }, { deleted: 1 }]) {
        await world.sandbox.control.activity(COMPANY, change);
        const e = await context({ kind: "incremental" });
        const before = await version();
        await incremental(e.ctx, e.source, 3650, new Date());
        expect(e.ctx.counts).toEqual({ ...emptyCounts(), ...change });
        expect(await version()).toBeGreaterThan(before);
      }
    });

    it("an empty page leaves the wallet currency alone", async () => {
      await backfilled();
      const before = await prisma.pleoCompany.findUniqueOrThrow({ where: { id: COMPANY } });
      expect(before.currency).toEqual(expect.any(String));
      const { ctx, source } = await context({ kind: "incremental" });
      // A zero-day window: one page with no entries.
      await incremental(ctx, source, 0, new Date());
      expect(ctx).toMatchObject({ pages: 1, entries: 0 });
      const after = await prisma.pleoCompany.findUniqueOrThrow({ where: { id: COMPANY } });
      expect([after.currency, after.dataVersion]).toEqual([before.currency, before.dataVersion]);
    });

    it("a first page with no bill value leaves the wallet currency to the next page that has one", async () => {
      // totalBillValue is optional in Pleo's schema (lib/pleo/schemas/accounting-entries.ts); the sandbox always
      // sends it, so the first page here has it dropped.
      await prisma.pleoCompany.update({ where: { id: COMPANY }, data: { currency: null } });
      const { ctx, source } = await context({ pageSize: 10 });
      let pages = 0;
      const billless: SyncSource = {
        ...source,
        searchAccountingEntries: async (q) => {
          const page = await source.searchAccountingEntries(q);
          if (pages++ > 0) return page;
          return { ...page, items: page.items.map((e) => ({ ...e, totalBillValue: null })) };
        },
      };
      await backfill(ctx, billless, { cursor: null, from: null, until: null });
      expect(pages).toBeGreaterThan(1);
      const company = await prisma.pleoCompany.findUniqueOrThrow({ where: { id: COMPANY } });
      expect(company.currency).toEqual(expect.stringMatching(/^[A-Z]{3}$/));
    });

    it("each page extends the lease, and stops the pass once another owner took it", async () => {
      await backfilled();
      const { ctx, source } = await context({
        kind: "incremental",
        onPage: async (p) => {
          if (p.pages === 1) {
            expect(await leaseLeft()).toBeGreaterThan(TTL - 60_000);
            await prisma.syncState.update({ where: { companyId: COMPANY }, data: { leaseOwner: "thief:1:0001" } });
          }
        },
      });
      await expect(incremental(ctx, source, 3650, new Date())).rejects.toBeInstanceOf(LeaseLostError);
      expect(ctx.pages).toBe(1);
      expect(await run(ctx.runId)).toMatchObject({ pages: 1 });
    });
  });

  describe("reconcile", () => {
    async function phantom(performedAt: Date) {
      const template = await prisma.accountingEntry.findFirstOrThrow({
        where: { companyId: COMPANY, deletedAt: null },
      });
      const id = randomUUID();
      await prisma.accountingEntry.create({
        data: {
          ...template,
          id,
          performedAt,
          tags: template.tags ?? [],
          supplier: template.supplier ?? Prisma.DbNull,
          syncedAt: new Date(),
        },
      });
      return id;
    }

    it("a full scan; our live entries it did not return are marked deleted, counted on the run", async () => {
      await backfilled();
      const gone = await phantom(new Date(Date.now() - 5 * DAY));
      const startedAt = new Date(Date.now() - 1000);
      const { ctx, source, queries } = await context({ kind: "reconcile" });
      const v0 = await version();
      await reconcile(ctx, source, startedAt);
      expect(queries[0]).toEqual({ limit: 10, ...ORDER });
      expect(ctx.counts).toEqual({ ...emptyCounts(), deleted: 1 });
      const total = await sandboxCount();
      expect(ctx).toMatchObject({ pages: Math.ceil(total / 10), entries: total });
      expect(await run(ctx.runId)).toMatchObject({ pages: Math.ceil(total / 10), deleted: 1, created: 0, updated: 0 });
      expect((await prisma.accountingEntry.findUniqueOrThrow({ where: { id: gone } })).deletedAt).toBeInstanceOf(Date);
      expect((await state()).lastReconcileAt).toEqual(startedAt);
      expect(await version()).toBeGreaterThan(v0);

      // Nothing missing: nothing deleted, the data version stays.
      const again = await context({ kind: "reconcile" });
      const v1 = await version();
      await reconcile(again.ctx, again.source, startedAt);
      expect(again.ctx.counts).toEqual(emptyCounts());
      expect(await version()).toBe(v1);
    });

    it("from the coverage start: entries before it are neither read nor marked", async () => {
      await backfilled();
      const coveredFrom = new Date(Date.now() - 30 * DAY);
      const old = await phantom(new Date(coveredFrom.getTime() - DAY));
      const recent = await phantom(new Date(coveredFrom.getTime() + DAY));
      const { ctx, source, queries } = await context({ kind: "reconcile" });
      await reconcile(ctx, source, new Date(), coveredFrom);
      expect(queries[0]).toEqual({ limit: 10, ...ORDER, performedAtStart: coveredFrom });
      expect(ctx.counts.deleted).toBe(1);
      expect((await prisma.accountingEntry.findUniqueOrThrow({ where: { id: old } })).deletedAt).toBeNull();
      expect((await prisma.accountingEntry.findUniqueOrThrow({ where: { id: recent } })).deletedAt).toBeInstanceOf(
        Date,
      );
    });

    it("an aborted scan marks nothing", async () => {
      await backfilled();
      const gone = await phantom(new Date(Date.now() - 5 * DAY));
      const reconciled = (await state()).lastReconcileAt;
      const ac = new AbortController();
      const { ctx, source } = await context({ kind: "reconcile", signal: ac.signal, onPage: () => ac.abort() });
      await expect(reconcile(ctx, source, new Date())).rejects.toBeInstanceOf(SyncAbortedError);
      expect((await prisma.accountingEntry.findUniqueOrThrow({ where: { id: gone } })).deletedAt).toBeNull();
      expect((await state()).lastReconcileAt).toEqual(reconciled);
    });
  });
});
