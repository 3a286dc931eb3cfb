/**
 * `npm run bench:dashboard` — how fast the expense dashboard answers, on a company with 100,000
 * synced entries (BENCH_ENTRIES to change), on PGlite and (with TEST_DATABASE_URL) PostgreSQL.
 *
 * What is measured, per view, as p50/p95 over repeated requests:
 *   ours  – the server-side work of the page: every read the page's widgets issue, run concurrently as
 *           their Suspense boundaries do, through the real data module (Prisma + driver adapter).
 *           React rendering and HTTP are not included (they do not depend on the data size).
 *   floor – the same SQL statements sent straight to the driver (PGlite.query / pg.Pool), no Prisma.
 *   live  – the naive design: the same view computed on each request by calling the sandbox's
 *           External API through our Pleo client (paging the search, aggregating in JS). Rate limit
 *           off, so this is the live design's best case.
 *   http  – the server response time: GET of the view's URL from the production install (`node
 *           server.js` of `npm run build`'s standalone output; built here if missing) on the same database,
 *           signed in with a database session, full streamed HTML body read. Includes auth, every read,
 *           React rendering and HTTP on localhost. Background jobs off, so no sync runs meanwhile.
 * Data is filled through the real sync engine (sandbox → Pleo client → runSync → database).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { listConnectionsForViewer } from "@/lib/connections/queries";
import { setDatabaseForProcess } from "@/lib/db";
import {
  fetchBreakdown,
  fetchCompanyCurrency,
  fetchEntriesPage,
  fetchFilterOptions,
  fetchKpis,
  fetchMonthlySpend,
  type DashboardScope,
} from "@/lib/expenses/data";
import { isSpend } from "@/lib/expenses/definitions";
import { DEFAULT_FILTERS, hrefFor, PAGE_SIZE, periodOf, type ExpenseFilters } from "@/lib/expenses/filters";
import { last12Months } from "@/lib/expenses/period";
import {
  breakdownQuery,
  kpiQuery,
  monthlySpendQuery,
  tableCountQuery,
  tablePageQuery,
  type Sql,
} from "@/lib/expenses/sql";
import { createPleoClient, type PleoClient } from "@/lib/pleo/client";
import { collectAll, paginate } from "@/lib/pleo/paginate";
import type { AccountingEntry, AccountingEntrySearch } from "@/lib/pleo/types";
import { getSyncProgress } from "@/lib/sync/progress";
import { runSync } from "@/lib/sync/run";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { portalEnv } from "@/tests/support/portal-env";
import { freePort, ROOT, standaloneDir, startPortalProcess } from "@/tests/support/portal-process";
import { startTestSandbox } from "@/tests/support/sandbox";
import { createWorld } from "@/tests/support/world";

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 100_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 30);
const LIVE_SAMPLES = Number(process.env.BENCH_LIVE_SAMPLES ?? 3);
const HTTP_SAMPLES = Number(process.env.BENCH_HTTP_SAMPLES ?? SAMPLES);
const HTTP_WARMUP = 5;
const COMPANY = LARGE_COMPANY_ID;

type Stats = { p50: number; p95: number; n: number };
type ViewDef = {
  name: string;
  filters: ExpenseFilters;
  ours: (scope: DashboardScope) => Promise<unknown>;
  sql: (scope: DashboardScope) => Sql[];
  live: (client: PleoClient, scope: DashboardScope) => Promise<unknown>;
};

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

async function measure(n: number, fn: () => Promise<unknown>, warmup = 2): Promise<Stats> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p95: quantile(times, 0.95), n };
}

// ---- the live design: everything from the API on each request ------------------------------------

async function liveEntries(
  client: PleoClient,
  q: Omit<AccountingEntrySearch, "companyId" | "after">,
): Promise<AccountingEntry[]> {
  const out: AccountingEntry[] = [];
  for await (const page of paginate((after) => client.searchAccountingEntries({ ...q, after, limit: 100 })))
    out.push(...page.items);
  return out;
}

const spendOf = (e: AccountingEntry) => isSpend({ family: e.family, status: e.status, deletedAt: e.deletedAt });
const bill = (e: AccountingEntry) => e.totalBillValue?.minors ?? 0n;

function groupTotals(entries: AccountingEntry[], key: (e: AccountingEntry) => string | null) {
  const m = new Map<string | null, bigint>();
  for (const e of entries) m.set(key(e), (m.get(key(e)) ?? 0n) + bill(e));
  return [...m].sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : 0));
}

function tablePage(entries: AccountingEntry[], f: ExpenseFilters) {
  const dir = f.dir === "asc" ? 1 : -1;
  const sorted = [...entries].sort((a, b) =>
    f.sort === "amount"
      ? bill(a) > bill(b)
        ? dir
        : bill(a) < bill(b)
          ? -dir
          : 0
      : (a.performedAt.getTime() - b.performedAt.getTime()) * dir,
  );
  return { total: sorted.length, rows: sorted.slice((f.page - 1) * PAGE_SIZE, f.page * PAGE_SIZE) };
}

async function liveDashboard(client: PleoClient, scope: DashboardScope) {
  const months = last12Months(scope.now);
  const { current, previous } = scope.period;
  const [entries, employees, accounts, teams] = await Promise.all([
    liveEntries(client, { performedAtStart: months[0].start, performedAtEnd: months[11].end }),
    collectAll((after) => client.listEmployees({ after })),
    collectAll((after) => client.listAccounts({ after })),
    collectAll((after) => client.listTeams({ after })),
  ]);
  const inRange = (e: AccountingEntry, r: { start: Date; end: Date }) =>
    e.performedAt >= r.start && e.performedAt < r.end;
  const cur = entries.filter((e) => inRange(e, current!));
  const spend = cur.filter(spendOf);
  const prevSpend = entries.filter((e) => inRange(e, previous!) && spendOf(e));
  return {
    kpis: [spend, prevSpend].map((xs) => ({ total: xs.reduce((s, e) => s + bill(e), 0n), count: xs.length })),
    monthly: months.map((m) => entries.filter((e) => spendOf(e) && inRange(e, m)).reduce((s, e) => s + bill(e), 0n)),
    byCategory: groupTotals(spend, (e) => e.accountId),
    byTeam: groupTotals(spend, (e) => e.teamId),
    byEmployee: groupTotals(spend, (e) => e.employeeId).slice(0, 10),
    byFamily: groupTotals(spend, (e) => e.family),
    table: tablePage(cur, DEFAULT_FILTERS),
    names: employees.length + accounts.length + teams.length,
  };
}

// ---- the production server: the standalone install on the bench's database ---------------------------

type Portal = { url: string; stop(): Promise<void> };

/** The production install (`npm run build`, built here if missing) with playwright.config.ts's portal env, on the bench's database. */
async function startPortal(db: { PGLITE_DIR?: string; DATABASE_URL?: string }, sandboxUrl: string): Promise<Portal> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return startPortalProcess({
    dir: standaloneDir(),
    port,
    env: {
      AUTH_URL: url,
      // The test secrets: the seeded connection's tokens were sealed with them in this process.
      ...portalEnv(sandboxUrl),
      ...(db.DATABASE_URL ? { DATABASE_URL: db.DATABASE_URL } : { PGLITE_DIR: db.PGLITE_DIR! }),
      BACKGROUND_JOBS: "off",
      LOG_LEVEL: "warn",
    },
  });
}

