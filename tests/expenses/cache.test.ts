/**
 * The widget cache (lib/expenses/cache.ts), counted by the reads that actually ran: a table-only change
 * (page, sort) runs only the table's page; a filter runs the widgets it feeds and not the lists that
 * ignore it; new data (a new data version, as a sync commit makes) runs everything again and shows the
 * new figures; every scope field is part of the key; DASHBOARD_CACHE=off runs every read.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cachedRead, clearWidgetCache, widgetCacheStats } from "@/lib/expenses/cache";
import {
  dashboardScope,
  fetchBreakdown,
  fetchEntriesPage,
  fetchFilterOptions,
  fetchKpis,
  fetchMonthlySpend,
  fetchTagBreakdown,
  type DashboardScope,
} from "@/lib/expenses/data";
import { DEFAULT_FILTERS, type ExpenseFilters } from "@/lib/expenses/filters";
import { createTestDatabase, type TestDatabase } from "@/tests/support/db";
import { configurePortal } from "@/tests/support/env";
import { seedCompany, seedEntries } from "@/tests/support/expense-seed";

const A = "aaaaaaaa-0000-4000-8000-0000000000ca";
const E1 = "e0000000-0000-4000-8000-0000000000c1";
const NOW = new Date("2026-11-15T12:00:00Z");
const f = (over: Partial<ExpenseFilters> = {}): ExpenseFilters => ({ ...DEFAULT_FILTERS, ...over });

let tdb: TestDatabase;

/** Every read the dashboard page makes for a view, as its widgets make them. */
async function renderPage(filters: ExpenseFilters, scope?: DashboardScope) {
  const s = scope ?? (await dashboardScope(A, filters, NOW))!;
  const [kpis] = await Promise.all([
    fetchKpis(s, filters),
    fetchMonthlySpend(s, filters),
    fetchFilterOptions(s),
    ...(["category", "team", "employee", "family"] as const).map((d) => fetchBreakdown(s, filters, d)),
    fetchTagBreakdown(s, filters),
    fetchEntriesPage(s, filters),
  ]);
  return kpis;
}

/** Reads run by `fn`, per widget. */
async function loadsDuring(fn: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = widgetCacheStats().loads;
  await fn();
  const after = widgetCacheStats().loads;
  return Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
      .filter(([, v]) => v > 0),
  );
}

beforeAll(async () => {
  tdb = await createTestDatabase("pglite", { processDatabase: true });
  await seedCompany(tdb.prisma, {
    id: A,
    currency: "DKK",
    employees: [{ id: E1, firstName: "Ada", lastName: "Lund" }],
    tagGroups: [
      {
        id: "96000000-0000-4000-8000-0000000000c1",
        name: "Project",
        tags: [{ id: "7a000000-0000-4000-8000-0000000000c1", name: "Apollo" }],
      },
    ],
  });
  await seedEntries(
    tdb.prisma,
    A,
    "DKK",
    Array.from({ length: 60 }, (_, i) => ({
      performedAt: new Date(Date.UTC(2026, 10, 1 + (i % 14), 10)),
      billMinors: 1000 + i,
      employeeId: i % 2 ? E1 : null,
      family: i % 5 ? "CARD_PURCHASE" : "OUT_OF_POCKET",
    })),
  );
});
afterAll(async () => {
  configurePortal("http://127.0.0.1:9", { DASHBOARD_CACHE: "on" });
  await tdb?.drop();
});
beforeEach(() => {
  clearWidgetCache();
  // No Pleo is called here; the configuration only has to be valid.
  configurePortal("http://127.0.0.1:9", { DASHBOARD_CACHE: "on" });
});

describe("the dashboard's widget cache", () => {
  it("a page or sort change runs only the table's page", async () => {
    const first = await loadsDuring(() => renderPage(f()));
    expect(first).toEqual({
      kpis: 1,
      monthly: 1,
      "filter-options": 1,
      "team-labels": 1,
      names: 1,
      breakdowns: 1, // category, tag, team, employee and type in one statement
    });
    expect(await loadsDuring(() => renderPage(f({ page: 2 })))).toEqual({});
    expect(await loadsDuring(() => renderPage(f({ sort: "amount", dir: "asc", page: 3 })))).toEqual({});
    // The table's rows themselves are always read: page 2 differs from page 1.
    const s = (await dashboardScope(A, f(), NOW))!;
    const [p1, p2] = await Promise.all([fetchEntriesPage(s, f()), fetchEntriesPage(s, f({ page: 2 }))]);
    expect(p1.rows.map((r) => r.id)).not.toEqual(p2.rows.map((r) => r.id));
    expect(p2.total).toBe(p1.total);
  });

  it("a filter runs the widgets it feeds; the period leaves the 12-month chart and the lists alone", async () => {
    await renderPage(f());
    expect(await loadsDuring(() => renderPage(f({ employee: E1 })))).toEqual({
      kpis: 1,
      monthly: 1,
      breakdowns: 1,
    });
    expect(await loadsDuring(() => renderPage(f({ period: "last-month" })))).toEqual({
      kpis: 1,
      breakdowns: 1,
    });
    // A search looks its names up once, then feeds the same widgets.
    expect(await loadsDuring(() => renderPage(f({ q: "ada" })))).toEqual({
      "search-matches": 1,
      kpis: 1,
      monthly: 1,
      breakdowns: 1,
    });
    // Choosing another tag group changes the tag breakdown only.
    expect(await loadsDuring(() => renderPage(f({ tagGroup: "96000000-0000-4000-8000-0000000000c2" })))).toEqual({});
  });

  it("new data (a new data version) runs everything again and shows it", async () => {
    const old = (await dashboardScope(A, f(), NOW))!;
    const before = await renderPage(f(), old);
    await seedEntries(tdb.prisma, A, "DKK", [{ performedAt: "2026-11-14T10:00:00Z", billMinors: 500_000 }]);
    // A request that read the version before the write still gets its (consistent) cached figures …
    expect(await loadsDuring(() => renderPage(f(), old))).toEqual({});
    // … and the next request reads the new version and the new figures.
    let after: Awaited<ReturnType<typeof renderPage>> | undefined;
    const loads = await loadsDuring(async () => (after = await renderPage(f())));
    expect(loads).toMatchObject({ kpis: 1, monthly: 1, "filter-options": 1, breakdowns: 1 });
    expect(after!.current.total).toBe(before.current.total + 500_000n);
  });

  it("keys on every field of the scope (a visibility setting added to it is respected)", async () => {
    const s = (await dashboardScope(A, f(), NOW))!;
    await fetchKpis(s, f());
    const narrowed = { ...s, visibleFrom: "2026-11-10" } as DashboardScope;
    expect(await loadsDuring(() => fetchKpis(narrowed, f()))).toEqual({ kpis: 1 });
    expect(await loadsDuring(() => fetchKpis(s, f()))).toEqual({});
  });

  it("DASHBOARD_CACHE=off runs every read every time", async () => {
    configurePortal("http://127.0.0.1:9", { DASHBOARD_CACHE: "off" });
    await renderPage(f());
    // (Within a server request the widgets still share their reads: React's per-request cache.)
    const loads = await loadsDuring(() => renderPage(f({ page: 2 })));
    for (const widget of ["kpis", "monthly", "breakdowns", "filter-options"]) {
      expect(loads[widget], widget).toBeGreaterThanOrEqual(1);
    }
  });
});

