/**
 * `npm run bench:sync` — backfill throughput of the sync engine: 20,000 entries (BENCH_ENTRIES to
 * change) from the sandbox into a fresh database, through the real path (Pleo client with the DB token
 * manager → runSync → batch page writes), on PGlite (a data directory, as the portal runs it) and, when
 * TEST_DATABASE_URL is set, PostgreSQL.
 *
 *   limit on  – the sandbox enforces Pleo's 600 requests/minute and the client's limiter is set to the
 *               same 600/min, so the ceiling is 600 × 100 entries per minute = 1,000 entries/s (the
 *               "limit-bound rate"); target ≥ 90 % of it with zero 429s.
 *   limit off – no limit anywhere: the raw ingest rate (fetch + validate + write), the baseline that
 *               shows how much headroom the write path has under the limit-bound rate.
 * Each run's result is checked against the sandbox (count + checksum of live entries).
 *
 * The sandbox runs as its own process, as Pleo is a remote service: in one process its request
 * handling would compete with the portal's for the same JavaScript thread and skew the figures.
 * BENCH_SANDBOX=inprocess runs it in-process instead.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import net from "node:net";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";

process.env.TOKEN_ENCRYPTION_KEYS ??= `bench1:${randomBytes(32).toString("base64url")}`;
process.env.AUTH_SECRET ??= randomBytes(32).toString("base64url");
process.env.LOG_LEVEL ??= "warn";

const { setDatabaseForProcess } = await import("@/lib/db");
const { createDatabase, openPGlite } = await import("@/lib/db/connect");
const { migratePGlite } = await import("@/lib/db/migrate");
const { createLogger } = await import("@/lib/log");
const { createPleoClient } = await import("@/lib/pleo/client");
const { createRateLimiter, unlimited } = await import("@/lib/pleo/limiter");
const { createTokenManager } = await import("@/lib/pleo/token-manager");
const { runSync } = await import("@/lib/sync/run");
const { localEntrySummary } = await import("@/lib/sync/verify");
const { startSandbox } = await import("@/sandbox/server");
const { LARGE_COMPANY_ID } = await import("@/sandbox/seed/fixtures");
const { createTestDatabase } = await import("@/tests/support/db");
const { seedConnection } = await import("@/tests/pleo/support");

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 20_000);
const LIMIT_PER_MINUTE = 600;
const LIMIT_BOUND_ENTRIES_PER_S = (LIMIT_PER_MINUTE / 60) * 100;

type Row = {
  db: string;
  limit: "on" | "off";
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

async function openDatabase(kind: "pglite" | "postgres") {
  if (kind === "postgres") return createTestDatabase("postgres");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-sync-"));
  const pglite = openPGlite(dir);
  await migratePGlite(pglite);
  const db = createDatabase({ kind: "pglite", dir }, pglite);
  return { ...db, drop: async () => (await db.close(), fs.rmSync(dir, { recursive: true, force: true })) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** The sandbox in a separate Node process (`sandbox/main.ts`), like a remote Pleo. */
async function startSandboxProcess(opts: {
  entries: number;
  rateLimit: boolean;
}): Promise<{ url: string; close(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "sandbox/main.ts"], {
    env: {
      ...process.env,
      SANDBOX_PORT: String(port),
      SANDBOX_ENTRIES: String(opts.entries),
      SANDBOX_RATE_LIMIT: opts.rateLimit ? "on" : "off",
      SANDBOX_QUIET: "1",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`sandbox process exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/__sandbox/stats`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 600) throw new Error("sandbox process did not start within 60 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

async function benchOnce(kind: "pglite" | "postgres", limit: boolean): Promise<Row> {
  const sandbox =
    process.env.BENCH_SANDBOX === "inprocess"
      ? await startSandbox({ port: 0, entries: ENTRIES, rateLimit: limit })
      : await startSandboxProcess({ entries: ENTRIES, rateLimit: limit });
  const database = await openDatabase(kind);
  setDatabaseForProcess(database);
  try {
    await seedConnection(database, sandbox.url, LARGE_COMPANY_ID);
    const { logger, counts } = countingLogger();
    const tokens = createTokenManager({
      prisma: database.prisma,
      oauth: { authUrl: sandbox.url, clientId: "sandbox-portal", clientSecret: "sandbox-portal-secret" },
      logger,
    });
    const source = createPleoClient({
      apiUrl: sandbox.url,
      companyId: LARGE_COMPANY_ID,
      tokens: {
        get: () => tokens.getAccessToken(LARGE_COMPANY_ID),
        forceRefresh: (rejectedToken) => tokens.getAccessToken(LARGE_COMPANY_ID, { forceRefresh: true, rejectedToken }),
      },
      limiter: limit ? createRateLimiter({ perMinute: LIMIT_PER_MINUTE }) : unlimited,
      logger,
    });
    const before = (await (await fetch(`${sandbox.url}/__sandbox/stats`)).json()) as {
      apiRequests: number;
      rateLimited: number;
    };
    const started = performance.now();
    const result = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "connect", source, logger });
    const seconds = (performance.now() - started) / 1000;
    const after = (await (await fetch(`${sandbox.url}/__sandbox/stats`)).json()) as {
      apiRequests: number;
      rateLimited: number;
    };
    if (!result.started || result.status !== "succeeded")
      throw new Error(`backfill did not succeed: ${JSON.stringify(result)}`);

    const remote = (await (await fetch(`${sandbox.url}/__sandbox/companies/${LARGE_COMPANY_ID}/summary`)).json()) as {
      count: number;
      checksum: string;
    };
    const local = await localEntrySummary(database.prisma, LARGE_COMPANY_ID);
    const requests = after.apiRequests - before.apiRequests;
    const c = counts();
    return {
      db: kind === "pglite" ? "PGlite (data dir)" : "PostgreSQL",
      limit: limit ? "on" : "off",
      entries: result.entries,
      seconds,
      entriesPerS: result.entries / seconds,
      requests,
      requestsPerMin: (requests / seconds) * 60,
      rateLimited: after.rateLimited - before.rateLimited + c.rateLimited,
      failureLogs: c.failures,
      equal: local.count === remote.count && local.checksum === remote.checksum,
    };
  } finally {
    setDatabaseForProcess(undefined);
    await database.drop();
    await sandbox.close();
  }
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
  for (const limit of [true, false]) {
    const row = await benchOnce(kind, limit);
    rows.push(row);
    console.log(`  done: ${row.db}, limit ${row.limit}: ${row.entriesPerS.toFixed(0)} entries/s`);
  }
}

const header = [
  "database",
  "sandbox limit",
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
  r.limit === "on"
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
  (r) => !r.equal || (r.limit === "on" && (r.rateLimited > 0 || r.entriesPerS < 0.9 * LIMIT_BOUND_ENTRIES_PER_S)),
);
if (bad.length > 0) {
  console.log(`\nBelow target or not equal to the sandbox: ${bad.map((r) => `${r.db}/limit ${r.limit}`).join(", ")}`);
  process.exitCode = 1;
}
