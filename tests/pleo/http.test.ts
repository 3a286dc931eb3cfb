/**
 * lib/pleo/http.ts, the engine under every call to Pleo, against the sandbox over HTTP: what each
 * answer leads to (retry, wait, refresh, typed error), how often a request is sent, that every attempt
 * waits on the connection's limiter first, and the one log line per attempt. Waits (backoff,
 * Retry-After) go through the engine's `sleep` option and are recorded, not waited. Where the sandbox
 * cannot answer the way a test needs (a Retry-After date or none, a 2xx that is not JSON, a bare 401),
 * a small scripted server stands in for Pleo and records what it was sent.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createLogger } from "@/lib/log";
import { bindEndpoints, endpoints } from "@/lib/pleo/endpoints";
import { PleoApiError, PleoRateLimitError, PleoResponseError, PleoUnavailableError } from "@/lib/pleo/errors";
import {
  bearerToken,
  createPleoHttp,
  neverSent,
  parseJsonText,
  retryAfterMs,
  SINGLE_ATTEMPT,
  toQueryString,
  type PleoHttpOptions,
  type RequestSpec,
  type TokenSource,
} from "@/lib/pleo/http";
import type { RateLimiter } from "@/lib/pleo/limiter";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { captureLogger } from "@/tests/support/logs";
import { sandboxTokens, startTestSandbox, type InProcessSandbox } from "@/tests/support/sandbox";

const COMPANY = LARGE_COMPANY_ID;
const EMPLOYEES = "GET /v2/employees";
const ACTIVATE = "POST /v1/installations/me:activate";

let sb: InProcessSandbox;
beforeAll(async () => {
  sb = await startTestSandbox({ entries: 50, rateLimit: false });
});
afterAll(async () => {
  await sb?.close();
});

const stats = () => sb.control.stats();
const sentTo = async (key: string) => (await stats()).apiRequestsByPath[key] ?? 0;

/**
 * The engine on a fresh sandbox with a real token for `COMPANY`: its sleeps recorded, its log captured,
 * and the endpoint list bound to it. Short retry delays unless the test says otherwise.
 */
async function engine(opts: Partial<PleoHttpOptions> = {}) {
  await sb.control.reset();
  const token = (await sandboxTokens(sb, COMPANY)).access_token;
  const sleeps: number[] = [];
  const cap = captureLogger();
  const http = createPleoHttp({
    apiUrl: sb.url,
    companyId: COMPANY,
    tokens: bearerToken(token),
    logger: cap.logger,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...opts,
    retry: { baseDelayMs: 100, maxDelayMs: 400, ...opts.retry },
  });
  const api = bindEndpoints(http, { companyId: COMPANY }, endpoints);
  const requests = () => cap.lines().filter((l) => l.event === "pleo.request");
  return { http, api, token, sleeps, requests };
}

/** A token source that refreshes by signing in again at the sandbox, counting refreshes and what they were told. */
function refreshingTokens(first: string) {
  const rejected: Array<string | undefined> = [];
  let current = first;
  const source: TokenSource = {
    get: async () => current,
    forceRefresh: async (rejectedToken) => {
      rejected.push(rejectedToken);
      current = (await sandboxTokens(sb, COMPANY)).access_token;
      return current;
    },
  };
  return { source, rejected, current: () => current };
}

