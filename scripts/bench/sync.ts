/**
 * `npm run bench:sync` — backfill throughput of the sync engine: 20,000 entries (BENCH_ENTRIES to
 * change) from the sandbox into a fresh database, through the real path (Pleo client with the DB token
 * manager → runSync → batch page writes), on PGlite (a data directory, as the portal runs it) and, when
 * TEST_DATABASE_URL is set, PostgreSQL.
 *
 *   limit on  – the sandbox enforces Pleo's 600 requests/minute and the client's limiter is set to the
 *               same 600/min, so the ceiling is 600 × 100 entries per minute = 1,000 entries/s (the
 *               "limit-bound rate"); target ≥ 90 % of it with zero 429s. The limiter is the portal's:
 *               the request budget shared through the database (lib/pleo/rate-budget.ts); the
 *               "in-process" row is the same bucket in this process's memory (the design before the
 *               budget was shared), for comparison in the same run.
 *   limit off – no limit anywhere: the raw ingest rate (fetch + validate + write), the baseline that
 *               shows how much headroom the write path has under the limit-bound rate.
 * Each run's result is checked against the sandbox (count + checksum of live entries).
 *
 * The sandbox runs as its own process, as Pleo is a remote service: in one process its request
 * handling would compete with the portal's for the same JavaScript thread and skew the figures.
 * BENCH_SANDBOX=inprocess runs it in-process instead.
 */
import os from "node:os";
import { Writable } from "node:stream";
import { createLogger } from "@/lib/log";
import { createPleoClient } from "@/lib/pleo/client";
import { createRateLimiter, unlimited, type RateLimiter } from "@/lib/pleo/limiter";
import { createSharedRateLimiter } from "@/lib/pleo/rate-budget";
import { runSync } from "@/lib/sync/run";
import { localEntrySummary } from "@/lib/sync/verify";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { startSandboxProcess, startTestSandbox } from "@/tests/support/sandbox";
import { createWorld, type World } from "@/tests/support/world";

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 20_000);
const LIMIT_PER_MINUTE = 600;
const LIMIT_BOUND_ENTRIES_PER_S = (LIMIT_PER_MINUTE / 60) * 100;

type Limit = "on" | "on, in-process" | "off";

type Row = {
  db: string;
  limit: Limit;
  entries: number;
  seconds: number;
  entriesPerS: number;
  requests: number;
  requestsPerMin: number;
  rateLimited: number;
  failureLogs: number;
  equal: boolean;
};

/** A logger that counts lines a human would read as trouble (429s, failed requests or runs). */
function countingLogger() {
  let failures = 0;
  let rateLimited = 0;
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split("\n").filter(Boolean)) {
        const l = JSON.parse(line) as { level: number; outcome?: string; msg?: string };
        if (l.outcome === "rate_limited") rateLimited++;
        if (l.level >= 40) failures++;
      }
      cb();
    },
  });
  return { logger: createLogger({ level: "info", destination: stream }), counts: () => ({ failures, rateLimited }) };
}

async function benchOnce(kind: "pglite" | "postgres", limit: Limit): Promise<Row> {
  const sandboxOptions = { entries: ENTRIES, rateLimit: limit !== "off" };
  const sandbox =
    process.env.BENCH_SANDBOX === "inprocess"
      ? await startTestSandbox(sandboxOptions)
      : await startSandboxProcess(sandboxOptions);
  try {
    const world = await createWorld({
      // PGlite in a data directory, as the portal runs it.
      database: kind === "pglite" ? "pglite-dir" : "postgres",
      sandbox,
      companies: [LARGE_COMPANY_ID],
      env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" },
    });
    try {
      return await backfill(world, kind, limit);
    } finally {
      await world.close();
    }
  } finally {
    await sandbox.close();
  }
}

function limiterFor(world: World, limit: Limit): RateLimiter {
  if (limit === "off") return unlimited;
  if (limit === "on, in-process") return createRateLimiter({ perMinute: LIMIT_PER_MINUTE });
  return createSharedRateLimiter({ companyId: LARGE_COMPANY_ID, perMinute: LIMIT_PER_MINUTE, sql: world.prisma });
}

