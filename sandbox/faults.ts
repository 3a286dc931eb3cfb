/**
 * Fault injection for OAuth and API paths (never /__sandbox/*): latency, error statuses and dropped
 * connections, optionally probabilistic (`rate`, seeded RNG) or limited to N occurrences (`times`).
 */
import type { HttpBindings } from "@hono/node-server";
import type { Context, MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Fault, SandboxState } from "./store";

export function faultMatches(pattern: string, path: string): boolean {
  return pattern.endsWith("*") ? path.startsWith(pattern.slice(0, -1)) : pattern === path;
}

const TYPES: Record<number, string> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "ACCESS_DENIED",
  404: "NOT_FOUND",
  429: "TOO_MANY_REQUESTS",
  500: "INTERNAL_SERVER_ERROR",
  502: "BAD_GATEWAY",
  503: "SERVICE_UNAVAILABLE",
  504: "GATEWAY_TIMEOUT",
};

function faultResponse(c: Context, f: Fault): Response {
  const status = f.status as ContentfulStatusCode;
  const headers: Record<string, string> = {};
  if (status === 429 || status === 503) headers["Retry-After"] = "1";
  if (c.req.path.startsWith("/oauth/")) {
    const error = status >= 500 ? "temporarily_unavailable" : status === 401 ? "invalid_client" : "invalid_request";
    return c.json({ error, error_description: "Injected fault (sandbox)" }, status, {
      ...headers,
      "Cache-Control": "no-store",
    });
  }
  if (status === 401) headers["WWW-Authenticate"] = 'Bearer realm="pleo"';
  return c.json({ type: TYPES[status] ?? "ERROR", message: "Injected fault (sandbox)" }, status, headers);
}

export function faultMiddleware(state: SandboxState): MiddlewareHandler<{ Bindings: HttpBindings }> {
  return async (c, next) => {
    const path = c.req.path;
    if (path.startsWith("/__sandbox")) return next();
    const f = state.faults.find((x) => faultMatches(x.path, path));
    if (!f) return next();
    if (f.rate < 1 && state.rng() >= f.rate) return next();
    if (f.timesLeft !== undefined) {
      f.timesLeft--;
      if (f.timesLeft <= 0) state.faults = state.faults.filter((x) => x !== f);
    }
    state.stats.faultsApplied++;
    if (f.latencyMs) await new Promise((r) => setTimeout(r, f.latencyMs));
    if (f.reset) {
      c.env.incoming.socket.destroy();
      return c.body(null, 500);
    }
    if (f.status !== undefined) return faultResponse(c, f);
    return next();
  };
}
