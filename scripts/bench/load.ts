/**
 * `npm run bench:load` — signed-in pages under load, one instance against two on the same machine:
 * autocannon with 50 concurrent connections for 30 s per page (BENCH_CONNECTIONS, BENCH_SECONDS)
 * against the production install (<distDir>/standalone, built first if missing) on PostgreSQL
 * (TEST_DATABASE_URL: a fresh database is created and dropped) holding 100,000 synced entries
 * (BENCH_ENTRIES), filled through the real sync from the sandbox.
 *
 * Pages: the dashboard (this month), a filtered table page (last 12 months, the top category, by
 * amount, page 3) and the CSV export of the dashboard's view. Each setup is behind the round-robin
 * proxy of `npm run cluster` (one backend, then two), so both pay the same extra hop. Instances run
 * with BACKGROUND_JOBS=off: no sync competes with the pages. Every page is fetched once before it is
 * measured and checked for real content (a redirect to sign-in or an error page must not be timed).
 *
 * Prints requests/s, latency p50 / p99, errors (connection errors and timeouts), non-2xx answers and
 * the machine's load average for each run, side by side. On a 2-core machine the instances, the
 * proxy, PostgreSQL and autocannon share the same cores: two instances need not be faster.
 */
import os from "node:os";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import autocannon from "autocannon";
import { createPleoClient } from "@/lib/pleo/client";
import { runSync } from "@/lib/sync/run";
import { sessionKey } from "@/lib/sessions";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { startRoundRobinProxy } from "@/scripts/cluster/round-robin-proxy";
import { portalEnv, UNLIMITED } from "@/tests/support/portal-env";
import { freePort, ROOT, standaloneDir, startPortalProcess, type PortalProcess } from "@/tests/support/portal-process";
import { startTestSandbox } from "@/tests/support/sandbox";
import { createWorld } from "@/tests/support/world";

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 100_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const COMPANY = LARGE_COMPANY_ID;

type Page = { name: string; path: string; check: (body: string, type: string) => string | null };
type Result = {
  page: string;
  instances: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: number;
  load: string;
};

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");