async function backfill(world: World, kind: "pglite" | "postgres", limit: Limit): Promise<Row> {
  const { logger, counts } = countingLogger();
  const tokens = world.tokenManager({ logger });
  const source = createPleoClient({
    apiUrl: world.sandbox.url,
    companyId: LARGE_COMPANY_ID,
    tokens: {
      get: () => tokens.getAccessToken(LARGE_COMPANY_ID),
      forceRefresh: (rejectedToken) => tokens.getAccessToken(LARGE_COMPANY_ID, { forceRefresh: true, rejectedToken }),
    },
    limiter: limiterFor(world, limit),
    logger,
  });
  const before = await world.sandbox.control.stats();
  const started = performance.now();
  const result = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "connect", source, logger });
  const seconds = (performance.now() - started) / 1000;
  const after = await world.sandbox.control.stats();
  if (!result.started || result.status !== "succeeded")
    throw new Error(`backfill did not succeed: ${JSON.stringify(result)}`);

  const remote = await world.sandbox.control.summary(LARGE_COMPANY_ID);
  const local = await localEntrySummary(world.prisma, LARGE_COMPANY_ID);
  const requests = after.apiRequests - before.apiRequests;
  const c = counts();
  return {
    db: kind === "pglite" ? "PGlite (data dir)" : "PostgreSQL",
    limit,
    entries: result.entries,
    seconds,
    entriesPerS: result.entries / seconds,
    requests,
    requestsPerMin: (requests / seconds) * 60,
    rateLimited: after.rateLimited - before.rateLimited + c.rateLimited,
    failureLogs: c.failures,
    equal: local.count === remote.count && local.checksum === remote.checksum,
  };
}

const kinds: Array<"pglite" | "postgres"> = [
  "pglite",
  ...(process.env.TEST_DATABASE_URL ? (["postgres"] as const) : []),
];
if (!process.env.TEST_DATABASE_URL) console.log("TEST_DATABASE_URL not set: PostgreSQL rows skipped.");
console.log(
  `Backfill of ${ENTRIES.toLocaleString("en")} entries (pages of 100); limit-bound rate = ${LIMIT_PER_MINUTE} req/min × 100 = ${LIMIT_BOUND_ENTRIES_PER_S.toLocaleString("en")} entries/s\n`,
);

// Throughput here is CPU-bound on the portal side (validation, batch writes, PGlite's WASM engine):
// figures from a machine busy with other work understate it, so the load is printed with them.
const load = () => os.loadavg()[0].toFixed(1);
const cpus = os.cpus().length;
console.log(
  `CPU load average (1 min) at start: ${load()} on ${cpus} CPUs${os.loadavg()[0] > cpus ? " — machine busy, figures will be low and noisy" : ""}\n`,
);

const rows: Row[] = [];
for (const kind of kinds) {
  for (const limit of ["on", "on, in-process", "off"] as const) {
    const row = await benchOnce(kind, limit);
    rows.push(row);
    console.log(`  done: ${row.db}, limit ${row.limit}: ${row.entriesPerS.toFixed(0)} entries/s`);
  }
}

const header = [
  "database",
  "limit (client budget)",
  "entries",
  "seconds",
  "entries/s",
  "vs limit-bound",
  "requests",
  "req/min",
  "429s",
  "warn/error logs",
  "equals sandbox",
];
const table = rows.map((r) => [
  r.db,
  r.limit,
  r.entries.toLocaleString("en"),
  r.seconds.toFixed(1),
  r.entriesPerS.toFixed(0),
  r.limit !== "off"
    ? `${((r.entriesPerS / LIMIT_BOUND_ENTRIES_PER_S) * 100).toFixed(1)} %`
    : `${(r.entriesPerS / LIMIT_BOUND_ENTRIES_PER_S).toFixed(1)}× (raw)`,
  String(r.requests),
  r.requestsPerMin.toFixed(0),
  String(r.rateLimited),
  String(r.failureLogs),
  r.equal ? "yes" : "NO",
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
console.log(`\nCPU load average (1 min) at end: ${load()} on ${cpus} CPUs`);
console.log(`\n${line(header)}\n|${widths.map((w) => "-".repeat(w + 2)).join("|")}|\n${table.map(line).join("\n")}`);

const bad = rows.filter(
  (r) => !r.equal || (r.limit !== "off" && (r.rateLimited > 0 || r.entriesPerS < 0.9 * LIMIT_BOUND_ENTRIES_PER_S)),
);
if (bad.length > 0) {
  console.log(`\nBelow target or not equal to the sandbox: ${bad.map((r) => `${r.db}/limit ${r.limit}`).join(", ")}`);
  process.exitCode = 1;
}
