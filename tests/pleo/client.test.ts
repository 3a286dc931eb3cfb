import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "@/lib/log";
import { createPleoClient, type PleoClient, type PleoClientOptions } from "@/lib/pleo/client";
import {
  NeedsReauthError,
  PleoApiError,
  PleoRateLimitError,
  PleoResponseError,
  PleoUnavailableError,
} from "@/lib/pleo/errors";
import { createRateLimiter } from "@/lib/pleo/limiter";
import { limiterForCompany } from "@/lib/pleo/rate-budget";
import { collectAll, paginate } from "@/lib/pleo/paginate";
import type { TokenManager } from "@/lib/pleo/token-manager";
import type { AccountingEntry } from "@/lib/pleo/types";
import { COMPANY_NORDLYS, DEMO_SECOND_COMPANY_ID, LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { captureLogger } from "@/tests/support/logs";
import { createWorld, type World } from "@/tests/support/world";

const COMPANY = LARGE_COMPANY_ID;

let world: World;
let manager: TokenManager;

function clientFor(companyId: string, overrides: Partial<PleoClientOptions> = {}): PleoClient {
  return createPleoClient({
    apiUrl: world.sandbox.url,
    companyId,
    tokens: {
      get: () => manager.getAccessToken(companyId),
      forceRefresh: (rejectedToken) => manager.getAccessToken(companyId, { forceRefresh: true, rejectedToken }),
    },
    logger: createLogger({ level: "silent" }),
    // Short waits keep the suite fast; the budget (attempt counts) is the production one.
    retry: { baseDelayMs: 10, maxDelayMs: 50 },
    ...overrides,
  });
}

beforeAll(async () => {
  // Small data: this suite tests the client, not search depth.
  world = await createWorld({ database: "pglite", sandbox: { entries: 300 }, companies: [COMPANY] });
});
afterAll(async () => {
  await world?.close();
});
beforeEach(async () => {
  await world.reset();
  manager = world.tokenManager();
});
afterEach(async () => {
  await world.sandbox.control.clearFaults();
});

const control = () => world.sandbox.control;
const summary = (companyId = COMPANY) => control().summary(companyId);
const stats = () => control().stats();
const byPath = async (key: string) => (await stats()).apiRequestsByPath[key] ?? 0;

describe("typed endpoints (validated and reshaped)", () => {
  it("introspect and company", async () => {
    const client = clientFor(COMPANY);
    const identity = await client.introspect();
    expect(identity.companyId).toBe(COMPANY);
    expect(identity.scopes).toContain("accounting-entries:read");
    const company = await client.getCompany();
    expect(company).toMatchObject({
      id: COMPANY,
      name: COMPANY_NORDLYS.name,
      organizationId: COMPANY_NORDLYS.organizationId,
    });
    expect(company.address?.country).toBe("DK");
  });

  it("directory lists page through everything with the cursor iterator", async () => {
    const client = clientFor(COMPANY);
    const s = await summary();
    const firstPage = await client.listEmployees({ limit: 5 });
    expect(firstPage.items).toHaveLength(5);
    expect(firstPage.hasNextPage).toBe(true);
    expect(firstPage.items[0]).toEqual(
      expect.objectContaining({
        companyId: COMPANY,
        email: expect.stringContaining("@"),
        firstName: expect.any(String),
      }),
    );
    expect(firstPage.items[0]).not.toHaveProperty("phone"); // provider fields the portal does not use are dropped

    const employees = await collectAll((after) => client.listEmployees({ after, limit: 7 }));
    expect(employees).toHaveLength(s.employees);
    expect(new Set(employees.map((e) => e.id)).size).toBe(s.employees);
    expect(await collectAll((after) => client.listTeams({ after }))).toHaveLength(s.teams);
    expect(await collectAll((after) => client.listAccounts({ after, limit: 10 }))).toHaveLength(s.accounts);

    const groups = await collectAll((after) => client.listTagGroups({ after }));
    expect(groups).toHaveLength(s.tagGroups);
    expect(s.tags).toBeGreaterThan(0); // so the per-tag check below runs
    let tags = 0;
    for (const g of groups) {
      const groupTags = await collectAll((after) => client.listTags(g.id, { after }));
      for (const t of groupTags) expect(t.tagGroupId).toBe(g.id);
      tags += groupTags.length;
    }
    expect(tags).toBe(s.tags);
  });

  it("accounting entries: search pages (async iterator), money as bigint minors, dates as Date; get by id", async () => {
    const client = clientFor(COMPANY);
    const s = await summary();
    const seen = new Set<string>();
    let pages = 0;
    let first: AccountingEntry | undefined;
    for await (const page of paginate((after) =>
      client.searchAccountingEntries({ after, limit: 100, sortingKeys: ["performedAt"], sortingOrder: ["DESC"] }),
    )) {
      pages++;
      for (const e of page.items) {
        expect(seen.has(e.id)).toBe(false);
        seen.add(e.id);
        first ??= e;
      }
      expect(page.total).toBe(s.count);
    }
    expect(seen.size).toBe(s.count);
    expect(pages).toBe(Math.ceil(s.count / 100));
    expect(first!.performedAt).toBeInstanceOf(Date);
    expect(typeof first!.transactionValue.minors).toBe("bigint");
    expect(first!.transactionValue.currency).toMatch(/^[A-Z]{3}$/);
    expect(await client.getAccountingEntry(first!.id)).toEqual(first);

    const cards = await client.searchAccountingEntries({ families: ["CARD_PURCHASE"], limit: 20 });
    expect(cards.items).toHaveLength(20);
    for (const e of cards.items) expect(e.family).toBe("CARD_PURCHASE");
  });

  it("installation: get, activate; unknown entry is a typed 404", async () => {
    const client = clientFor(COMPANY);
    expect((await client.getInstallation())?.status).toBe("AUTHORIZED");
    expect((await client.activateInstallation()).status).toBe("ACTIVATED");
    expect((await client.getInstallation())?.status).toBe("ACTIVATED");
    const err = await client.getAccountingEntry("00000000-0000-4000-8000-000000000001").catch((e) => e);
    expect(err).toBeInstanceOf(PleoApiError);
    expect(err).toMatchObject({ status: 404, type: "NOT_FOUND", retryable: false });
  });

  it("deleting the installation revokes the grant: the next call needs a reconnect", async () => {
    await world.connect(DEMO_SECOND_COMPANY_ID);
    const client = clientFor(DEMO_SECOND_COMPANY_ID);
    await client.deleteInstallation();
    await expect(client.getInstallation()).rejects.toBeInstanceOf(NeedsReauthError);
    const row = await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: DEMO_SECOND_COMPANY_ID } });
    expect(row.status).toBe("NEEDS_REAUTH");
  });
});