describe("helpers", () => {
  it("toQueryString: given values in order, lists repeated, undefined left out, encoded", () => {
    expect(toQueryString(undefined)).toBe("");
    expect(toQueryString({})).toBe("");
    expect(toQueryString({ gone: undefined })).toBe("");
    expect(toQueryString({ a: "x y&z", list: ["1", "2"], n: 3, f: false, gone: undefined })).toBe(
      "?a=x+y%26z&list=1&list=2&n=3&f=false",
    );
  });

  it("parseJsonText: JSON, or undefined when empty or not JSON", () => {
    expect(parseJsonText('{"a":[1]}')).toEqual({ a: [1] });
    expect(parseJsonText("null")).toBeNull();
    expect(parseJsonText("")).toBeUndefined();
    expect(parseJsonText("<html>")).toBeUndefined();
  });

  it("retryAfterMs: delta-seconds or an HTTP date; null when absent or unreadable", () => {
    const now = Date.parse("2026-03-01T12:00:00Z");
    const h = (value: string) => new Headers({ "retry-after": value });
    expect(retryAfterMs(undefined)).toBeNull();
    expect(retryAfterMs(null)).toBeNull();
    expect(retryAfterMs(new Headers())).toBeNull();
    expect(retryAfterMs(h("   "))).toBeNull();
    expect(retryAfterMs(h(" 7 "), now)).toBe(7_000);
    expect(retryAfterMs(h("0"), now)).toBe(0);
    expect(retryAfterMs(h("30"), now)).toBe(30_000);
    expect(retryAfterMs(h("Sun, 01 Mar 2026 12:00:30 GMT"), now)).toBe(30_000);
    expect(retryAfterMs(h("Sun, 01 Mar 2026 11:59:00 GMT"), now)).toBe(0); // already past
    expect(retryAfterMs(h("soon"), now)).toBeNull();
    expect(retryAfterMs(h("7 s"), now)).toBeNull();
    expect(retryAfterMs(h("x7"), now)).toBeNull();
    // The default clock is now.
    const inTen = new Date(Date.now() + 10_000).toUTCString();
    expect(retryAfterMs(h(inTen))).toBeGreaterThan(8_000);
    expect(retryAfterMs(h(inTen))).toBeLessThanOrEqual(10_000);
  });

  it("neverSent: a connect-time error code on the error or up to three causes down", () => {
    for (const code of [
      "ECONNREFUSED",
      "ENOTFOUND",
      "EAI_AGAIN",
      "ENETUNREACH",
      "EHOSTUNREACH",
      "UND_ERR_CONNECT_TIMEOUT",
    ]) {
      expect(neverSent({ code })).toBe(true);
    }
    const nested = (depth: number) => {
      let e: object = { code: "ECONNREFUSED" };
      for (let i = 0; i < depth; i++) e = { message: "wrapped", cause: e };
      return e;
    };
    expect(neverSent(nested(3))).toBe(true);
    expect(neverSent(nested(4))).toBe(false);
    // Errors after the request may have left: its outcome is unknown.
    expect(neverSent({ code: "ECONNRESET" })).toBe(false);
    expect(neverSent({ code: "UND_ERR_SOCKET", cause: { code: "ECONNRESET" } })).toBe(false);
    expect(neverSent(new Error("fetch failed"))).toBe(false);
    expect(neverSent(undefined)).toBe(false);
  });
});

describe("the connection's limiter", () => {
  it("every attempt, retries included, waits for the limiter before anything is sent", async () => {
    // A limiter the test holds shut: each attempt's acquire() stays pending until released.
    const pending: Array<() => void> = [];
    const held: RateLimiter = { perMinute: 1, acquire: () => new Promise<void>((r) => pending.push(r)) };
    const { api } = await engine({ limiter: held });
    await sb.control.fault({ path: "/v2/employees", status: 503, times: 1 });

    const page = api.listEmployees({ limit: 2 });
    await vi.waitFor(() => expect(pending).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 50));
    expect((await stats()).faultsApplied).toBe(0); // nothing sent while the limiter holds it
    pending[0]();
    await vi.waitFor(() => expect(pending).toHaveLength(2)); // the retry asks again
    await new Promise((r) => setTimeout(r, 50));
    expect((await stats()).faultsApplied).toBe(1);
    expect(await sentTo(EMPLOYEES)).toBe(0);
    pending[1]();
    expect((await page).items).toHaveLength(2);
    expect(await sentTo(EMPLOYEES)).toBe(1);
    expect(pending).toHaveLength(2);
  });
});

