import "server-only";

import type { z } from "zod";
import { logger as processLogger, type Logger } from "@/lib/log";
import { PleoApiError, PleoRateLimitError, PleoResponseError, PleoUnavailableError } from "@/lib/pleo/errors";
import { unlimited, type RateLimiter } from "@/lib/pleo/limiter";
import { describeIssues } from "@/lib/pleo/schemas/common";
import { backoffMs, sleep as defaultSleep } from "@/lib/util/async";

/**
 * The HTTP engine every call to Pleo's External API goes through: one request with a bearer token,
 * each attempt passing the limiter; 429 waits Retry-After within a budget; 5xx, timeouts and dropped
 * connections retry with jittered backoff a bounded number of times, but only where repeating is
 * harmless (idempotent requests, or a 503 / a request that never left this machine); 401 forces one
 * token refresh and one retry when the token source can refresh. A request that succeeded is never
 * sent again. Bodies are parsed as JSON and validated (zod); failures are the typed errors of
 * lib/pleo/errors. One `pleo.request` log line per attempt (endpoint template, never the path or token).
 * What is called is declared in lib/pleo/endpoints.ts.
 */

export type TokenSource = {
  get(): Promise<string>;
  /**
   * `rejectedToken`: the token Pleo just refused, so a concurrent refresh is not repeated. Absent for a
   * token handed in as is (sign-in): a 401 is then an answer, not a reason to refresh.
   */
  forceRefresh?(rejectedToken?: string): Promise<string>;
};

/** A token handed in directly (sign-in's fresh access token): no refresh, no token manager. */
export const bearerToken = (token: string): TokenSource => ({ get: async () => token });

export type RetryPolicy = {
  /** Tries per request for 5xx / network errors / timeouts (first try included). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** 429s waited out before giving up with PleoRateLimitError. */
  maxRateLimitWaits: number;
  /** A Retry-After longer than this is not waited; PleoRateLimitError carries it instead. */
  maxRetryAfterMs: number;
  /** Per-attempt timeout; null leaves it to the injected fetch (sign-in brings its own). */
  timeoutMs: number | null;
};

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
  maxRateLimitWaits: 3,
  maxRetryAfterMs: 60_000,
  timeoutMs: 30_000,
};

/** One try, no waiting: sign-in answers the visitor at once and lets them try again. */
export const SINGLE_ATTEMPT: RetryPolicy = {
  ...DEFAULT_RETRY,
  maxAttempts: 1,
  maxRateLimitWaits: 0,
  timeoutMs: null,
};

export type PleoHttpOptions = {
  apiUrl: string;
  tokens: TokenSource;
  /** Logged with every request; absent at sign-in, before the company is known. */
  companyId?: string;
  limiter?: RateLimiter;
  logger?: Logger;
  fetch?: typeof fetch;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
};

export type Method = "GET" | "POST" | "PUT" | "DELETE";

export type Query = Record<string, string | number | boolean | string[] | undefined>;

export type RequestSpec<T> = {
  method: Method;
  /** Path template for logs and errors (`/v1/accounting-entries/{id}`); ids never reach log lines as paths. */
  template: string;
  path: string;
  query?: Query;
  body?: unknown;
  /** Validates and reshapes a 2xx body. */
  parse: (json: unknown) => T;
  /** Safe to send twice (reads, and read-only search POSTs). Others are retried only when Pleo certainly did not process them. */
  idempotent: boolean;
  /** Statuses that are answers rather than errors (e.g. 404 → no installation), with the value they stand for. */
  accept?: { readonly [status: number]: T };
};

export type PleoHttp = { request<T>(spec: RequestSpec<T>): Promise<T> };

const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);

