/**
 * The abuse limits (lib/limits) on a real PGlite and PostgreSQL: each limit allows N hits per window and
 * denies hit N+1 with the seconds until the window ends; a new window allows again; two instances on
 * one database share the count (concurrent hits included: the store's upsert is atomic); another
 * client or session is never blocked; a denial is one log line without the key. Then the route
 * handlers: the OAuth callback (in-process, as Next.js calls it) answers 429 with Retry-After, a
 * readable page for a browser and JSON for an API client. /connect/pleo and the CSV export over real
 * HTTP are in e2e/limits.spec.ts.
 */
import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "@/lib/db/connect";
import {
  clientAddress,
  installPeerAddressHeader,
  PEER_ADDRESS_HEADER,
  UNKNOWN_CLIENT,
} from "@/lib/limits/client-address";
import { limitByClient, limitBySession } from "@/lib/limits/guard";
import { consumeLimit, createLimiter, resetLimitersForTests } from "@/lib/limits/limits";
import { prismaStoreClient } from "@/lib/limits/store-client";
import { sessionKey } from "@/lib/sessions";
import { sleep } from "@/lib/util/async";
import { createTestDatabase, DATABASE_KINDS, databaseUnavailable, type TestDatabase } from "@/tests/support/db";
import { configurePortal } from "@/tests/support/env";
import { captureLogger, setProcessLogger } from "@/tests/support/logs";
import { RateLimiterPostgres } from "rate-limiter-flexible";

const WINDOW_SECONDS = 2;
const LIMITS = {
  RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
  RATE_LIMIT_CONNECT: "3",
  RATE_LIMIT_CALLBACK: "3",
  RATE_LIMIT_EXPORT: "4",
  RATE_LIMIT_SYNC: "2",
  RATE_LIMIT_SETTINGS: "5",
};
// Nothing listens here: the callback fails at the state check before any call to Pleo.
const NOWHERE = "http://127.0.0.1:9";
const PORTAL = "http://127.0.0.1:3999";

describe("client address", () => {
  const h = (init: Record<string, string>) => new Headers(init);

  it("without a trusted proxy: the TCP peer the server stamped, never X-Forwarded-For", () => {
    expect(clientAddress(h({ [PEER_ADDRESS_HEADER]: "192.0.2.1", "x-forwarded-for": "203.0.113.9" }), 0)).toBe(
      "192.0.2.1",
    );
    expect(clientAddress(h({ [PEER_ADDRESS_HEADER]: "::ffff:192.0.2.1" }), 0)).toBe("192.0.2.1");
    expect(clientAddress(h({ "x-forwarded-for": "203.0.113.9" }), 0)).toBe(UNKNOWN_CLIENT);
  });

  it("behind N proxies: the Nth X-Forwarded-For entry from the right; what the client prepended is ignored", () => {
    const xff = h({ "x-forwarded-for": "1.1.1.1, 198.51.100.4, 10.0.0.2", [PEER_ADDRESS_HEADER]: "10.0.0.3" });
    expect(clientAddress(xff, 1)).toBe("10.0.0.2");
    expect(clientAddress(xff, 2)).toBe("198.51.100.4");
    expect(clientAddress(h({ "x-forwarded-for": "198.51.100.4" }), 2)).toBe("198.51.100.4");
    expect(clientAddress(h({}), 1)).toBe(UNKNOWN_CLIENT);
  });
});