describe("answers", () => {
  it("a 2xx is parsed by the request's schema; a 204 has no body to parse", async () => {
    const { api, requests } = await engine({ apiUrl: `${sb.url}//` }); // trailing slashes are dropped
    expect((await api.getCompany()).id).toBe(COMPANY);
    await expect(api.deleteInstallation()).resolves.toBeUndefined();
    expect(requests().map((l) => [l.endpoint, l.status, l.outcome])).toEqual([
      ["GET /v1/companies/{companyId}", 200, "ok"],
      ["DELETE /v1/installations/me", 204, "ok"],
    ]);
  });

  it("a status the request accepts is its answer; others stay errors", async () => {
    const { http, requests } = await engine();
    const spec = (accept: RequestSpec<string>["accept"]): RequestSpec<string> => ({
      method: "GET",
      template: "/v1/accounting-entries/{id}",
      path: "/v1/accounting-entries/00000000-0000-4000-8000-000000000001",
      idempotent: true,
      parse: () => "found",
      accept,
    });
    await expect(http.request(spec({ 404: "none" }))).resolves.toBe("none");
    await expect(http.request(spec({ 403: "denied" }))).rejects.toMatchObject({ status: 404, type: "NOT_FOUND" });
    await expect(http.request(spec(undefined))).rejects.toMatchObject({ status: 404, type: "NOT_FOUND" });
    expect(requests().map((l) => [l.msg, l.outcome, l.status])).toEqual([
      ["Pleo request", "ok", 404],
      ["Pleo request rejected", "error", 404],
      ["Pleo request rejected", "error", 404],
    ]);
  });

  it("another 4xx is a PleoApiError with Pleo's type and message, sent once", async () => {
    const { api, sleeps } = await engine();
    await sb.control.fault({ path: "/v2/employees", status: 403, times: 1 });
    const err = await api.listEmployees().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PleoApiError);
    expect(err).not.toBeInstanceOf(PleoUnavailableError);
    expect(err).toMatchObject({
      status: 403,
      type: "ACCESS_DENIED",
      retryable: false,
      endpoint: EMPLOYEES,
      message: `Pleo ${EMPLOYEES} answered HTTP 403: Injected fault (sandbox)`,
    });
    expect((await stats()).faultsApplied).toBe(1);
    expect(sleeps).toEqual([]);
  });
});

describe("401: one forced refresh, one retry", () => {
  it("a refreshable token is refreshed once, told which token was refused, and the request retried with the new one", async () => {
    const { token } = await engine();
    const tokens = refreshingTokens(token);
    const { api, requests } = await engine({ tokens: tokens.source });
    await sb.control.fault({ path: "/v2/employees", status: 401, times: 1 });
    expect((await api.listEmployees({ limit: 1 })).items).toHaveLength(1);
    expect(tokens.rejected).toEqual([token]);
    expect(tokens.current()).not.toBe(token);
    expect(await sentTo(EMPLOYEES)).toBe(1);
    expect(requests().map((l) => [l.status, l.outcome, l.attempt])).toEqual([
      [401, "unauthorized_refreshing", 1],
      [200, "ok", 2],
    ]);
  });

  it("a second 401 after the refresh is a PleoApiError that says so; no second refresh", async () => {
    const { token } = await engine();
    const tokens = refreshingTokens(token);
    const { api } = await engine({ tokens: tokens.source });
    await sb.control.fault({ path: "/v2/employees", status: 401, times: 2 });
    const err = await api.listEmployees().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PleoApiError);
    expect(err).toMatchObject({
      status: 401,
      type: "UNAUTHORIZED",
      retryable: false,
      endpoint: EMPLOYEES,
      message: `Pleo ${EMPLOYEES} rejected a freshly refreshed token: Injected fault (sandbox)`,
    });
    expect(tokens.rejected).toHaveLength(1);
    expect((await stats()).faultsApplied).toBe(2);
  });

  it("a token handed in as is (no refresh) gets the 401 as the answer, sent once", async () => {
    const { api } = await engine();
    await sb.control.fault({ path: "/v2/employees", status: 401, times: 1 });
    await expect(api.listEmployees()).rejects.toMatchObject({
      status: 401,
      type: "UNAUTHORIZED",
      message: `Pleo ${EMPLOYEES} answered HTTP 401: Injected fault (sandbox)`,
    });
    expect((await stats()).faultsApplied).toBe(1);
  });
});

