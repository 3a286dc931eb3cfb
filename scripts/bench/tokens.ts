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
import { decryptToken, encryptToken } from "@/lib/crypto";
import { refreshTokenGrant } from "@/lib/pleo/oauth";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { createWorld, type World } from "@/tests/support/world";

const COMPANY = LARGE_COMPANY_ID;
const CALLERS = [1, 10, 100];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);

async function counters(world: World) {
  const s = await world.sandbox.control.stats();
  return { refreshes: s.tokenRequests.refresh_token, reuse: s.refreshReuseDetected };
}

async function works(world: World, token: string | null): Promise<boolean> {
  return token !== null && (await world.sandbox.control.acceptsToken(token));
}

/** The design without single-flight or lock, for comparison only. */
async function naiveGetAccessToken(world: World): Promise<string | null> {
  const { prisma, clock } = world;
  const row = await prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: COMPANY } });
  if (row.accessTokenExpiresAt.getTime() - clock.now() > 60_000)
    return decryptToken(row.accessTokenEnc, { companyId: COMPANY, field: "access_token" });
  const outcome = await refreshTokenGrant(
    world.oauth,
    await decryptToken(row.refreshTokenEnc, { companyId: COMPANY, field: "refresh_token" }),
  );
  if (outcome.kind !== "ok") return null;
  await prisma.pleoConnection.update({
    where: { companyId: COMPANY },
    data: {
      accessTokenEnc: await encryptToken(outcome.tokens.accessToken, { companyId: COMPANY, field: "access_token" }),
      refreshTokenEnc: await encryptToken(outcome.tokens.refreshToken, { companyId: COMPANY, field: "refresh_token" }),
      accessTokenExpiresAt: new Date(clock.now() + outcome.tokens.expiresInSeconds * 1000),
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

/**
 * Every round starts from `world.reset()`: the sandbox back to its seed, the clocks together, and the
 * company connected fresh through the connect flow's own write.
 */
async function run(dbLabel: string, world: World): Promise<Row[]> {
  const rows: Row[] = [];
  // Warm-up (discarded): JIT, connection pool and the sandbox's first requests would skew the first row.
  for (let i = 0; i < 3; i++) {
    await world.reset();
    const warm = world.tokenManager();
    await Promise.all(Array.from({ length: 100 }, () => warm.getAccessToken(COMPANY)));
    await world.clock.advance(601);
    await Promise.all(Array.from({ length: 100 }, () => warm.getAccessToken(COMPANY)));
  }
  for (const callers of CALLERS) {
    for (const scenario of ["cached", "ours", "naive"] as const) {
      const times: number[] = [];
      const refreshesPerRound: number[] = [];
      let reuse = 0;
      let failed = 0;
      for (let round = 0; round < ROUNDS; round++) {
        await world.reset();
        // A new manager per round = a new process's view (empty single-flight map).
        const manager = world.tokenManager();
        if (scenario !== "cached") await world.clock.advance(601); // sandbox access tokens live 600 s
        const before = await counters(world);
        const start = performance.now();
        const tokens = await Promise.all(
          Array.from({ length: callers }, async () => {
            const t =
              scenario === "naive"
                ? await naiveGetAccessToken(world).catch(() => null)
                : await manager.getAccessToken(COMPANY).catch(() => null);
            times.push(performance.now() - start);
            return t;
          }),
        );
        const after = await counters(world);
        refreshesPerRound.push(after.refreshes - before.refreshes);
        reuse += after.reuse - before.reuse;
        // A caller is served only if its token works once everyone is done (reuse revokes the grant).
        const distinct = [...new Set(tokens)];
        const ok = new Map(await Promise.all(distinct.map(async (t) => [t, await works(world, t)] as const)));
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
const kinds: Array<["PGlite" | "PostgreSQL", "pglite" | "postgres"]> = [["PGlite", "pglite"]];
if (process.env.TEST_DATABASE_URL) kinds.push(["PostgreSQL", "postgres"]);
else console.log("(TEST_DATABASE_URL not set: PostgreSQL rows skipped)\n");
for (const [label, database] of kinds) {
  // In-process sandbox, rate limit off: the figures are about refreshing, not Pleo's request budget.
  const world = await createWorld({ database, sandbox: { entries: 200, rateLimit: false }, companies: [COMPANY] });
  try {
    all.push(...(await run(label, world)));
  } finally {
    await world.close();
  }
}
console.log(`Token time-to-token, sandbox in-process over HTTP, ${ROUNDS} rounds per row (BENCH_ROUNDS)\n`);
print(all);