describe("the peer address stamp", () => {
  it("a real HTTP server sees the TCP peer under its header, whatever the client sent under that name", async () => {
    installPeerAddressHeader();
    installPeerAddressHeader(); // idempotent: one stamp, not a chain
    const server = http.createServer((req, res) => {
      res.end(JSON.stringify({ peer: req.headers[PEER_ADDRESS_HEADER], xff: req.headers["x-forwarded-for"] ?? null }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/`, {
        headers: { [PEER_ADDRESS_HEADER]: "203.0.113.99", "x-forwarded-for": "203.0.113.98" },
      });
      const seen = (await res.json()) as { peer: string; xff: string };
      expect(seen.peer).toBe("127.0.0.1");
      expect(clientAddress(new Headers({ [PEER_ADDRESS_HEADER]: seen.peer, "x-forwarded-for": seen.xff }), 0)).toBe(
        "127.0.0.1",
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe.each(DATABASE_KINDS)("abuse limits on %s", (kind) => {
  const skip = databaseUnavailable(kind);
  let database: TestDatabase;
  let logs: ReturnType<typeof captureLogger>;

  beforeAll(async () => {
    if (skip) return;
    database = await createTestDatabase(kind, { processDatabase: true });
    configurePortal(NOWHERE, { ...LIMITS, AUTH_URL: PORTAL });
  });
  afterAll(async () => {
    setProcessLogger(undefined);
    resetLimitersForTests();
    await database?.drop();
  });
  beforeEach(async () => {
    if (skip) return;
    logs = captureLogger();
    setProcessLogger(logs.logger);
    await database.prisma.$executeRawUnsafe(`DELETE FROM "RateLimit"`);
  });

  it.skipIf(skip)("each limit allows N hits per window and denies hit N+1 with the seconds left", async () => {
    const cases = [
      ["connect", 3],
      ["callback", 3],
      ["export", 4],
      ["sync", 2],
      ["settings", 5],
    ] as const;
    for (const [name, n] of cases) {
      const verdicts = [];
      for (let i = 0; i <= n; i++) verdicts.push(await consumeLimit(name, "client", "192.0.2.10"));
      expect(verdicts.slice(0, n).every((v) => v.allowed)).toBe(true);
      const denied = verdicts[n];
      expect(denied.allowed).toBe(false);
      if (denied.allowed) continue;
      expect(denied.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(denied.retryAfterSeconds).toBeLessThanOrEqual(WINDOW_SECONDS);
    }
    // The count is in the database, one row per limit and key.
    const rows = await database.prisma.rateLimit.findMany({ orderBy: { key: "asc" } });
    expect(rows.map((r) => [r.key, r.points])).toEqual([
      ["callback:client:192.0.2.10", 4],
      ["connect:client:192.0.2.10", 4],
      ["export:client:192.0.2.10", 5],
      ["settings:client:192.0.2.10", 6],
      ["sync:client:192.0.2.10", 3],
    ]);
  });

  it.skipIf(skip)("a new window allows again", async () => {
    for (let i = 0; i < 2; i++) expect((await consumeLimit("sync", "session", "s1")).allowed).toBe(true);
    const denied = await consumeLimit("sync", "session", "s1");
    expect(denied.allowed).toBe(false);
    await sleep((denied.allowed ? 0 : denied.retryAfterSeconds) * 1000 + 100);
    expect((await consumeLimit("sync", "session", "s1")).allowed).toBe(true);
  });

  it.skipIf(skip)("never blocks another client or session", async () => {
    const peer = (a: string) => new Headers({ [PEER_ADDRESS_HEADER]: a });
    for (let i = 0; i < 3; i++) expect((await limitByClient("connect", peer("192.0.2.20"))).allowed).toBe(true);
    expect((await limitByClient("connect", peer("192.0.2.20"))).allowed).toBe(false);
    expect((await limitByClient("connect", peer("192.0.2.21"))).allowed).toBe(true);
    // Another limit of the same client is counted apart.
    expect((await limitByClient("callback", peer("192.0.2.20"))).allowed).toBe(true);

    const session = (token: string) => new Headers({ cookie: `authjs.session-token=${token}` });
    for (let i = 0; i < 2; i++) expect((await limitBySession("sync", session("token-a"))).allowed).toBe(true);
    expect((await limitBySession("sync", session("token-a"))).allowed).toBe(false);
    expect((await limitBySession("sync", session("token-b"))).allowed).toBe(true);
    // Keyed by the token's hash (as the session row is), never by the token itself.
    const keys = (await database.prisma.rateLimit.findMany({ where: { key: { startsWith: "sync:" } } })).map(
      (r) => r.key,
    );
    expect(keys.sort()).toEqual(
      [`sync:session:${sessionKey("token-a")}`, `sync:session:${sessionKey("token-b")}`].sort(),
    );
    expect(keys.join(" ")).not.toContain("token-a");
  });

  it.skipIf(skip)("a denial is logged once with the limit and request id, never the key", async () => {
    const { withLogContext } = await import("@/lib/log-context");
    const headers = new Headers({ cookie: "authjs.session-token=secret-session-token" });
    await withLogContext({ requestId: "req-limits-1" }, async () => {
      for (let i = 0; i < 3; i++) await limitBySession("sync", headers);
    });
    const denials = logs.lines().filter((l) => l.event === "rate_limit.denied");
    expect(denials).toHaveLength(1);
    expect(denials[0]).toMatchObject({ limit: "sync", scope: "session", requestId: "req-limits-1", level: 40 });
    expect(logs.text()).not.toContain("secret-session-token");
    expect(logs.text()).not.toContain(sessionKey("secret-session-token"));
  });

  it.skipIf(skip)("two limiter instances on one database share the count, concurrent hits included", async () => {
    // On PostgreSQL the second instance has its own Prisma client and pool; PGlite allows one connection
    // per database, so there both limiters share the process's client (one process is all PGlite runs).
    const second: Database | null = database.url ? createDatabase({ kind: "postgres", url: database.url }) : null;
    try {
      const a = createLimiter("connect", 6, WINDOW_SECONDS);
      const b = second ? limiterOn(second, 6) : createLimiter("connect", 6, WINDOW_SECONDS);
      const hits = Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? a : b).consume("client:192.0.2.30").then(
          () => true,
          () => false,
        ),
      );
      expect((await Promise.all(hits)).filter(Boolean)).toHaveLength(6);
      const row = await database.prisma.rateLimit.findUniqueOrThrow({ where: { key: "connect:client:192.0.2.30" } });
      expect(row.points).toBe(10);
      // Whichever instance asks next is denied too.
      await expect(a.consume("client:192.0.2.30")).rejects.toMatchObject({ remainingPoints: 0 });
      await expect(b.consume("client:192.0.2.30")).rejects.toMatchObject({ remainingPoints: 0 });
    } finally {
      await second?.close();
    }
  });

  it.skipIf(skip || kind !== "postgres")("two processes on one PostgreSQL share the count", async () => {
    // Limit 3 (RATE_LIMIT_CONNECT): two processes hit 4 times each; 3 pass in all. A long window, so a
    // slow process start cannot let a new window begin between them.
    const child = (hits: number) =>
      runChild({
        ...LIMITS,
        RATE_LIMIT_WINDOW_SECONDS: "60",
        LIMITS_CHILD_DATABASE_URL: database.url!,
        LIMITS_CHILD_HITS: String(hits),
      });
    const results = await Promise.all([child(4), child(4)]);
    expect(results.reduce((sum, r) => sum + r.allowed, 0)).toBe(3);
    // And this process, a third, is denied for that client too.
    expect((await consumeLimit("connect", "client", "192.0.2.50")).allowed).toBe(false);
  });

  it.skipIf(skip)(
    "the OAuth callback answers 429 with Retry-After: a page for a browser, JSON for an API",
    async () => {
      const { GET } = await import("@/lib/auth/route-handlers");
      const callback = (peer: string, accept: string) =>
        GET(
          new NextRequest(`${PORTAL}/api/auth/callback/pleo?code=abc&state=forged`, {
            headers: { [PEER_ADDRESS_HEADER]: peer, accept },
          }),
        );
      for (let i = 0; i < 3; i++) {
        const res = await callback("192.0.2.40", "text/html");
        // Not limited: next-auth answers (a redirect to the error page: the state cookie is missing).
        expect(res.status).not.toBe(429);
      }
      const page = await callback("192.0.2.40", "text/html,application/xhtml+xml");
      expect(page.status).toBe(429);
      const retryAfter = Number(page.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
      expect(page.headers.get("content-type")).toContain("text/html");
      const html = await page.text();
      expect(html).toContain("<h1>Too many requests</h1>");
      expect(html).toMatch(/Try again in [12] seconds?\./);
      expect(html).toContain('<a href="/">Back to the portal</a>');

      const api = await callback("192.0.2.40", "application/json");
      expect(api.status).toBe(429);
      expect(api.headers.get("retry-after")).toMatch(/^[12]$/);
      expect(await api.json()).toMatchObject({ error: "rate_limited", retryAfterSeconds: expect.any(Number) });

      // Another client still gets through to next-auth.
      expect((await callback("192.0.2.41", "text/html")).status).not.toBe(429);
    },
  );
});

function limiterOn(database: Database, points: number) {
  return new RateLimiterPostgres({
    storeClient: prismaStoreClient(database.prisma),
    storeType: "client",
    tableName: "RateLimit",
    tableCreated: true,
    keyPrefix: "connect",
    points,
    duration: WINDOW_SECONDS,
  });
}

const ROOT = path.resolve(__dirname, "../..");

/** tests/limits/child-consume.ts in its own Node process (tsx), with the portal's test configuration. */
function runChild(env: Record<string, string>): Promise<{ allowed: number }> {
  const child = spawn(
    path.join(ROOT, "node_modules/.bin/tsx"),
    ["--conditions=react-server", path.join(ROOT, "tests/limits/child-consume.ts")],
    { cwd: ROOT, env: { ...process.env, ...env, LOG_LEVEL: "silent" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += String(d)));
  child.stderr.on("data", (d) => (err += String(d)));
  return new Promise((resolve, reject) =>
    child.once("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (code !== 0 || !line) reject(new Error(`child exited ${code}:\n${out}\n${err}`));
      else resolve(JSON.parse(line));
    }),
  );
}