describe("429: wait Retry-After within the budget", () => {
  it("waits what Retry-After says, then sends again", async () => {
    const { api, sleeps } = await engine();
    await sb.control.fault({ path: "/v2/employees", status: 429, times: 2 });
    expect((await api.listEmployees({ limit: 1 })).items).toHaveLength(1);
    expect(sleeps).toEqual([1_000, 1_000]);
    expect(await sentTo(EMPLOYEES)).toBe(1);
  });

  it("after maxRateLimitWaits waits, a PleoRateLimitError carrying the wait", async () => {
    const { api, sleeps } = await engine({ retry: { maxRateLimitWaits: 2 } });
    await sb.control.fault({ path: "/v2/employees", status: 429 });
    const err = await api.listEmployees().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PleoRateLimitError);
    expect(err).toMatchObject({ retryAfterSeconds: 1, endpoint: EMPLOYEES });
    expect(sleeps).toEqual([1_000, 1_000]);
    expect((await stats()).faultsApplied).toBe(3);
  });

  it("a wait longer than maxRetryAfterMs is not waited; one that equals it is", async () => {
    const longer = await engine({ retry: { maxRetryAfterMs: 999 } });
    await sb.control.fault({ path: "/v2/employees", status: 429, times: 1 });
    await expect(longer.api.listEmployees()).rejects.toMatchObject({ retryAfterSeconds: 1 });
    expect(longer.sleeps).toEqual([]);
    expect((await stats()).faultsApplied).toBe(1);

    const equal = await engine({ retry: { maxRetryAfterMs: 1_000 } });
    await sb.control.fault({ path: "/v2/employees", status: 429, times: 1 });
    expect((await equal.api.listEmployees({ limit: 1 })).items).toHaveLength(1);
    expect(equal.sleeps).toEqual([1_000]);
  });

  it("production defaults: three waits, then the error", async () => {
    const { token } = await engine();
    const sleeps: number[] = [];
    const http = createPleoHttp({
      apiUrl: sb.url,
      tokens: bearerToken(token),
      logger: createLogger({ level: "silent" }),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    await sb.control.fault({ path: "/v2/employees", status: 429 });
    const api = bindEndpoints(http, { companyId: COMPANY }, endpoints);
    await expect(api.listEmployees()).rejects.toBeInstanceOf(PleoRateLimitError);
    expect(sleeps).toEqual([1_000, 1_000, 1_000]);
  });
});

describe("5xx: retried with backoff where repeating is harmless", () => {
  it.each([500, 502, 503, 504])(
    "%i on a read: retried, and the answer that succeeded is not sent again",
    async (status) => {
      const { api, sleeps } = await engine();
      await sb.control.fault({ path: "/v2/employees", status, times: 1 });
      expect((await api.listEmployees({ limit: 1 })).items).toHaveLength(1);
      // The backoff for one failure (base 100 ms, jittered); a 503's Retry-After of 1 s is beyond maxDelayMs.
      expect(sleeps).toHaveLength(1);
      expect(sleeps[0]).toBeGreaterThanOrEqual(50);
      expect(sleeps[0]).toBeLessThanOrEqual(100);
      expect(await sentTo(EMPLOYEES)).toBe(1);
    },
  );

  it("a 5xx that is not a transient one (501) is an error at once", async () => {
    const { api, sleeps } = await engine();
    await sb.control.fault({ path: "/v2/employees", status: 501, times: 1 });
    const err = await api.listEmployees().catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(PleoUnavailableError);
    expect(err).toMatchObject({ status: 501, type: "ERROR" });
    expect(sleeps).toEqual([]);
  });

  it("backoff doubles per failure within the jitter, and gives up after maxAttempts", async () => {
    const { api, sleeps } = await engine({ retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 10_000 } });
    await sb.control.fault({ path: "/v2/employees", status: 502 });
    const err = await api.listEmployees().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PleoUnavailableError);
    expect(err).toMatchObject({
      status: 502,
      retryable: true,
      endpoint: EMPLOYEES,
      message: `Pleo ${EMPLOYEES} answered HTTP 502 after 3 attempt(s)`,
    });
    expect((await stats()).faultsApplied).toBe(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(sleeps[0]).toBeLessThanOrEqual(100);
    expect(sleeps[1]).toBeGreaterThanOrEqual(100);
    expect(sleeps[1]).toBeLessThanOrEqual(200);
  });

  it("a 503's Retry-After is waited when it is within maxDelayMs, else the backoff", async () => {
    const within = await engine({ retry: { maxDelayMs: 1_000 } });
    await sb.control.fault({ path: "/v2/employees", status: 503, times: 1 });
    await within.api.listEmployees({ limit: 1 });
    expect(within.sleeps).toEqual([1_000]);

    const beyond = await engine({ retry: { baseDelayMs: 100, maxDelayMs: 999 } });
    await sb.control.fault({ path: "/v2/employees", status: 503, times: 1 });
    await beyond.api.listEmployees({ limit: 1 });
    expect(beyond.sleeps).toHaveLength(1);
    expect(beyond.sleeps[0]).toBeLessThanOrEqual(100);
  });

  it("a write is retried after a 503 (not processed), never after another 5xx (it may have been)", async () => {
    for (const status of [500, 502, 504]) {
      const { api, sleeps } = await engine();
      await sb.control.fault({ path: "/v1/installations/me:activate", status, times: 1 });
      await expect(api.activateInstallation()).rejects.toMatchObject({
        status,
        message: `Pleo ${ACTIVATE} answered HTTP ${status} after 1 attempt(s)`,
      });
      expect(sleeps).toEqual([]);
      expect((await stats()).faultsApplied).toBe(1);
    }
    const { api } = await engine();
    await sb.control.fault({ path: "/v1/installations/me:activate", status: 503, times: 1 });
    expect((await api.activateInstallation()).status).toBe("ACTIVATED");
    expect(await sentTo(ACTIVATE)).toBe(1);
  });

  it("SINGLE_ATTEMPT (sign-in): no retry, no wait", async () => {
    const { api, sleeps } = await engine({ retry: SINGLE_ATTEMPT });
    await sb.control.fault({ path: "/v2/employees", status: 503, times: 1 });
    await expect(api.listEmployees()).rejects.toMatchObject({ status: 503 });
    await sb.control.fault({ path: "/v2/employees", status: 429, times: 1 });
    await expect(api.listEmployees()).rejects.toBeInstanceOf(PleoRateLimitError);
    expect(sleeps).toEqual([]);
    expect((await stats()).faultsApplied).toBe(2);
  });
});

