/**
 * `npm run bench:tokens` — what an expired access token costs when 1, 10 or 100 callers want a token
 * at once, and what the single-flight + lock design saves, on PGlite and (with TEST_DATABASE_URL)
 * PostgreSQL. In-process sandbox (rate limit off) over real HTTP; real token manager and database.
 *
 * Scenarios, each run for several rounds with a freshly connected company:
 *   cached   – baseline: the stored token is still valid (no refresh should happen).
 *   ours     – the token expired (sandbox + portal clocks advanced): lib/pleo token manager.
 *   naive    – the same expired token, with no single-flight and no lock: every caller reads the row,
 *              refreshes with the stored refresh token and writes its result (what a straightforward
 *              "refresh if expired" helper does). Pleo's rotation turns that into reuse detections and
 *              a revoked grant.
 * Printed per row: refresh requests per round (from the sandbox's counters), reuse detections, callers
 * that ended without a working token, and p50/p99 time-to-token over all callers of all rounds.
 */
import { randomBytes } from "node:crypto";

process.env.TOKEN_ENCRYPTION_KEYS ??= `bench:${randomBytes(32).toString("base64url")}`;
process.env.AUTH_SECRET ??= randomBytes(32).toString("base64url");

const { decryptToken, encryptToken } = await import("@/lib/crypto");
const { createDatabase, openPGlite } = await import("@/lib/db/connect");
const { migratePGlite, migratePostgres } = await import("@/lib/db/migrate");
const { createLogger } = await import("@/lib/log");
const { refreshTokenGrant } = await import("@/lib/pleo/oauth");
const { createTokenManager } = await import("@/lib/pleo/token-manager");
const { startSandbox } = await import("@/sandbox/server");
const { LARGE_COMPANY_ID, DEMO_USER } = await import("@/sandbox/seed/fixtures");
const { getTokensForCompany } = await import("@/sandbox/testing");
const pg = (await import("pg")).default;
type PrismaClient = import("@/lib/generated/prisma/client").PrismaClient;

const COMPANY = LARGE_COMPANY_ID;
const CALLERS = [1, 10, 100];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const CLIENT = { clientId: "sandbox-portal", clientSecret: "sandbox-portal-secret" };

const sb = await startSandbox({ port: 0, entries: 200, rateLimit: false });
let offsetMs = 0;
const now = () => Date.now() + offsetMs;

async function sandboxJson(path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${sb.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

async function counters() {
  const s = await sandboxJson("/__sandbox/stats");
  return {
    refreshes: (s.tokenRequests as { refresh_token: number }).refresh_token,
    reuse: s.refreshReuseDetected as number,
  };
}

/** A freshly connected company: real tokens through the sandbox's forms, stored as the connect flow does. */
async function connect(prisma: PrismaClient): Promise<void> {
  await prisma.pleoConnection.deleteMany();
  await prisma.account.deleteMany();
  await prisma.user.deleteMany();
  const t = await getTokensForCompany({
    sandboxUrl: sb.url,
    companyId: COMPANY,
    email: DEMO_USER.email,
    password: DEMO_USER.password,
  });
  const at = new Date(now());
  const user = await prisma.user.create({ data: { email: `bench-${randomBytes(4).toString("hex")}@portal.test` } });
  await prisma.pleoCompany.upsert({ where: { id: COMPANY }, create: { id: COMPANY, name: "Bench" }, update: {} });
  const account = await prisma.account.create({
    data: { userId: user.id, type: "oauth", provider: "pleo", providerAccountId: COMPANY },
  });
  await prisma.pleoConnection.create({
    data: {
      userId: user.id,
      accountId: account.id,
      companyId: COMPANY,
      accessTokenEnc: await encryptToken(t.access_token),
      refreshTokenEnc: await encryptToken(t.refresh_token),
      accessTokenExpiresAt: new Date(at.getTime() + t.expires_in * 1000),
      refreshTokenIssuedAt: at,
      scopes: t.scope.split(" "),
    },
  });
}

async function expire(): Promise<void> {
  await sandboxJson("/__sandbox/clock", { advanceSeconds: 601 });
  offsetMs += 601_000;
}

async function works(token: string | null): Promise<boolean> {
  if (!token) return false;
  const res = await fetch(`${sb.url}/v1/introspect`, { headers: { authorization: `Bearer ${token}` } });
  return res.status === 200;
}

/** The design without single-flight or lock, for comparison only. */
async function naiveGetAccessToken(prisma: PrismaClient): Promise<string | null> {
  const row = await prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: COMPANY } });
  if (row.accessTokenExpiresAt.getTime() - now() > 60_000) return decryptToken(row.accessTokenEnc);
  const outcome = await refreshTokenGrant({ authUrl: sb.url, ...CLIENT }, await decryptToken(row.refreshTokenEnc));
  if (outcome.kind !== "ok") return null;
  await prisma.pleoConnection.update({
    where: { companyId: COMPANY },
    data: {
      accessTokenEnc: await encryptToken(outcome.tokens.accessToken),
      refreshTokenEnc: await encryptToken(outcome.tokens.refreshToken),
      accessTokenExpiresAt: new Date(now() + outcome.tokens.expiresInSeconds * 1000),
    },
  });
  return outcome.tokens.accessToken;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

