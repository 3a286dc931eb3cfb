import "server-only";

import type { z } from "zod";
import { env } from "@/lib/env";
import { logger as processLogger, type Logger } from "@/lib/log";
import {
  NeedsReauthError,
  PleoApiError,
  PleoRateLimitError,
  PleoResponseError,
  PleoUnavailableError,
} from "@/lib/pleo/errors";
import { toCompany, toTokenIdentity } from "@/lib/pleo/identity";
import { limiterForCompany, unlimited, type RateLimiter } from "@/lib/pleo/limiter";
import { neverSent, parseRetryAfter } from "@/lib/pleo/oauth";
import { accountingEntrySchema } from "@/lib/pleo/schemas/accounting-entries";
import { dataEnvelope, describeIssues, listEnvelope, pageEnvelope } from "@/lib/pleo/schemas/common";
import {
  employeeSchema,
  ledgerAccountSchema,
  tagGroupSchema,
  tagSchema,
  teamSchema,
} from "@/lib/pleo/schemas/directory";
import { companyResponseSchema, introspectResponseSchema } from "@/lib/pleo/schemas/identity";
import { installationSchema } from "@/lib/pleo/schemas/installations";
import { getAccessToken } from "@/lib/pleo/tokens";
import { backoffMs, sleep as defaultSleep } from "@/lib/util/async";
import type {
  AccountingEntry,
  AccountingEntrySearch,
  Company,
  Employee,
  Installation,
  LedgerAccount,
  Page,
  Tag,
  TagGroup,
  Team,
  TokenIdentity,
} from "@/lib/pleo/types";

/**
 * Typed client for Pleo's External API, one per connection. Every response is validated (zod) and
 * reshaped into lib/pleo/types. Each attempt passes the connection's limiter; 429 waits Retry-After;
 * 5xx, timeouts and dropped connections retry with jittered backoff a bounded number of times (only
 * where repeating is harmless); 401 forces one token refresh and one retry. A request that succeeded
 * is never sent again.
 */

export type TokenSource = {
  get(): Promise<string>;
  /** `rejectedToken`: the token Pleo just refused, so a concurrent refresh is not repeated. */
  forceRefresh(rejectedToken?: string): Promise<string>;
};

export type RetryPolicy = {
  /** Tries per request for 5xx / network errors / timeouts (first try included). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** 429s waited out before giving up with PleoRateLimitError. */
  maxRateLimitWaits: number;
  /** A Retry-After longer than this is not waited; PleoRateLimitError carries it instead. */
  maxRetryAfterMs: number;
  /** Per-attempt timeout. */
  timeoutMs: number;
};

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
  maxRateLimitWaits: 3,
  maxRetryAfterMs: 60_000,
  timeoutMs: 30_000,
};

export type PleoClientOptions = {
  apiUrl: string;
  companyId: string;
  tokens: TokenSource;
  limiter?: RateLimiter;
  logger?: Logger;
  fetch?: typeof fetch;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
};

export type ListOptions = { after?: string; limit?: number };

export type PleoClient = {
  readonly companyId: string;
  introspect(): Promise<TokenIdentity>;
  getCompany(): Promise<Company>;
  listEmployees(opts?: ListOptions): Promise<Page<Employee>>;
  listTeams(opts?: ListOptions): Promise<Page<Team>>;
  listAccounts(opts?: ListOptions): Promise<Page<LedgerAccount>>;
  listTagGroups(opts?: ListOptions): Promise<Page<TagGroup>>;
  listTags(tagGroupId: string, opts?: ListOptions): Promise<Page<Tag>>;
  searchAccountingEntries(q: Omit<AccountingEntrySearch, "companyId">): Promise<Page<AccountingEntry>>;
  getAccountingEntry(id: string): Promise<AccountingEntry>;
  getInstallation(): Promise<Installation | null>;
  activateInstallation(): Promise<Installation>;
  deleteInstallation(): Promise<void>;
};

type Query = Record<string, string | number | boolean | string[] | undefined>;