describe("no answer: dropped connections, refused connections, timeouts", () => {
  it("a dropped connection on a read is retried; exactly one request is answered", async () => {
    const { api, sleeps, requests } = await engine();
    await sb.control.fault({ path: "/v2/employees", reset: true, times: 2 });
    expect((await api.listEmployees({ limit: 1 })).items).toHaveLength(1);
    expect(sleeps).toHaveLength(2);
    expect(await sentTo(EMPLOYEES)).toBe(1);
    const lines = requests();
    expect(lines.map((l) => [l.status, l.outcome, l.attempt])).toEqual([
      [null, "network_error", 1],
      [null, "network_error", 2],
      [200, "ok", 3],
    ]);
    expect(lines[0]).toMatchObject({ msg: "Pleo request failed", detail: "fetch failed", endpoint: EMPLOYEES });
  });

  it("a dropped connection on a write is not retried: it may have been processed", async () => {
    const { api, sleeps } = await engine();
    await sb.control.fault({ path: "/v1/installations/me:activate", reset: true, times: 1 });
    const err = await api.activateInstallation().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PleoUnavailableError);
    expect(err).toMatchObject({
      status: 503,
      noResponse: true,
      endpoint: ACTIVATE,
      message: `Pleo ${ACTIVATE} failed after 1 attempt(s): fetch failed`,
    });
    expect((err as Error).cause).toBeInstanceOf(Error);
    expect(sleeps).toEqual([]);
  });

  it("a refused connection is retried even for a write (nothing left this machine), up to maxAttempts", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const { api, sleeps } = await engine({ apiUrl: `http://127.0.0.1:${port}`, retry: { maxAttempts: 3 } });
    const err = await api.activateInstallation().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PleoUnavailableError);
    expect(err).toMatchObject({
      noResponse: true,
      message: `Pleo ${ACTIVATE} failed after 3 attempt(s): fetch failed`,
    });
    expect(sleeps).toHaveLength(2);
  });

  it("an attempt that outlives timeoutMs is a timeout; with no timeout the engine waits", async () => {
    const timed = await engine({ retry: { maxAttempts: 1, timeoutMs: 100 } });
    await sb.control.fault({ path: "/v2/employees", latencyMs: 400, times: 1 });
    await expect(timed.api.listEmployees()).rejects.toMatchObject({
      message: `Pleo ${EMPLOYEES} failed after 1 attempt(s): timeout`,
    });
    expect(timed.requests()[0]).toMatchObject({ outcome: "network_error", detail: "timeout", status: null });

    const patient = await engine({ retry: { maxAttempts: 1, timeoutMs: null } });
    await sb.control.fault({ path: "/v2/employees", latencyMs: 400, times: 1 });
    expect((await patient.api.listEmployees({ limit: 1 })).items).toHaveLength(1);
  });
});