function ensureBuild(): string {
  const dir = standaloneDir();
  if (existsSync(`${dir}/server.js`) && existsSync(`${dir}/migrate.mjs`)) return dir;
  console.log("No production install in the build directory: running `npm run build` first…");
  const r = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status})`);
  return dir;
}

async function measure(url: string, cookie: string): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    timeout: 30,
    headers: { cookie, "accept-language": "en-GB" },
  });
}

async function main() {
  if (!process.env.TEST_DATABASE_URL) {
    console.error(
      "bench:load runs on PostgreSQL (several instances share one database): set TEST_DATABASE_URL, e.g. " +
        "postgresql://user:password@127.0.0.1:5432/postgres (a database is created and dropped).",
    );
    process.exit(1);
  }
  const dir = ensureBuild();
  console.log(`Starting the sandbox with ${ENTRIES.toLocaleString("en")} entries for the large company…`);
  const sandbox = await startTestSandbox({ entries: ENTRIES, rateLimit: false });
  const world = await createWorld({ database: "postgres", sandbox, env: { LOG_LEVEL: "warn" } });
  const instances: PortalProcess[] = [];
  let proxy: Awaited<ReturnType<typeof startRoundRobinProxy>> | undefined;
  try {
    const tokens = await world.connect(COMPANY);
    const source = createPleoClient({
      apiUrl: sandbox.url,
      companyId: COMPANY,
      tokens: { get: async () => tokens.access_token, forceRefresh: async () => tokens.access_token },
    });
    const t0 = performance.now();
    const sync = await runSync({ companyId: COMPANY, trigger: "connect", source });
    if (!sync.started || sync.status !== "succeeded") throw new Error(`fill failed: ${JSON.stringify(sync)}`);
    const prisma = world.prisma;
    const stored = await prisma.accountingEntry.count({ where: { companyId: COMPANY } });
    console.log(`Synced ${stored.toLocaleString("en")} entries in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    await prisma.$executeRawUnsafe("ANALYZE");

    const conn = await prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: COMPANY } });
    const company = await prisma.pleoCompany.findUniqueOrThrow({ where: { id: COMPANY } });
    const [top] = await prisma.accountingEntry.groupBy({
      by: ["accountId"],
      where: { companyId: COMPANY, accountId: { not: null } },
      _count: true,
      orderBy: { _count: { accountId: "desc" } },
      take: 1,
    });
    const sessionToken = randomBytes(32).toString("base64url");
    await prisma.session.create({
      data: {
        sessionToken: sessionKey(sessionToken),
        userId: conn.userId,
        expires: new Date(Date.now() + 86_400_000),
        companyIds: [COMPANY],
      },
    });
    const cookie = `authjs.session-token=${sessionToken}`;
    const name = company.name.replace(/&/g, "&amp;");
    const isPage = (body: string, type: string) =>
      !type.includes("text/html")
        ? `content-type ${type}`
        : !body.includes(name)
          ? "company name missing"
          : !/<tbody[^>]*><tr/.test(body)
            ? "no table row"
            : null;
    const pages: Page[] = [
      { name: "/dashboard (this month)", path: `/dashboard?company=${COMPANY}`, check: isPage },
      {
        name: "table: last 12 months, top category, by amount, page 3",
        path: `/dashboard?company=${COMPANY}&period=last-12-months&category=${top.accountId}&sort=amount&dir=desc&page=3`,
        check: isPage,
      },
      {
        name: "CSV export (this month)",
        path: `/dashboard/export?company=${COMPANY}`,
        check: (body, type) =>
          !type.includes("text/csv") ? `content-type ${type}` : body.split("\n").length < 10 ? "too few rows" : null,
      },
    ];

    const results: Result[] = [];
    // The export's per-session limit would turn the load into 429s: this measures throughput.
    const env = portalEnv(sandbox.url, {
      ...UNLIMITED,
      DATABASE_URL: world.database.url!,
      BACKGROUND_JOBS: "off",
      LOG_LEVEL: "warn",
    });
    for (const count of [1, 2]) {
      while (instances.length < count) {
        const port = await freePort();
        instances.push(await startPortalProcess({ dir, port, env: { ...env, AUTH_URL: `http://127.0.0.1:${port}` } }));
      }
      await proxy?.close();
      proxy = await startRoundRobinProxy({ port: 0, backends: instances.map((i) => i.url) });
      for (const page of pages) {
        const url = `${proxy.url}${page.path}`;
        // Warm every instance and check what it serves.
        for (let k = 0; k < count * 2; k++) {
          const res = await fetch(url, { headers: { cookie }, redirect: "manual" });
          const problem =
            res.status !== 200
              ? `HTTP ${res.status} ${res.headers.get("location") ?? ""}`
              : page.check(await res.text(), res.headers.get("content-type") ?? "");
          if (problem) throw new Error(`GET ${page.path}: ${problem}`);
        }
        const before = load();
        const r = await measure(url, cookie);
        results.push({
          page: page.name,
          instances: count,
          rps: r.requests.average,
          p50: r.latency.p50,
          p99: r.latency.p99,
          errors: r.errors,
          timeouts: r.timeouts,
          non2xx: r.non2xx,
          requests: r.requests.total,
          load: `${before} → ${load()}`,
        });
        console.log(
          `  ${count} instance(s), ${page.name}: ${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, errors ${r.errors}, non-2xx ${r.non2xx}`,
        );
      }
    }

    console.log(
      `\nLoad benchmark: ${ENTRIES.toLocaleString("en")} entries on PostgreSQL, ${CONNECTIONS} connections × ${SECONDS} s per page, ` +
        `through a round-robin proxy; Node ${process.version}, ${os.cpus().length} CPUs (instances, proxy, PostgreSQL and autocannon share them)\n`,
    );
    const header = [
      "page",
      "instances",
      "req/s",
      "p50 ms",
      "p99 ms",
      "errors (timeouts)",
      "non-2xx",
      "requests",
      "load avg 1/5/15 min (before → after)",
    ];
    console.log(`| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`);
    for (const r of results) {
      console.log(
        `| ${[r.page, r.instances, r.rps.toFixed(1), r.p50, r.p99, `${r.errors} (${r.timeouts})`, r.non2xx, r.requests, r.load].join(" | ")} |`,
      );
    }
    const side = pages.map((p) => {
      const [one, two] = [1, 2].map((n) => results.find((r) => r.page === p.name && r.instances === n)!);
      return `${p.name}: two instances ${(two.rps / one.rps).toFixed(2)}× the requests/s of one, p99 ${two.p99} vs ${one.p99} ms`;
    });
    console.log(`\n${side.join("\n")}`);
    const bad = results.filter((r) => r.errors > 0 || r.non2xx > 0);
    if (bad.length > 0) {
      console.log(`\nNot clean (errors or non-2xx): ${bad.map((r) => `${r.page} × ${r.instances}`).join(", ")}`);
      process.exitCode = 1;
    }
  } finally {
    await proxy?.close();
    await Promise.all(instances.map((i) => i.stop()));
    await world.close();
    await sandbox.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