type RequestSpec<T> = {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path template for logs and errors (`/v1/accounting-entries/{id}`); ids never reach log lines as paths. */
  template: string;
  path: string;
  query?: Query;
  body?: unknown;
  /** Validates and reshapes a 2xx body. */
  parse: (json: unknown) => T;
  /** Safe to send twice (reads, and the read-only search POST). Non-idempotent requests are retried only when Pleo certainly did not process them. */
  idempotent: boolean;
  /** Statuses that are answers rather than errors (e.g. 404 → no installation). */
  accept?: (status: number) => T | undefined;
};

const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);

function toQueryString(q: Query | undefined): string {
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

/** Validate with a zod schema; a mismatch names the endpoint and the offending fields. */
export function validate<S extends z.ZodType>(schema: S, json: unknown, endpoint: string): z.output<S> {
  const r = schema.safeParse(json);
  if (!r.success) throw new PleoResponseError(endpoint, describeIssues(r.error));
  return r.data;
}

function errorBody(json: unknown): { type: string | null; message: string | null } {
  if (json && typeof json === "object") {
    const o = json as Record<string, unknown>;
    return {
      type: typeof o.type === "string" ? o.type : typeof o.error === "string" ? o.error : null,
      message:
        typeof o.message === "string"
          ? o.message
          : typeof o.error_description === "string"
            ? o.error_description
            : null,
    };
  }
  return { type: null, message: null };
}

export function createPleoClient(options: PleoClientOptions): PleoClient {
  const base = options.apiUrl.replace(/\/+$/, "");
  const companyId = options.companyId;
  const tokens = options.tokens;
  const limiter = options.limiter ?? unlimited;
  const log = options.logger ?? processLogger();
  const fetchImpl = options.fetch ?? fetch;
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const sleep = options.sleep ?? defaultSleep;
  const backoff = (failures: number) => backoffMs(failures, retry.baseDelayMs, retry.maxDelayMs);

  async function request<T>(spec: RequestSpec<T>): Promise<T> {
    const endpoint = `${spec.method} ${spec.template}`;
    const url = `${base}${spec.path}${toQueryString(spec.query)}`;
    let token = await tokens.get();
    let refreshed = false;
    let failures = 0;
    let rateWaits = 0;

    for (let attempt = 1; ; attempt++) {
      await limiter.acquire();
      const started = performance.now();
      let status: number | null = null;
      let text = "";
      let headers: Headers | null = null;
      let networkError: unknown;
      try {
        const res = await fetchImpl(url, {
          method: spec.method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: "application/json",
            ...(spec.body !== undefined ? { "content-type": "application/json" } : {}),
          },
          body: spec.body !== undefined ? JSON.stringify(spec.body) : undefined,
          signal: AbortSignal.timeout(retry.timeoutMs),
          cache: "no-store",
        });
        status = res.status;
        headers = res.headers;
        // Reading the body can fail too (connection dropped mid-response): same as a network error.
        text = await res.text();
      } catch (err) {
        networkError = err;
      }
      const durationMs = Math.round(performance.now() - started);
      const fields = { event: "pleo.request", companyId, endpoint, status, durationMs, attempt };

      if (networkError !== undefined) {
        failures++;
        const safe = spec.idempotent || neverSent(networkError);
        const detail =
          (networkError as Error).name === "TimeoutError"
            ? "timeout"
            : ((networkError as Error).message ?? "network error");
        log.warn({ ...fields, outcome: "network_error", detail }, "Pleo request failed");
        if (safe && failures < retry.maxAttempts) {
          await sleep(backoff(failures));
          continue;
        }
        throw new PleoUnavailableError(
          `Pleo ${endpoint} failed after ${attempt} attempt(s): ${detail}`,
          503,
          endpoint,
          undefined,
          { cause: networkError },
        );
      }

      let json: unknown = undefined;
      if (text) {
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
      }
      const s = status!;

      if (s >= 200 && s < 300) {
        log.info({ ...fields, outcome: "ok" }, "Pleo request");
        if (text && json === undefined) throw new PleoResponseError(endpoint, ["body is not JSON"], s);
        return spec.parse(json);
      }
      const accepted = spec.accept?.(s);
      if (accepted !== undefined) {
        log.info({ ...fields, outcome: "ok" }, "Pleo request");
        return accepted;
      }

      if (s === 401 && !refreshed) {
        log.info({ ...fields, outcome: "unauthorized_refreshing" }, "Pleo rejected the access token; refreshing once");
        refreshed = true;
        token = await tokens.forceRefresh(token);
        continue;
      }
      if (s === 429) {
        const waitMs = parseRetryAfter(headers?.get("retry-after") ?? null) ?? backoff(rateWaits + 1);
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
          const retryAfter = parseRetryAfter(headers?.get("retry-after") ?? null);
          await sleep(retryAfter !== null && retryAfter <= retry.maxDelayMs ? retryAfter : backoff(failures));
          continue;
        }
        throw new PleoUnavailableError(`Pleo ${endpoint} answered HTTP ${s} after ${attempt} attempt(s)`, s, endpoint);
      }

      const { type, message } = errorBody(json);
      log.warn({ ...fields, outcome: "error", type }, "Pleo request rejected");
      if (s === 401) {
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

  const page = (opts: ListOptions | undefined): Query => ({ after: opts?.after, limit: opts?.limit });
  const enc = encodeURIComponent;

  return {
    companyId,

    introspect() {
      return request({
        method: "GET",
        template: "/v1/introspect",
        path: "/v1/introspect",
        idempotent: true,
        parse: (json) => {
          validate(introspectResponseSchema, json, "GET /v1/introspect");
          return toTokenIdentity(json);
        },
      });
    },

    getCompany() {
      return request({
        method: "GET",
        template: "/v1/companies/{companyId}",
        path: `/v1/companies/${enc(companyId)}`,
        idempotent: true,
        parse: (json) => {
          validate(companyResponseSchema, json, "GET /v1/companies/{companyId}");
          return toCompany(json);
        },
      });
    },

    listEmployees(opts) {
      const endpoint = "GET /v2/employees";
      return request({
        method: "GET",
        template: "/v2/employees",
        path: "/v2/employees",
        query: { companyId, ...page(opts) }, // camelCase here (FOUND)
        idempotent: true,
        parse: (json) => validate(pageEnvelope(employeeSchema), json, endpoint),
      });
    },

    listTeams(opts) {
      const endpoint = "GET /v1/teams";
      return request({
        method: "GET",
        template: "/v1/teams",
        path: "/v1/teams",
        query: { company_id: companyId, ...page(opts) },
        idempotent: true,
        parse: (json) => validate(pageEnvelope(teamSchema), json, endpoint),
      });
    },

    listAccounts(opts) {
      // Chart of accounts search (FOUND, v1-beta); read-only despite POST, so retryable.
      const endpoint = "POST /v1-beta/accounts:search";
      return request({
        method: "POST",
        template: "/v1-beta/accounts:search",
        path: "/v1-beta/accounts:search",
        query: page(opts),
        body: { companyId },
        idempotent: true,
        parse: (json) => validate(pageEnvelope(ledgerAccountSchema), json, endpoint),
      });
    },

    listTagGroups(opts) {
      const endpoint = "GET /v0/tag-groups";
      return request({
        method: "GET",
        template: "/v0/tag-groups",
        path: "/v0/tag-groups",
        query: { company_id: companyId, include_archived: true, ...page(opts) },
        idempotent: true,
        // DataResponseListTagGroupModel is a plain list (FOUND); a paginated form is accepted too.
        parse: (json) =>
          json && typeof json === "object" && "pagination" in json
            ? validate(pageEnvelope(tagGroupSchema), json, endpoint)
            : validate(listEnvelope(tagGroupSchema), json, endpoint),
      });
    },

    listTags(tagGroupId, opts) {
      const endpoint = "GET /v0/tag-groups/{groupId}/tags";
      return request({
        method: "GET",
        template: "/v0/tag-groups/{groupId}/tags",
        path: `/v0/tag-groups/${enc(tagGroupId)}/tags`,
        query: { include_archived: true, ...page(opts) },
        idempotent: true,
        parse: (json) => validate(pageEnvelope(tagSchema), json, endpoint),
      });
    },

    searchAccountingEntries(q) {
      const endpoint = "POST /v1/accounting-entries:search";
      const iso = (d: Date | undefined) => d?.toISOString();
      const body = Object.fromEntries(
        Object.entries({
          includeDeleted: q.includeDeleted ?? false,
          performedAtStart: iso(q.performedAtStart),
          performedAtEnd: iso(q.performedAtEnd),
          settledAtStart: iso(q.settledAtStart),
          settledAtEnd: iso(q.settledAtEnd),
          families: q.families,
          status: q.status,
        }).filter(([, v]) => v !== undefined),
      );
      return request({
        method: "POST",
        template: "/v1/accounting-entries:search",
        path: "/v1/accounting-entries:search",
        query: {
          company_id: companyId,
          after: q.after,
          limit: q.limit,
          sorting_keys: q.sortingKeys,
          sorting_order: q.sortingOrder,
        },
        body,
        // A search: POST only to carry the filter body, reads nothing but entries.
        idempotent: true,
        parse: (json) => validate(pageEnvelope(accountingEntrySchema), json, endpoint),
      });
    },

    getAccountingEntry(id) {
      const endpoint = "GET /v1/accounting-entries/{id}";
      return request({
        method: "GET",
        template: "/v1/accounting-entries/{id}",
        path: `/v1/accounting-entries/${enc(id)}`,
        query: { include_deleted: true },
        idempotent: true,
        parse: (json) => validate(dataEnvelope(accountingEntrySchema), json, endpoint).data,
      });
    },

    getInstallation() {
      const endpoint = "GET /v1/installations/me";
      return request<Installation | null>({
        method: "GET",
        template: "/v1/installations/me",
        path: "/v1/installations/me",
        query: { company_id: companyId },
        idempotent: true,
        parse: (json) => validate(installationSchema, json, endpoint),
        accept: (s) => (s === 404 ? null : undefined),
      });
    },

    activateInstallation() {
      const endpoint = "POST /v1/installations/me:activate";
      return request({
        method: "POST",
        template: "/v1/installations/me:activate",
        path: "/v1/installations/me:activate",
        query: { company_id: companyId },
        // Sets a state, so repeating is harmless in effect; still only retried when certainly unprocessed.
        idempotent: false,
        parse: (json) => validate(installationSchema, json, endpoint),
      });
    },

    async deleteInstallation() {
      await request<"deleted" | "absent">({
        method: "DELETE",
        template: "/v1/installations/me",
        path: "/v1/installations/me",
        query: { company_id: companyId },
        // DELETE is idempotent (RFC 9110); a retry after a lost 204 answers 404, which also means done.
        idempotent: true,
        parse: () => "deleted",
        accept: (s) => (s === 404 ? "absent" : undefined),
      });
    },
  };
}

/** The portal's client for a linked company: DB token manager, per-connection limiter, process logger. */
export function pleoClient(companyId: string): PleoClient {
  const e = env();
  return createPleoClient({
    apiUrl: e.PLEO_API_URL,
    companyId,
    tokens: {
      get: () => getAccessToken(companyId),
      forceRefresh: (rejectedToken) => getAccessToken(companyId, { forceRefresh: true, rejectedToken }),
    },
    limiter: limiterForCompany(companyId, e.PLEO_RATE_LIMIT_PER_MINUTE),
    logger: processLogger().child({ component: "pleo-client" }),
  });
}

export { NeedsReauthError, PleoApiError, PleoRateLimitError, PleoResponseError, PleoUnavailableError };