/** A response body as JSON; undefined when empty or not JSON (the caller decides what that means). */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The Retry-After header in ms: delta-seconds or an HTTP date (RFC 9110); null when absent or unreadable. */
export function retryAfterMs(headers: Headers | null | undefined, now = Date.now()): number | null {
  const value = headers?.get("retry-after")?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

const NEVER_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** Errors thrown before any byte left this machine: the request certainly did not reach Pleo. */
export function neverSent(err: unknown): boolean {
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    const code = (e as { code?: string }).code;
    if (code && NEVER_SENT_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Validate with a zod schema; a mismatch names the endpoint and the offending fields. */
export function validate<S extends z.ZodType>(schema: S, json: unknown, endpoint: string): z.output<S> {
  const r = schema.safeParse(json);
  if (!r.success) throw new PleoResponseError(endpoint, describeIssues(r.error));
  return r.data;
}

export function toQueryString(q: Query | undefined): string {
  if (!q) return "";
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, item);
    else params.append(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** Pleo's ExceptionInfo (`type`, `message`) or an OAuth error body (`error`, `error_description`). */
function errorBody(json: unknown): { type: string | null; message: string | null } {
  if (!json || typeof json !== "object") return { type: null, message: null };
  const o = json as Record<string, unknown>;
  const str = (...keys: string[]) => keys.map((k) => o[k]).find((v): v is string => typeof v === "string") ?? null;
  return { type: str("type", "error"), message: str("message", "error_description") };
}

type Attempt =
  { kind: "answered"; status: number; headers: Headers; text: string } | { kind: "network"; error: unknown };

export function createPleoHttp(options: PleoHttpOptions): PleoHttp {
  const base = options.apiUrl.replace(/\/+$/, "");
  const { companyId, tokens } = options;
  const limiter = options.limiter ?? unlimited;
  const log = options.logger ?? processLogger();
  const fetchImpl = options.fetch ?? fetch;
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const sleep = options.sleep ?? defaultSleep;
  const backoff = (failures: number) => backoffMs(failures, retry.baseDelayMs, retry.maxDelayMs);

  async function attempt(url: string, spec: RequestSpec<unknown>, token: string): Promise<Attempt> {
    try {
      const res = await fetchImpl(url, {
        method: spec.method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          ...(spec.body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: spec.body !== undefined ? JSON.stringify(spec.body) : undefined,
        ...(retry.timeoutMs !== null ? { signal: AbortSignal.timeout(retry.timeoutMs) } : {}),
        cache: "no-store",
      });
      // Reading the body can fail too (connection dropped mid-response): same as a network error.
      return { kind: "answered", status: res.status, headers: res.headers, text: await res.text() };
    } catch (error) {
      return { kind: "network", error };
    }
  }

  async function request<T>(spec: RequestSpec<T>): Promise<T> {
    const endpoint = `${spec.method} ${spec.template}`;
    const url = `${base}${spec.path}${toQueryString(spec.query)}`;
    let token = await tokens.get();
    let refreshed = false;
    let failures = 0;
    let rateWaits = 0;

    for (let n = 1; ; n++) {
      await limiter.acquire();
      const started = performance.now();
      const a = await attempt(url, spec as RequestSpec<unknown>, token);
      const status = a.kind === "answered" ? a.status : null;
      const durationMs = Math.round(performance.now() - started);
      const fields = { event: "pleo.request", companyId, endpoint, status, durationMs, attempt: n };

      if (a.kind === "network") {
        failures++;
        const safe = spec.idempotent || neverSent(a.error);
        const err = a.error as Error;
        const detail = err.name === "TimeoutError" ? "timeout" : (err.message ?? "network error");
        log.warn({ ...fields, outcome: "network_error", detail }, "Pleo request failed");
        if (safe && failures < retry.maxAttempts) {
          await sleep(backoff(failures));
          continue;
        }
        throw new PleoUnavailableError(
          `Pleo ${endpoint} failed after ${n} attempt(s): ${detail}`,
          503,
          endpoint,
          undefined,
          { cause: a.error, noResponse: true },
        );
      }

      const s = a.status;
      const json = parseJsonText(a.text);
      if (s >= 200 && s < 300) {
        log.info({ ...fields, outcome: "ok" }, "Pleo request");
        if (a.text && json === undefined) throw new PleoResponseError(endpoint, ["body is not JSON"], s);
        return spec.parse(json);
      }
      if (spec.accept && Object.hasOwn(spec.accept, s)) {
        log.info({ ...fields, outcome: "ok" }, "Pleo request");
        return spec.accept[s];
      }

      if (s === 401 && !refreshed && tokens.forceRefresh) {
        log.info({ ...fields, outcome: "unauthorized_refreshing" }, "Pleo rejected the access token; refreshing once");
        refreshed = true;
        token = await tokens.forceRefresh(token);
        continue;
      }
      if (s === 429) {
        const waitMs = retryAfterMs(a.headers) ?? backoff(rateWaits + 1);
        log.warn({ ...fields, outcome: "rate_limited", retryAfterMs: waitMs }, "Pleo rate limit");
        if (rateWaits < retry.maxRateLimitWaits && waitMs <= retry.maxRetryAfterMs) {
          rateWaits++;
          await sleep(waitMs);
          continue;
        }
        throw new PleoRateLimitError(Math.ceil(waitMs / 1000), endpoint);
      }
      if (RETRYABLE_STATUS.has(s)) {
        failures++;
        // 503 means "not processed, retry later" (FOUND for accounting entries); other 5xx may have been.
        const safe = spec.idempotent || s === 503;
        log.warn({ ...fields, outcome: "server_error" }, "Pleo server error");
        if (safe && failures < retry.maxAttempts) {
          const wait = retryAfterMs(a.headers);
          await sleep(wait !== null && wait <= retry.maxDelayMs ? wait : backoff(failures));
          continue;
        }
        throw new PleoUnavailableError(`Pleo ${endpoint} answered HTTP ${s} after ${n} attempt(s)`, s, endpoint);
      }

      const { type, message } = errorBody(json);
      log.warn({ ...fields, outcome: "error", type }, "Pleo request rejected");
      if (s === 401 && refreshed) {
        throw new PleoApiError(
          401,
          type ?? "UNAUTHORIZED",
          `Pleo ${endpoint} rejected a freshly refreshed token: ${message ?? "unauthorized"}`,
          false,
          endpoint,
        );
      }
      throw new PleoApiError(
        s,
        type ?? `HTTP_${s}`,
        `Pleo ${endpoint} answered HTTP ${s}: ${message ?? "no message"}`,
        false,
        endpoint,
      );
    }
  }

  return { request };
}