describe("logging", () => {
  it("one pleo.request line per attempt: company, endpoint template, status, duration, attempt and outcome", async () => {
    const { token } = await engine();
    const tokens = refreshingTokens(token);
    const { api, requests } = await engine({ tokens: tokens.source, retry: { maxDelayMs: 1_000 } });
    // Faults on one path apply in turn: a 503, a 429, a 401, then the real answer after a delay.
    await sb.control.fault({ path: "/v2/employees", status: 503, times: 1 });
    await sb.control.fault({ path: "/v2/employees", status: 429, times: 1 });
    await sb.control.fault({ path: "/v2/employees", status: 401, times: 1 });
    await sb.control.fault({ path: "/v2/employees", latencyMs: 200, times: 1 });
    const started = performance.now();
    await api.listEmployees({ limit: 1 });
    const elapsed = performance.now() - started;
    await sb.control.fault({ path: "/v2/employees", status: 400, times: 1 });
    await expect(api.listEmployees()).rejects.toMatchObject({ status: 400 });

    const lines = requests();
    expect(lines.map((l) => [l.msg, l.outcome, l.status, l.attempt])).toEqual([
      ["Pleo server error", "server_error", 503, 1],
      ["Pleo rate limit", "rate_limited", 429, 2],
      ["Pleo rejected the access token; refreshing once", "unauthorized_refreshing", 401, 3],
      ["Pleo request", "ok", 200, 4],
      ["Pleo request rejected", "error", 400, 1],
    ]);
    expect(lines[1].retryAfterMs).toBe(1_000);
    expect(lines[4].type).toBe("BAD_REQUEST");
    for (const l of lines) expect(l).toMatchObject({ companyId: COMPANY, endpoint: EMPLOYEES });
    expect(lines[3].durationMs).toBeGreaterThanOrEqual(195);
    expect(lines[3].durationMs).toBeLessThanOrEqual(Math.ceil(elapsed));
    const text = JSON.stringify(lines);
    expect(text).not.toContain(token);
    expect(text).not.toContain(tokens.current());
  });

  it("without a logger, the process logger is used", async () => {
    const { token } = await engine();
    const http = createPleoHttp({ apiUrl: sb.url, tokens: bearerToken(token) });
    const api = bindEndpoints(http, { companyId: COMPANY }, endpoints);
    expect((await api.getCompany()).id).toBe(COMPANY);
  });
});