type Row = {
  db: string;
  scenario: string;
  callers: number;
  refreshes: string;
  reuse: number;
  failed: number;
  p50: number;
  p99: number;
};

async function run(dbLabel: string, prisma: PrismaClient): Promise<Row[]> {
  const rows: Row[] = [];
  const silent = createLogger({ level: "silent" });
  // Warm-up (discarded): JIT, connection pool and the sandbox's first requests would skew the first row.
  for (let i = 0; i < 3; i++) {
    await sandboxJson("/__sandbox/reset", {});
    offsetMs = 0;
    await connect(prisma);
    const warm = createTokenManager({ prisma, oauth: { authUrl: sb.url, ...CLIENT }, now, logger: silent });
    await Promise.all(Array.from({ length: 100 }, () => warm.getAccessToken(COMPANY)));
    await expire();
    await Promise.all(Array.from({ length: 100 }, () => warm.getAccessToken(COMPANY)));
  }
  for (const callers of CALLERS) {
    for (const scenario of ["cached", "ours", "naive"] as const) {
      const times: number[] = [];
      const refreshesPerRound: number[] = [];
      let reuse = 0;
      let failed = 0;
      for (let round = 0; round < ROUNDS; round++) {
        await sandboxJson("/__sandbox/reset", {});
        offsetMs = 0;
        await connect(prisma);
        // A new manager per round = a new process's view (empty single-flight map).
        const manager = createTokenManager({ prisma, oauth: { authUrl: sb.url, ...CLIENT }, now, logger: silent });
        if (scenario !== "cached") await expire();
        const before = await counters();
        const start = performance.now();
        const tokens = await Promise.all(
          Array.from({ length: callers }, async () => {
            const t =
              scenario === "naive"
                ? await naiveGetAccessToken(prisma).catch(() => null)
                : await manager.getAccessToken(COMPANY).catch(() => null);
            times.push(performance.now() - start);
            return t;
          }),
        );
        const after = await counters();
        refreshesPerRound.push(after.refreshes - before.refreshes);
        reuse += after.reuse - before.reuse;
        // A caller is served only if its token works once everyone is done (reuse revokes the grant).
        const distinct = [...new Set(tokens)];
        const ok = new Map(await Promise.all(distinct.map(async (t) => [t, await works(t)] as const)));
        failed += tokens.filter((t) => !ok.get(t)).length;
      }
      times.sort((a, b) => a - b);
      const min = Math.min(...refreshesPerRound);
      const max = Math.max(...refreshesPerRound);
      rows.push({
        db: dbLabel,
        scenario: { cached: "cached token (baseline)", ours: "expired → lib/pleo", naive: "expired → naive, no lock" }[
          scenario
        ],
        callers,
        refreshes: min === max ? String(min) : `${min}–${max}`,
        reuse,
        failed,
        p50: percentile(times, 50),
        p99: percentile(times, 99),
      });
    }
  }
  return rows;
}

function print(rows: Row[]): void {
  const header = [
    "database",
    "scenario",
    "callers",
    "refreshes/round",
    `reuse detected (${ROUNDS} rounds)`,
    "callers w/o working token",
    "p50 ms",
    "p99 ms",
  ];
  const body = rows.map((r) => [
    r.db,
    r.scenario,
    String(r.callers),
    r.refreshes,
    String(r.reuse),
    `${r.failed}/${r.callers * ROUNDS}`,
    r.p50.toFixed(1),
    r.p99.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i >= 2 ? `${"-".repeat(w + 1)}:` : `:${"-".repeat(w + 1)}`)).join("|")}|`);
  for (const b of body) console.log(line(b));
}

const all: Row[] = [];
try {
  const pglite = openPGlite(null);
  await migratePGlite(pglite);
  const lite = createDatabase({ kind: "pglite", dir: null }, pglite);
  all.push(...(await run("PGlite", lite.prisma)));
  await lite.close();

  const pgUrl = process.env.TEST_DATABASE_URL;
  if (pgUrl) {
    const name = `portal_bench_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(pgUrl);
    url.pathname = `/${name}`;
    try {
      await migratePostgres(url.toString());
      const db = createDatabase({ kind: "postgres", url: url.toString() });
      all.push(...(await run("PostgreSQL", db.prisma)));
      await db.close();
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  } else {
    console.log("(TEST_DATABASE_URL not set: PostgreSQL rows skipped)\n");
  }
  console.log(`Token time-to-token, sandbox in-process over HTTP, ${ROUNDS} rounds per row (BENCH_ROUNDS)\n`);
  print(all);
} finally {
  await sb.close();
}
