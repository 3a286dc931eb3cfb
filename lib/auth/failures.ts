/**
 * Why a connect attempt failed, in the portal's own words. next-auth reduces most callback failures to
 * `?error=Configuration`; the route wrapper (lib/auth/route-handlers.ts) captures the underlying error
 * and classifies it here so the error page can say what happened and what to do.
 */

export const AUTH_FAILURE_CODES = [
  "access_denied",
  "provider_error",
  "state_mismatch",
  "pkce_missing",
  "code_rejected",
  "client_rejected",
  "pleo_unavailable",
  "profile_failed",
  "incomplete_grant",
  "company_linked_elsewhere",
  "session_expired",
  "server_error",
] as const;
export type AuthFailureCode = (typeof AUTH_FAILURE_CODES)[number];

function isAuthFailureCode(v: unknown): v is AuthFailureCode {
  return typeof v === "string" && (AUTH_FAILURE_CODES as readonly string[]).includes(v);
}

/** next-auth's own `?error=` values, for errors we did not see ourselves. */
const NEXT_AUTH_CODES: Record<string, AuthFailureCode> = {
  AccessDenied: "access_denied",
  OAuthCallbackError: "provider_error",
  OAuthAccountNotLinked: "company_linked_elsewhere",
  AccountNotLinked: "company_linked_elsewhere",
  MissingCSRF: "session_expired",
  Verification: "session_expired",
  Configuration: "server_error",
};

/** Any `?error=` value → one of ours (unknown values are treated as a server error). */
export function normalizeFailureCode(raw: string | undefined | null): AuthFailureCode {
  if (!raw) return "server_error";
  if (isAuthFailureCode(raw)) return raw;
  // Own keys only: `?error=constructor` must not read a member every object inherits.
  return Object.hasOwn(NEXT_AUTH_CODES, raw) ? NEXT_AUTH_CODES[raw] : "server_error";
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null;

/** The error and everything it wraps (next-auth puts the original under `cause.err`). */
function chain(error: unknown): unknown[] {
  const out: unknown[] = [];
  let current: unknown = error;
  for (let i = 0; i < 6 && current !== undefined && current !== null; i++) {
    out.push(current);
    if (!isObj(current)) break;
    const cause = current.cause;
    current = isObj(cause) && "err" in cause ? cause.err : cause instanceof Error ? cause : undefined;
  }
  return out;
}

function statusOf(e: Obj): number | null {
  if (typeof e.status === "number") return e.status;
  if (e.cause instanceof Response) return e.cause.status;
  return null;
}

/**
 * Classifies by stable markers only: next-auth's static `type`, oauth4webapi's `code` (OAUTH_…), our own
 * explicit error names, and built-in error names. Class names are not used: a production build minifies
 * them (e.g. ResponseBodyError becomes "n_").
 */
export function classifyAuthFailure(error: unknown): AuthFailureCode {
  for (const e of chain(error)) {
    if (!isObj(e)) continue;
    const name = typeof e.name === "string" ? e.name : "";
    const type = typeof e.type === "string" ? e.type : "";
    const code = typeof e.code === "string" ? e.code : "";
    const message = typeof e.message === "string" ? e.message : "";

    // The authorization server redirected back with ?error=… (RFC 6749 §4.1.2.1). oauth4webapi's error
    // carries Pleo's `error`; next-auth's OAuthCallbackError does not keep it, so the route handler reads
    // access_denied from the callback URL instead (lib/auth/route-handlers.ts).
    if (type === "OAuthCallbackError" || code === "OAUTH_AUTHORIZATION_RESPONSE_ERROR") {
      return e.error === "access_denied" ? "access_denied" : "provider_error";
    }
    if (type === "InvalidCheck") {
      return /pkce|code_verifier/i.test(message) ? "pkce_missing" : "state_mismatch";
    }
    if (code === "OAUTH_INVALID_RESPONSE" && /"state"/.test(message)) return "state_mismatch";
    if (name === "PleoIdentityError") {
      const status = statusOf(e);
      return status === null || status >= 500 || status === 429 ? "pleo_unavailable" : "profile_failed";
    }
    if (name === "CompanyLinkedElsewhereError") return "company_linked_elsewhere";
    if (code.startsWith("OAUTH_")) {
      // Token endpoint answers: an error body, a WWW-Authenticate challenge, or a non-conforming response.
      const status = statusOf(e);
      if (status !== null && (status >= 500 || status === 429)) return "pleo_unavailable";
      if (e.error === "invalid_grant") return "code_rejected";
      if (e.error === "invalid_client" || status === 401) return "client_rejected";
      if (code === "OAUTH_RESPONSE_BODY_ERROR") return "provider_error";
    }
    // fetch() failures: refused, reset, DNS, our timeout.
    if (name === "TimeoutError" || name === "AbortError" || (name === "TypeError" && /fetch failed/i.test(message))) {
      return "pleo_unavailable";
    }
    if (type === "MissingCSRF") return "session_expired";
  }
  return "server_error";
}