describe("what is sent, and answers the sandbox does not give", () => {
  type Sent = { method: string; url: string; headers: IncomingHttpHeaders; body: string };
  type Reply = { status: number; headers?: Record<string, string>; body?: string };
  let server: Server;
  let url: string;
  const sent: Sent[] = [];
  const replies: Reply[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        sent.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        const r = replies.shift() ?? { status: 200, body: "{}" };
        res.writeHead(r.status, r.headers ?? {});
        res.end(r.body ?? "");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  /** The engine against the scripted server, which answers `script` in turn (then 200 `{}`). */
  function scripted(script: Reply[], opts: Partial<PleoHttpOptions> = {}) {
    sent.length = 0;
    replies.length = 0;
    replies.push(...script);
    const sleeps: number[] = [];
    const http = createPleoHttp({
      apiUrl: url,
      tokens: bearerToken("T0K3N"),
      logger: createLogger({ level: "silent" }),
      retry: { baseDelayMs: 100, maxDelayMs: 400 },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...opts,
    });
    return { http, sleeps };
  }
  const get = (extra: Partial<RequestSpec<unknown>> = {}): RequestSpec<unknown> => ({
    method: "GET",
    template: "/v1/x/{id}",
    path: "/v1/x/1",
    idempotent: true,
    parse: (json) => json,
    ...extra,
  });

  it("the bearer token and JSON accept on every request; a body as JSON with its content type", async () => {
    const { http } = scripted([
      { status: 200, body: '{"ok":1}' },
      { status: 200, body: '{"ok":2}' },
    ]);
    expect(await http.request(get({ query: { a: "b", list: ["1", "2"] } }))).toEqual({ ok: 1 });
    expect(await http.request(get({ method: "PUT", body: { status: "ACTIVATED", n: [1] }, idempotent: true }))).toEqual(
      { ok: 2 },
    );
    expect(sent.map((s) => [s.method, s.url, s.body])).toEqual([
      ["GET", "/v1/x/1?a=b&list=1&list=2", ""],
      ["PUT", "/v1/x/1", '{"status":"ACTIVATED","n":[1]}'],
    ]);
    for (const s of sent)
      expect(s.headers).toMatchObject({ authorization: "Bearer T0K3N", accept: "application/json" });
    expect(sent[0].headers).not.toHaveProperty("content-type");
    expect(sent[1].headers["content-type"]).toBe("application/json");
  });

  it("a 2xx that is not JSON is a PleoResponseError; an empty one parses as nothing", async () => {
    const { http } = scripted([{ status: 200, body: "<html>oops</html>" }, { status: 200 }]);
    const err = await http.request(get()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PleoResponseError);
    expect(err).toMatchObject({ status: 200, problems: ["body is not JSON"], endpoint: "GET /v1/x/{id}" });
    expect(await http.request(get({ parse: (json) => ({ parsed: json }) }))).toEqual({ parsed: undefined });
  });

  it("a 3xx is not a success", async () => {
    const { http } = scripted([{ status: 300, body: "{}" }]);
    await expect(http.request(get())).rejects.toMatchObject({ status: 300, type: "HTTP_300" });
  });

  it("error bodies: Pleo's {type, message}, OAuth's {error, error_description}, or none", async () => {
    const cap = captureLogger();
    const { http } = scripted(
      [
        {
          status: 400,
          body: JSON.stringify({ type: 42, error: "invalid_request", message: null, error_description: "bad id" }),
        },
        { status: 418, body: '"just a string"' },
        { status: 418, body: "null" },
        { status: 418 },
      ],
      { logger: cap.logger },
    );
    await expect(http.request(get())).rejects.toMatchObject({
      type: "invalid_request",
      message: "Pleo GET /v1/x/{id} answered HTTP 400: bad id",
    });
    await expect(http.request(get())).rejects.toMatchObject({
      type: "HTTP_418",
      message: "Pleo GET /v1/x/{id} answered HTTP 418: no message",
    });
    await expect(http.request(get())).rejects.toMatchObject({ type: "HTTP_418", message: /: no message$/ });
    await expect(http.request(get())).rejects.toMatchObject({ type: "HTTP_418", message: /: no message$/ });
    // The log line names Pleo's type, or says there was none.
    expect(cap.lines().map((l) => l.type)).toEqual(["invalid_request", null, null, null]);
  });

  it("a bare 401 after a refresh still says what happened", async () => {
    const { http } = scripted([{ status: 401 }, { status: 401 }], {
      tokens: { get: async () => "old", forceRefresh: async () => "new" },
    });
    await expect(http.request(get())).rejects.toMatchObject({
      status: 401,
      type: "UNAUTHORIZED",
      message: "Pleo GET /v1/x/{id} rejected a freshly refreshed token: unauthorized",
    });
    expect(sent.map((s) => s.headers.authorization)).toEqual(["Bearer old", "Bearer new"]);

    // Another refusal after the refresh is that refusal.
    const other = scripted([{ status: 401 }, { status: 403 }], {
      tokens: { get: async () => "old", forceRefresh: async () => "new" },
    });
    await expect(other.http.request(get())).rejects.toMatchObject({
      status: 403,
      type: "HTTP_403",
      message: "Pleo GET /v1/x/{id} answered HTTP 403: no message",
    });
  });

  it("429 without Retry-After backs off per wait; a Retry-After date is waited until; the error carries the wait", async () => {
    const none = scripted([{ status: 429 }, { status: 429 }]);
    expect(await none.http.request(get())).toEqual({});
    expect(none.sleeps).toHaveLength(2);
    expect(none.sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(none.sleeps[0]).toBeLessThanOrEqual(100);
    expect(none.sleeps[1]).toBeGreaterThanOrEqual(100);
    expect(none.sleeps[1]).toBeLessThanOrEqual(200);

    // HTTP dates have whole seconds: 19–20 s from now.
    const date = scripted([{ status: 429, headers: { "retry-after": new Date(Date.now() + 20_000).toUTCString() } }]);
    expect(await date.http.request(get())).toEqual({});
    expect(date.sleeps).toHaveLength(1);
    expect(date.sleeps[0]).toBeGreaterThan(17_000);
    expect(date.sleeps[0]).toBeLessThanOrEqual(20_000);

    const long = scripted([{ status: 429, headers: { "retry-after": "61" } }]);
    await expect(long.http.request(get())).rejects.toMatchObject({ retryAfterSeconds: 61 });
    expect(long.sleeps).toEqual([]);
    expect(sent).toHaveLength(1);
  });
});