describe("cachedRead's own bookkeeping", () => {
  /** A read of widget "w" for `deps`, counted in the stats; resolves to what `value` returns. */
  const read = <T>(scope: DashboardScope, deps: unknown, value: () => Promise<T>) =>
    cachedRead("w", scope, deps, value);
  const loads = () => widgetCacheStats().loads.w ?? 0;

  it("identical concurrent reads share one load; each later one is a counted hit", async () => {
    const s = (await dashboardScope(A, f(), NOW))!;
    const [a, b] = await Promise.all([read(s, 1, async () => ({ n: 1 })), read(s, 1, async () => ({ n: 2 }))]);
    expect(b).toBe(a);
    expect(a).toEqual({ n: 1 });
    expect(await read(s, 1, async () => ({ n: 3 }))).toBe(a);
    expect(widgetCacheStats()).toEqual({ loads: { w: 1 }, hits: 2, size: 1 });
  });

  it("the period and the clock are not part of the key (the reads name what they depend on)", async () => {
    const s = (await dashboardScope(A, f(), NOW))!;
    const other = (await dashboardScope(A, f({ period: "last-month" }), new Date(NOW.getTime() + 86_400_000)))!;
    expect(other.period).not.toEqual(s.period);
    await read(s, "same", async () => 1);
    expect(await read(other, "same", async () => 2)).toBe(1);
    expect(loads()).toBe(1);
  });

  it("a failed read is not kept: the next call loads again and its result is served", async () => {
    const s = (await dashboardScope(A, f(), NOW))!;
    await expect(read(s, "k", () => Promise.reject(new Error("database went away")))).rejects.toThrow("went away");
    expect(await read(s, "k", async () => "second")).toBe("second");
    expect(await read(s, "k", async () => "third")).toBe("second");
    expect(loads()).toBe(2);
  });

  it("keeps at most 2000 entries, dropping the least recently used; a hit makes an entry recent", async () => {
    const s = (await dashboardScope(A, f(), NOW))!;
    for (let i = 0; i < 2000; i++) await read(s, i, async () => i);
    expect(widgetCacheStats().size).toBe(2000);
    // Entry 0 is used again, so entry 1 is now the oldest and goes when entry 2000 comes in.
    expect(await read(s, 0, async () => -1)).toBe(0);
    await read(s, 2000, async () => 2000);
    expect(widgetCacheStats().size).toBe(2000);
    expect(loads()).toBe(2001);
    expect(await read(s, 0, async () => -1)).toBe(0);
    expect(await read(s, 2000, async () => -1)).toBe(2000);
    expect(loads()).toBe(2001);
    expect(await read(s, 1, async () => -1)).toBe(-1);
    expect(loads()).toBe(2002);
  });

  it("a read that fails after its entry was evicted leaves the newer entry for its key alone", async () => {
    const s = (await dashboardScope(A, f(), NOW))!;
    let fail!: (err: Error) => void;
    const stale = read(s, "k", () => new Promise<string>((_, reject) => (fail = reject)));
    for (let i = 0; i < 2000; i++) await read(s, i, async () => i);
    expect(await read(s, "k", async () => "fresh")).toBe("fresh");
    fail(new Error("late failure"));
    await expect(stale).rejects.toThrow("late failure");
    expect(await read(s, "k", async () => "again")).toBe("fresh");
  });

  it("clearWidgetCache forgets the entries and the counts", async () => {
    const s = (await dashboardScope(A, f(), NOW))!;
    await read(s, "k", async () => "before");
    await read(s, "k", async () => "before");
    clearWidgetCache();
    expect(widgetCacheStats()).toEqual({ loads: {}, hits: 0, size: 0 });
    expect(await read(s, "k", async () => "after")).toBe("after");
  });
});