function ensureBuild(): void {
  const dir = standaloneDir();
  if (existsSync(path.join(dir, "server.js")) && existsSync(path.join(dir, "migrate.mjs"))) return;
  console.log("No production install (standalone/server.js missing): running `npm run build` first…");
  const r = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status})`);
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/'/g, "&#x27;").replace(/"/g, "&quot;");

/** One GET as a signed-in browser would do it; the whole streamed body is read before the clock stops. */
async function getView(url: string, cookie: string, expect: { companyName: string; total: number }): Promise<void> {
  const res = await fetch(url, { headers: { cookie, "accept-language": "en-US" }, redirect: "manual" });
  const html = await res.text();
  const summary = `data-testid="table-summary">${expect.total.toLocaleString("en-US")} ${expect.total === 1 ? "entry" : "entries"}`;
  // Real content or a loud failure: a redirect to sign-in, an error page or an empty view must not be timed.
  if (res.status !== 200)
    throw new Error(`GET ${url} → ${res.status} ${res.headers.get("location") ?? ""}\n${html.slice(0, 500)}`);
  if (!html.includes(escapeHtml(expect.companyName))) throw new Error(`GET ${url}: company name missing from the page`);
  if (!html.includes(summary))
    throw new Error(`GET ${url}: table summary "${summary}" missing (sync not visible to the server?)`);
  if (!/<tbody[^>]*><tr/.test(html)) throw new Error(`GET ${url}: no table row in the page`);
}

// ---- views -------------------------------------------------------------------------------------------

function dashboardSql(scope: DashboardScope, f: ExpenseFilters, userId: string): Sql[] {
  const months = last12Months(scope.now);
  const { current, previous } = scope.period;
  return [
    rawSql`SELECT c."companyId", c.status, p.name, p.currency FROM "PleoConnection" c JOIN "PleoCompany" p ON p.id = c."companyId" WHERE c."userId" = ${userId} ORDER BY p.name`,
    rawSql`SELECT * FROM "SyncState" WHERE "companyId" = ${scope.companyId}::uuid`,
    rawSql`SELECT kind, status, "startedAt" FROM "SyncRun" WHERE "companyId" = ${scope.companyId}::uuid ORDER BY "startedAt" DESC LIMIT 1`,
    rawSql`SELECT id, "firstName", "lastName" FROM "Employee" WHERE "companyId" = ${scope.companyId}::uuid ORDER BY "firstName", "lastName"`,
    rawSql`SELECT id, name FROM "Team" WHERE "companyId" = ${scope.companyId}::uuid ORDER BY name`,
    rawSql`SELECT id, name, code FROM "LedgerAccount" WHERE "companyId" = ${scope.companyId}::uuid ORDER BY code, name`,
    kpiQuery(scope.companyId, f, current, previous),
    monthlySpendQuery(scope.companyId, f, { start: months[0].start, end: months[11].end }, scope.currency),
    ...(["category", "team", "employee", "family"] as const).map((d) =>
      breakdownQuery(scope.companyId, f, current, scope.currency, d),
    ),
    tablePageQuery(scope.companyId, f, current, PAGE_SIZE, 0),
    tableCountQuery(scope.companyId, f, current),
  ];
}

let rawSql: (s: TemplateStringsArray, ...v: unknown[]) => Sql;

async function main() {
  const { Prisma } = await import("@/lib/generated/prisma/client");
  rawSql = (s, ...v) => Prisma.sql(s, ...v);

  console.log(`Starting the sandbox with ${ENTRIES.toLocaleString("en")} entries for the large company…`);
  // One sandbox for both databases (seeding it takes a while); each world resets it to its seed.
  const sandbox = await startTestSandbox({ entries: ENTRIES, rateLimit: false });

  const kinds: ("pglite" | "postgres")[] = [
    "pglite",
    ...(process.env.TEST_DATABASE_URL ? (["postgres"] as const) : []),
  ];
  if (!process.env.TEST_DATABASE_URL) console.log("TEST_DATABASE_URL not set: PostgreSQL columns are skipped.");
  const results: Record<string, Record<string, Stats>> = {};
  let liveResults: Record<string, Stats> | null = null;
  let views: ViewDef[] = [];
  ensureBuild();

  for (const kind of kinds) {
    const world = await createWorld({
      // On disk, not in memory: the server process opens the same directory after this process closed it.
      database: kind === "pglite" ? "pglite-dir" : "postgres",
      sandbox,
      env: { LOG_LEVEL: "warn" },
    });
    const database = world.database;
    const serverDb = kind === "pglite" ? { PGLITE_DIR: database.dir } : { DATABASE_URL: database.url };
    let floorRun: (q: Sql) => Promise<unknown>;
    let floorParallel: boolean;
    let closeFloor = async () => {};
    if (database.pglite) {
      const pglite = database.pglite;
      floorRun = (q) => pglite.query(q.text, q.values as unknown[]);
      floorParallel = false; // one connection: the driver queues them anyway
    } else {
      const pool = new pg.Pool({ connectionString: database.url, max: 10 });
      floorRun = (q) => pool.query(q.text, q.values as unknown[]);
      floorParallel = true;
      closeFloor = () => pool.end();
    }
    const tokens = await world.connect(COMPANY);
    const conn = await database.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: COMPANY } });

    // The sync's own source without a client-side limiter (sandbox limit off): fill as fast as possible.
    const source = createPleoClient({
      apiUrl: sandbox.url,
      companyId: COMPANY,
      tokens: { get: async () => tokens.access_token, forceRefresh: async () => tokens.access_token },
    });
    const t0 = performance.now();
    const sync = await runSync({ companyId: COMPANY, trigger: "connect", source });
    const fillSeconds = (performance.now() - t0) / 1000;
    const stored = await database.prisma.accountingEntry.count({ where: { companyId: COMPANY } });
    console.log(
      `[${kind}] synced ${stored.toLocaleString("en")} entries in ${fillSeconds.toFixed(1)} s (${JSON.stringify({ status: sync.started && sync.status })})`,
    );
    // Fresh planner statistics, as autovacuum would have them on PostgreSQL (PGlite has no autovacuum).
    await database.prisma.$executeRawUnsafe("ANALYZE");

    const now = new Date();
    const currency = (await fetchCompanyCurrency(COMPANY)) ?? "DKK";
    const topAccount = await database.prisma.accountingEntry.groupBy({
      by: ["accountId"],
      where: { companyId: COMPANY, accountId: { not: null } },
      _count: true,
      orderBy: { _count: { accountId: "desc" } },
      take: 1,
    });
    const someEmployee = await database.prisma.employee.findFirstOrThrow({
      where: { companyId: COMPANY },
      orderBy: { id: "asc" },
    });
    const scopeOf = (f: ExpenseFilters): DashboardScope => ({
      companyId: COMPANY,
      currency,
      now,
      period: periodOf(f, now),
    });

    const dashboardFilters = DEFAULT_FILTERS;
    const t1: ExpenseFilters = {
      ...DEFAULT_FILTERS,
      period: "last-12-months",
      category: topAccount[0].accountId!,
      sort: "amount",
      dir: "desc",
      page: 3,
    };
    const t2: ExpenseFilters = { ...DEFAULT_FILTERS, period: "all", q: "coffee" };
    const t3: ExpenseFilters = {
      ...DEFAULT_FILTERS,
      period: "this-year",
      employee: someEmployee.id,
      status: "COMPLETED",
    };
    const tableSql = (f: ExpenseFilters) => (s: DashboardScope) => [
      tablePageQuery(s.companyId, f, s.period.current, PAGE_SIZE, (f.page - 1) * PAGE_SIZE),
      tableCountQuery(s.companyId, f, s.period.current),
    ];
    views = [
      {
        name: "/dashboard (this month: KPIs, 12-month chart, 4 breakdowns, table, filters, sync status)",
        filters: dashboardFilters,
        ours: (s) =>
          Promise.all([
            // The page's connection lookup, for a session scoped to this company.
            listConnectionsForViewer({ userId: conn.userId, companyIds: [COMPANY] }),
            getSyncProgress(COMPANY),
            fetchFilterOptions(COMPANY),
            fetchKpis(s, dashboardFilters),
            fetchMonthlySpend(s, dashboardFilters),
            ...(["category", "team", "employee", "family"] as const).map((d) => fetchBreakdown(s, dashboardFilters, d)),
            fetchEntriesPage(s, dashboardFilters),
          ]),
        sql: (s) => dashboardSql(s, dashboardFilters, conn.userId),
        live: liveDashboard,
      },
      {
        name: "table: last 12 months, top category, by amount, page 3",
        filters: t1,
        ours: (s) => fetchEntriesPage(s, t1),
        sql: tableSql(t1),
        // Our client's search filters by date, family and status only: the category is filtered here.
        live: async (client, s) =>
          tablePage(
            (
              await liveEntries(client, {
                performedAtStart: s.period.current!.start,
                performedAtEnd: s.period.current!.end,
              })
            ).filter((e) => e.accountId === t1.category),
            t1,
          ),
      },
      {
        name: 'table: all time, search "coffee" in note/supplier',
        filters: t2,
        ours: (s) => fetchEntriesPage(s, t2),
        sql: tableSql(t2),
        live: async (client) =>
          tablePage(
            (await liveEntries(client, {})).filter((e) =>
              `${e.note ?? ""} ${e.supplierName ?? ""}`.toLowerCase().includes("coffee"),
            ),
            t2,
          ),
      },
      {
        name: "table: this year, one employee, completed",
        filters: t3,
        ours: (s) => fetchEntriesPage(s, t3),
        sql: tableSql(t3),
        live: async (client, s) =>
          tablePage(
            (
              await liveEntries(client, {
                performedAtStart: s.period.current!.start,
                performedAtEnd: s.period.current!.end,
                status: ["COMPLETED"],
              })
            ).filter((e) => e.employeeId === t3.employee),
            t3,
          ),
      },
    ];

    results[kind] = {};
    for (const v of views) {
      const scope = scopeOf(v.filters);
      const ours = await measure(SAMPLES, () => v.ours(scope));
      const floor = await measure(SAMPLES, async () => {
        const qs = v.sql(scope);
        if (floorParallel) await Promise.all(qs.map(floorRun));
        else for (const q of qs) await floorRun(q);
      });
      results[kind][`${v.name}|ours`] = ours;
      results[kind][`${v.name}|floor`] = floor;
      console.log(
        `[${kind}] ${v.name}: ours p50 ${ours.p50.toFixed(1)} ms p95 ${ours.p95.toFixed(1)} ms; floor p50 ${floor.p50.toFixed(1)} p95 ${floor.p95.toFixed(1)}`,
      );
    }

    if (!liveResults) {
      const client = createPleoClient({
        apiUrl: sandbox.url,
        companyId: COMPANY,
        tokens: { get: async () => tokens.access_token, forceRefresh: async () => tokens.access_token },
      });
      liveResults = {};
      for (const v of views) {
        const scope = scopeOf(v.filters);
        liveResults[v.name] = await measure(LIVE_SAMPLES, () => v.live(client, scope), 1);
        console.log(
          `[live] ${v.name}: p50 ${liveResults[v.name].p50.toFixed(0)} ms p95 ${liveResults[v.name].p95.toFixed(0)} ms`,
        );
      }
    }
    // HTTP: a signed-in session scoped to the company, owned by the connection's user (as a Pleo
    // sign-in creates it, lib/connections/session-scope.ts), then the production server on this database.
    const sessionToken = randomBytes(32).toString("base64url");
    await database.prisma.session.create({
      data: { sessionToken, userId: conn.userId, expires: new Date(Date.now() + 86_400_000), companyIds: [COMPANY] },
    });
    const company = await database.prisma.pleoCompany.findUniqueOrThrow({
      where: { id: COMPANY },
      select: { name: true },
    });
    const expected = new Map<string, number>();
    for (const v of views) expected.set(v.name, (await fetchEntriesPage(scopeOf(v.filters), v.filters)).total);
    setDatabaseForProcess(undefined);
    await closeFloor();
    // PGlite is one process: this one lets go of the directory before the server opens it.
    await database.close();
    const portal = await startPortal(serverDb, sandbox.url);
    try {
      const cookie = `authjs.session-token=${sessionToken}`;
      for (const v of views) {
        const href = `${portal.url}${hrefFor("/dashboard", v.filters, { company: COMPANY })}`;
        const expect = { companyName: company.name, total: expected.get(v.name)! };
        const http = await measure(HTTP_SAMPLES, () => getView(href, cookie, expect), HTTP_WARMUP);
        results[kind][`${v.name}|http`] = http;
        console.log(
          `[${kind}] ${v.name}: HTTP (production server) p50 ${http.p50.toFixed(1)} ms p95 ${http.p95.toFixed(1)} ms`,
        );
      }
    } finally {
      await portal.stop();
      await world.close();
    }
  }
  await sandbox.close();

  // ---- one table ----
  const fmt = (s?: Stats) => (s ? `${s.p50.toFixed(1)} / ${s.p95.toFixed(1)}` : "–");
  const header = [
    "view",
    ...kinds.flatMap((k) => [`${k} HTTP (production server) p50/p95 ms`, `${k} ours`, `${k} SQL floor`]),
    "live (sandbox API)",
    ...kinds.map((k) => `${k}: ×faster than live (p95)`),
    ...kinds.map((k) => `${k}: ours/floor (p50 / p95)`),
    ...kinds.map((k) => `${k}: HTTP p95 ×faster than live / ÷ floor`),
  ];
  const rows = views.map((v) => [
    v.name,
    ...kinds.flatMap((k) => [
      fmt(results[k][`${v.name}|http`]),
      fmt(results[k][`${v.name}|ours`]),
      fmt(results[k][`${v.name}|floor`]),
    ]),
    fmt(liveResults?.[v.name]),
    ...kinds.map((k) => `${(liveResults![v.name].p95 / results[k][`${v.name}|ours`].p95).toFixed(0)}×`),
    ...kinds.map((k) => {
      const ours = results[k][`${v.name}|ours`];
      const floor = results[k][`${v.name}|floor`];
      return `${(ours.p50 / floor.p50).toFixed(2)} / ${(ours.p95 / floor.p95).toFixed(2)}`;
    }),
    ...kinds.map((k) => {
      const http = results[k][`${v.name}|http`];
      return `${(liveResults![v.name].p95 / http.p95).toFixed(0)}× / ${(http.p95 / results[k][`${v.name}|floor`].p95).toFixed(2)}`;
    }),
  ]);
  console.log(
    `\nDashboard benchmark: ${ENTRIES.toLocaleString("en")} entries, ${SAMPLES} samples (live: ${LIVE_SAMPLES}, HTTP: ${HTTP_SAMPLES} after ${HTTP_WARMUP} warm-ups), Node ${process.version}, ${os.cpus().length} CPUs, load average at the end ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}\n`,
  );
  console.log(`| ${header.join(" | ")} |`);
  console.log(`|${header.map(() => "---").join("|")}|`);
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
  console.log(
    "\nTargets (server response time = HTTP column): p95 < 300 ms on PGlite and < 150 ms on PostgreSQL; ≥ 10× faster than live; ≤ 2× the SQL floor.",
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