describe("401: one forced refresh, one retry", () => {
  it("a token Pleo considers expired is refreshed once, even for 20 concurrent requests", async () => {
    // Only Pleo's clock moves: the portal still thinks the token is fresh and learns otherwise from 401s.
    await control().advanceClock(601);
    const client = clientFor(COMPANY);
    const pages = await Promise.all(Array.from({ length: 20 }, () => client.listEmployees({ limit: 3 })));
    for (const p of pages) expect(p.items).toHaveLength(3);
    const s = await stats();
    expect(s.tokenRequests.refresh_token).toBe(1);
    expect(s.refreshReuseDetected).toBe(0);
  });
});

describe("faults injected through /__sandbox/faults", () => {
  const SEARCH = "POST /v1/accounting-entries:search";

  it("5xx bursts: retried within budget; the request that succeeded is not sent again", async () => {
    await control().fault({ path: "/v1/accounting-entries:search", status: 503, times: 2 });
    const page = await clientFor(COMPANY).searchAccountingEntries({ limit: 10 });
    expect(page.items).toHaveLength(10);
    expect((await stats()).faultsApplied).toBe(2);
    expect(await byPath(SEARCH)).toBe(1);
  });

  it("dropped connections: retried; exactly one request reaches the API", async () => {
    await control().fault({ path: "/v2/employees", reset: true, times: 2 });
    const page = await clientFor(COMPANY).listEmployees({ limit: 4 });
    expect(page.items).toHaveLength(4);
    expect(await byPath("GET /v2/employees")).toBe(1);
  });

  it("timeouts: retried", async () => {
    await control().fault({ path: "/v2/employees", latencyMs: 1_000, times: 1 });
    const page = await clientFor(COMPANY, { retry: { baseDelayMs: 10, maxDelayMs: 50, timeoutMs: 300 } }).listEmployees(
      { limit: 2 },
    );
    expect(page.items).toHaveLength(2);
    // The timed-out attempt still reaches the API once its delay ends: a timeout's outcome is unknown,
    // which is why only idempotent requests are retried after one.
    await vi.waitFor(async () => expect(await byPath("GET /v2/employees")).toBe(2), { timeout: 3_000, interval: 100 });
  });

  it("a persistent outage ends in PleoUnavailableError after the retry budget", async () => {
    await control().fault({ path: "/v1/accounting-entries:search", status: 502 });
    const err = await clientFor(COMPANY)
      .searchAccountingEntries({ limit: 10 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(PleoUnavailableError);
    expect(err).toMatchObject({ status: 502, retryable: true, endpoint: SEARCH });
    expect((await stats()).faultsApplied).toBe(4); // maxAttempts
  });

  it("429 waits Retry-After, then succeeds; a persistent 429 is a PleoRateLimitError", async () => {
    await control().fault({ path: "/v2/employees", status: 429, times: 1 });
    expect((await clientFor(COMPANY).listEmployees({ limit: 1 })).items).toHaveLength(1);
    expect(await byPath("GET /v2/employees")).toBe(1);

    await control().fault({ path: "/v2/employees", status: 429 });
    const err = await clientFor(COMPANY, { retry: { maxRateLimitWaits: 1 } })
      .listEmployees()
      .catch((e) => e);
    expect(err).toBeInstanceOf(PleoRateLimitError);
    expect((err as PleoRateLimitError).retryAfterSeconds).toBe(1);
  });

  it("non-idempotent requests are retried only when Pleo certainly did not process them", async () => {
    await control().fault({ path: "/v1/installations/me:activate", status: 500, times: 1 });
    await expect(clientFor(COMPANY).activateInstallation()).rejects.toBeInstanceOf(PleoUnavailableError);
    expect((await stats()).faultsApplied).toBe(1);

    await control().fault({ path: "/v1/installations/me:activate", status: 503, times: 1 });
    expect((await clientFor(COMPANY).activateInstallation()).status).toBe("ACTIVATED");
  });
});

describe("response validation", () => {
  let server: Server;
  let url: string;
  let body: unknown;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const staticClient = () =>
    createPleoClient({
      apiUrl: url,
      companyId: COMPANY,
      tokens: { get: async () => "t", forceRefresh: async () => "t" },
      logger: createLogger({ level: "silent" }),
    });
  const employee = (i: number) => ({
    id: `e${i}`,
    companyId: COMPANY,
    email: `e${i}@x.test`,
    firstName: "A",
    lastName: "B",
  });
  const pagination = { hasNextPage: false, hasPreviousPage: false, currentRequestPagination: { parameters: {} } };

  it("tolerates unknown fields and absent optional ones", async () => {
    body = { data: [{ ...employee(1), brandNewField: { nested: true } }], pagination, extra: 1 };
    const page = await staticClient().listEmployees();
    expect(page.items[0]).toEqual({ ...employee(1), code: null, jobTitle: null });
  });

  it("a missing required field is a PleoResponseError naming the field and the endpoint", async () => {
    const broken: Record<string, unknown> = employee(2);
    delete broken.email;
    body = { data: [employee(1), broken], pagination };
    const err = await staticClient()
      .listEmployees()
      .catch((e) => e);
    expect(err).toBeInstanceOf(PleoResponseError);
    expect((err as Error).message).toContain("GET /v2/employees");
    expect((err as PleoResponseError).problems[0]).toMatch(/^data\[1\]\.email: /);
  });

  it("entry money must be integer minors", async () => {
    body = { data: { id: "x" } };
    const err = await staticClient()
      .getAccountingEntry("x")
      .catch((e) => e);
    expect(err).toBeInstanceOf(PleoResponseError);
    expect((err as PleoResponseError).problems.join(" ")).toContain("data.companyId");
  });
});

describe("logging", () => {
  it("one structured event per request with company, endpoint template, status, duration and attempt — never the token", async () => {
    const cap = captureLogger();
    await control().fault({ path: "/v2/employees", status: 503, times: 1 });
    const client = clientFor(COMPANY, { logger: cap.logger });
    await client.listEmployees({ limit: 1 });
    await client.getAccountingEntry((await client.searchAccountingEntries({ limit: 1 })).items[0].id);

    const events = cap.lines().filter((l) => l.event === "pleo.request");
    expect(events.map((e) => [e.endpoint, e.status, e.attempt])).toEqual([
      ["GET /v2/employees", 503, 1],
      ["GET /v2/employees", 200, 2],
      ["POST /v1/accounting-entries:search", 200, 1],
      ["GET /v1/accounting-entries/{id}", 200, 1],
    ]);
    for (const e of events) {
      expect(e.companyId).toBe(COMPANY);
      expect(typeof e.durationMs).toBe("number");
    }
    const token = await manager.getAccessToken(COMPANY);
    expect(cap.text()).not.toContain(token);
  });

  it("redacts tokens, codes, verifiers, secrets and Authorization headers wherever they appear", () => {
    const cap = captureLogger();
    cap.logger.info(
      {
        access_token: "AT-secret",
        refresh_token: "RT-secret",
        code: "CODE-secret",
        code_verifier: "VERIFIER-secret",
        client_secret: "CLIENT-secret",
        headers: { authorization: "Bearer HDR-secret", Authorization: "Basic HDR2-secret" },
        req: { headers: { authorization: "Bearer NESTED-secret" } },
        body: { refreshToken: "CAMEL-secret", password: "PW-secret" },
        companyId: COMPANY,
      },
      "event",
    );
    const text = cap.text();
    expect(text).not.toMatch(/-secret/);
    expect(text).toContain(COMPANY);
    expect(cap.lines()[0].access_token).toBe("[redacted]");
  });
});

describe("limiter and paginate (units)", () => {
  afterEach(() => vi.useRealTimers());

  it("the token bucket admits at most perMinute requests in any minute", async () => {
    vi.useFakeTimers();
    const limiter = createRateLimiter({ perMinute: 500, burst: 20, now: () => Date.now() });
    let admitted = 0;
    for (let i = 0; i < 2_000; i++) void limiter.acquire().then(() => admitted++);
    await vi.advanceTimersByTimeAsync(0);
    expect(admitted).toBe(20); // the burst
    await vi.advanceTimersByTimeAsync(60_000);
    expect(admitted).toBeLessThanOrEqual(500);
    expect(admitted).toBeGreaterThanOrEqual(495);
  });

  it("one limiter per connection is shared by every client of that company", () => {
    expect(limiterForCompany(COMPANY)).toBe(limiterForCompany(COMPANY));
    expect(limiterForCompany(COMPANY)).not.toBe(limiterForCompany(DEMO_SECOND_COMPANY_ID));
    expect(limiterForCompany(COMPANY).perMinute).toBe(500);
  });

  it("paginate stops on hasNextPage=false and refuses a cursor that does not advance", async () => {
    const pages = [
      { items: [1, 2], hasNextPage: true, endCursor: "A", total: 3 },
      { items: [3], hasNextPage: false, endCursor: "B", total: 3 },
    ];
    const calls: Array<string | undefined> = [];
    const all = await collectAll(async (after) => {
      calls.push(after);
      return pages[calls.length - 1];
    });
    expect(all).toEqual([1, 2, 3]);
    expect(calls).toEqual([undefined, "A"]);

    const stuck = collectAll(async () => ({ items: [1], hasNextPage: true, endCursor: "SAME", total: null }));
    await expect(stuck).rejects.toThrow(/did not advance/);
  });
});
