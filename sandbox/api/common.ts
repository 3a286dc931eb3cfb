/**
 * Shared External API plumbing: error bodies, bearer authentication, rate limiting, scope and
 * company checks, and generic cursor paging for small lists.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { RATE_LIMIT_PER_MINUTE } from "../config";
import { decodeCursor, encodeCursor } from "../search/cursor";
import type { Scope } from "../seed/fixtures";
import { MinuteWindow, type SandboxState, type TokenRec } from "../store";

export type ApiEnv = { Variables: { token: TokenRec } };
export type ApiContext = Context<ApiEnv>;

// Error bodies mirror Pleo's ExceptionInfo {type, message} (FOUND on Export/Tags APIs; GUESSED here).
export function apiError(
  c: Context,
  status: ContentfulStatusCode,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return c.json({ type, message }, status, headers);
}

export const badRequest = (c: Context, message: string) => apiError(c, 400, "BAD_REQUEST", message);
export const notFound = (c: Context, message: string) => apiError(c, 404, "NOT_FOUND", message);
export const forbidden = (c: Context, message: string) => apiError(c, 403, "ACCESS_DENIED", message);

function unauthorized(c: Context, message: string): Response {
  return apiError(c, 401, "UNAUTHORIZED", message, {
    "WWW-Authenticate": `Bearer realm="pleo", error="invalid_token", error_description="${message}"`,
  });
}

/** Count by path with ids collapsed, so stats stay small. */
export function normalizePath(path: string): string {
  return path.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "{id}");
}

export function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** Every request a valid token makes counts, answered or refused with 429 (Pleo counts them all). */
function recordMinute(state: SandboxState, token: TokenRec, now: number): void {
  let perToken = state.tokenMinutes.get(token.jti);
  if (!perToken) {
    perToken = { companyId: token.companyId, window: new MinuteWindow() };
    state.tokenMinutes.set(token.jti, perToken);
  }
  perToken.window.record(now);
  let perCompany = state.companyMinutes.get(token.companyId);
  if (!perCompany) {
    perCompany = new MinuteWindow();
    state.companyMinutes.set(token.companyId, perCompany);
  }
  perCompany.record(now);
}

/** Bearer token → TokenRec (401 otherwise), then the per-token rate limit (429). */
export function bearerAuth(state: SandboxState): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    state.stats.apiRequests++;
    bump(state.stats.apiRequestsByPath, `${c.req.method} ${normalizePath(c.req.path)}`);
    const header = c.req.header("authorization") ?? "";
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return unauthorized(c, "Missing bearer token");
    const token = state.tokens.get(m[1]);
    const now = state.clock.now();
    if (!token || token.kind !== "access") return unauthorized(c, "Invalid token");
    if (token.revoked || state.grants.get(token.grantId)?.revoked) return unauthorized(c, "Token has been revoked");
    if (token.expiresAt <= now) return unauthorized(c, "JWT is expired");
    recordMinute(state, token, now);

    if (state.config.rateLimit) {
      // Fixed one-minute window per token, on the sandbox clock (advancing the clock resets it).
      let w = state.rateWindows.get(token.value);
      if (!w || now - w.start >= 60_000) {
        w = { start: now, count: 0 };
        state.rateWindows.set(token.value, w);
      }
      if (w.count >= RATE_LIMIT_PER_MINUTE) {
        state.stats.rateLimited++;
        const retryAfter = Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000));
        return apiError(
          c,
          429,
          "TOO_MANY_REQUESTS",
          `Rate limit of ${RATE_LIMIT_PER_MINUTE} requests per minute exceeded`,
          {
            "Retry-After": String(retryAfter),
          },
        );
      }
      w.count++;
    }
    c.set("token", token);
    await next();
    bump(state.stats.apiResponsesByStatus, String(c.res.status));
  };
}

/** 403 unless the token carries `scope`. */
export function requireScope(c: ApiContext, scope: Scope): Response | null {
  const token = c.get("token");
  if (!token.scope.includes(scope)) return forbidden(c, `Missing required scope '${scope}'`);
  return null;
}

/** 403 unless `companyId` is the company the token was granted for. */
export function requireCompany(c: ApiContext, companyId: string): Response | null {
  if (c.get("token").companyId !== companyId) {
    return forbidden(c, `Access denied to company ${companyId}`);
  }
  return null;
}

export const uuidSchema = z.uuid();

/**
 * The company a `?company_id=` list endpoint is asked about, after the checks every such endpoint makes
 * in this order: the scope (403), the parameter present (400, `missing` says how) and a UUID (400), and
 * the token's own company (403). A Response when a check fails.
 */
export function requireCompanyParam(
  c: ApiContext,
  scope: Scope,
  missing = "company_id is required",
): string | Response {
  const denied = requireScope(c, scope);
  if (denied) return denied;
  const companyId = c.req.query("company_id");
  if (companyId === undefined) return badRequest(c, missing);
  if (!uuidSchema.safeParse(companyId).success) return badRequest(c, "company_id must be a UUID");
  return requireCompany(c, companyId) ?? companyId;
}

export function parseLimit(raw: string | undefined, max = 100, dflt = 20): number | string {
  if (raw === undefined || raw === "") return dflt;
  if (!/^\d+$/.test(raw)) return "limit must be an integer";
  const n = Number(raw);
  if (n < 1 || n > max) return `limit must be between 1 and ${max}`;
  return n;
}

/** Non-paging query parameters, echoed in currentRequestPagination.parameters. */
export function requestParameters(c: Context): Record<string, string[]> {
  const skip = new Set(["before", "after", "limit", "offset", "sorting_keys", "sorting_order"]);
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(c.req.queries())) if (!skip.has(k)) out[k] = v;
  return out;
}

/**
 * Paging over a small list kept sorted by id: keyset cursors (base32) for before/after, or offset.
 * GUESSED for APIs whose paging defaults are undocumented: limit default 20, max 100.
 */
export function paginateList<T extends { id: string }>(
  c: Context,
  all: readonly T[],
  render: (item: T) => unknown,
  defaultLimit = 20,
): Response {
  const q = c.req.query();
  const limit = parseLimit(q.limit, 100, defaultLimit);
  if (typeof limit === "string") return badRequest(c, limit);
  const used = ["before", "after", "offset"].filter((k) => q[k] !== undefined);
  if (used.length > 1) return badRequest(c, `${used.join(" and ")} cannot be used together`);
  const items = [...all].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let start = 0;
  let end = items.length;
  const idOf = (raw: string) => {
    const cur = decodeCursor(raw);
    return cur && cur.key === "id" && typeof cur.value === "string" ? cur.value : null;
  };
  if (q.after !== undefined) {
    const id = idOf(q.after);
    if (id === null) return badRequest(c, "Malformed cursor");
    start = items.findIndex((i) => i.id > id);
    if (start < 0) start = items.length;
  } else if (q.before !== undefined) {
    const id = idOf(q.before);
    if (id === null) return badRequest(c, "Malformed cursor");
    end = items.findIndex((i) => i.id >= id);
    if (end < 0) end = items.length;
    start = Math.max(0, end - limit);
  } else if (q.offset !== undefined) {
    if (!/^\d+$/.test(q.offset)) return badRequest(c, "offset must be a non-negative integer");
    start = Math.min(Number(q.offset), items.length);
  }
  const page = items.slice(start, Math.min(end, start + limit));
  const cursor = (item: T) => encodeCursor({ key: "id", value: item.id, id: item.id });
  return c.json({
    data: page.map(render),
    pagination: {
      currentRequestPagination: {
        parameters: requestParameters(c),
        ...(q.after !== undefined ? { after: q.after } : {}),
        ...(q.before !== undefined ? { before: q.before } : {}),
        ...(q.offset !== undefined ? { offset: Number(q.offset) } : {}),
        limit,
        sortingKeys: ["id"],
        sortingOrder: ["ASC"],
      },
      hasNextPage: start + page.length < items.length,
      hasPreviousPage: start > 0,
      ...(page.length > 0 ? { startCursor: cursor(page[0]), endCursor: cursor(page[page.length - 1]) } : {}),
      total: items.length,
    },
  });
}

/**
 * An optional JSON body (empty means `{}`) validated with `schema`; the message names the first problem.
 * Callers wrap it in their own error shape (API `{type,message}` or control-API `{error,message}`).
 */
export function parseJsonBody<T>(
  text: string,
  schema: z.ZodType<T>,
): { ok: true; data: T } | { ok: false; reason: "json" | "schema"; message: string } {
  let raw: unknown = {};
  if (text.trim() !== "") {
    try {
      raw = JSON.parse(text);
    } catch {
      return { ok: false, reason: "json", message: "Body is not valid JSON" };
    }
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, data: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: "schema", message: `${issue.path.join(".") || "(root)"}: ${issue.message}` };
}
