import { z } from "zod";
import { neverSent, parseJsonText, retryAfterMs } from "@/lib/pleo/http";

/**
 * Calls to Pleo's authorization server for an existing grant: the refresh_token grant and RFC 7662
 * introspection. Results are classified, not thrown, because what the token manager may do next
 * depends on whether Pleo could have rotated the refresh token:
 *   - "ok": new tokens;
 *   - "invalid_grant": the refresh token is dead (revoked, rotated, expired) — never present it again;
 *   - "rejected": another OAuth error (e.g. invalid_client): nothing was issued, not the grant's fault;
 *   - "unavailable" with `processed: false`: Pleo answered an error (5xx/429) or was never reached, so
 *     nothing was rotated (RFC 6749 §5.2: an error response issues nothing) and the same token is safe;
 *   - "unavailable" with `processed: "unknown"`: the request may have reached Pleo but its answer was
 *     lost (dropped connection, timeout, unreadable 200) — the token may have been rotated.
 */

export type OAuthClientConfig = {
  authUrl: string;
  clientId: string;
  clientSecret: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
};

/** The tokens of a grant: the connect flow's code exchange, or a refresh. */
export type GrantedTokens = {
  accessToken: string;
  refreshToken: string;
  /** `expires_in` of the token response, seconds (Pleo: "never assume" 10 minutes). */
  expiresInSeconds: number;
  /** Only if Pleo sends it (not documented); otherwise the documented 60-day minimum is assumed. */
  refreshExpiresInSeconds?: number;
  /** `scope` of the token response; RFC 6749 §5.1: when absent, the requested scopes were granted. */
  scope: string | null;
};

export type Unavailable = {
  kind: "unavailable";
  processed: false | "unknown";
  status: number | null;
  retryAfterMs: number | null;
  detail: string;
};

export type RefreshOutcome =
  | { kind: "ok"; tokens: GrantedTokens; status: number }
  | { kind: "invalid_grant"; status: number; detail: string }
  | { kind: "rejected"; status: number; error: string; detail: string }
  | Unavailable;

export type IntrospectOutcome = { kind: "active" } | { kind: "inactive" } | Unavailable;

// FOUND: access_token, refresh_token, expires_in; the rest is RFC 6749 (GUESSED for Pleo).
const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
  refresh_token_expires_in: z.coerce.number().positive().optional(),
  scope: z.string().optional(),
  token_type: z.string().optional(),
});

const errorResponseSchema = z.object({ error: z.string(), error_description: z.string().optional() });

/** OAuth errors that mean "this refresh token will never work again" (FOUND: invalid_grant, invalid_token; 3P: invalid_refresh_token). */
const DEAD_TOKEN_ERRORS = new Set(["invalid_grant", "invalid_token", "invalid_refresh_token"]);

export const DEFAULT_OAUTH_TIMEOUT_MS = 10_000;

/** RFC 6749 §2.3.1: client_secret_basic with form-urlencoded id and secret (Pleo documents Basic). */
function basicAuth(clientId: string, clientSecret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString("base64")}`;
}

function describeError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause ? ` (${e.cause.code ?? e.cause.message ?? "cause"})` : "";
  return `${e?.name ?? "Error"}: ${e?.message ?? String(err)}${cause}`;
}

async function postForm(
  cfg: OAuthClientConfig,
  path: string,
  form: Record<string, string>,
): Promise<{ res: Response; text: string } | Unavailable> {
  const fetchImpl = cfg.fetch ?? fetch;
  let res: Response;
  try {
    res = await fetchImpl(`${cfg.authUrl.replace(/\/+$/, "")}${path}`, {
      method: "POST",
      headers: {
        authorization: basicAuth(cfg.clientId, cfg.clientSecret),
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(cfg.timeoutMs ?? DEFAULT_OAUTH_TIMEOUT_MS),
      cache: "no-store",
    });
  } catch (err) {
    return {
      kind: "unavailable",
      processed: neverSent(err) ? false : "unknown",
      status: null,
      retryAfterMs: null,
      detail: describeError(err),
    };
  }
  try {
    return { res, text: await res.text() };
  } catch (err) {
    // Headers arrived but the body was cut off: for a 200 the new tokens are lost.
    return {
      kind: "unavailable",
      processed: res.ok ? "unknown" : false,
      status: res.status,
      retryAfterMs: null,
      detail: describeError(err),
    };
  }
}

export async function refreshTokenGrant(cfg: OAuthClientConfig, refreshToken: string): Promise<RefreshOutcome> {
  const sent = await postForm(cfg, "/oauth/token", { grant_type: "refresh_token", refresh_token: refreshToken });
  if ("kind" in sent) return sent;
  const { res, text } = sent;
  const json = parseJsonText(text);
  if (res.ok) {
    const parsed = tokenResponseSchema.safeParse(json);
    if (!parsed.success) {
      // Pleo answered 200, so it probably rotated — but we cannot read the new tokens.
      return {
        kind: "unavailable",
        processed: "unknown",
        status: res.status,
        retryAfterMs: null,
        detail: "token response without access_token/refresh_token/expires_in",
      };
    }
    const t = parsed.data;
    return {
      kind: "ok",
      status: res.status,
      tokens: {
        accessToken: t.access_token,
        refreshToken: t.refresh_token,
        expiresInSeconds: t.expires_in,
        refreshExpiresInSeconds: t.refresh_token_expires_in,
        scope: t.scope ?? null,
      },
    };
  }
  if (res.status === 429 || res.status >= 500) {
    const wait = retryAfterMs(res.headers);
    return {
      kind: "unavailable",
      processed: false,
      status: res.status,
      retryAfterMs: wait,
      detail: `HTTP ${res.status}`,
    };
  }
  const err = errorResponseSchema.safeParse(json);
  const error = err.success ? err.data.error : `http_${res.status}`;
  const detail = err.success ? (err.data.error_description ?? err.data.error) : `HTTP ${res.status}`;
  if (DEAD_TOKEN_ERRORS.has(error)) return { kind: "invalid_grant", status: res.status, detail };
  return { kind: "rejected", status: res.status, error, detail };
}

/**
 * RFC 7662 introspection of a refresh token. Used only to learn whether a token whose refresh outcome
 * is unknown is still usable, without presenting it to the token endpoint (which would count as reuse
 * and revoke the grant if it had been rotated). GUESSED: Pleo documents introspection for "access or
 * refresh token" and no reuse penalty for it.
 */
export async function introspectRefreshToken(cfg: OAuthClientConfig, refreshToken: string): Promise<IntrospectOutcome> {
  const sent = await postForm(cfg, "/oauth/token/introspect", {
    token: refreshToken,
    token_type_hint: "refresh_token",
  });
  if ("kind" in sent) return sent;
  const { res, text } = sent;
  if (!res.ok) {
    return {
      kind: "unavailable",
      processed: false,
      status: res.status,
      retryAfterMs: retryAfterMs(res.headers),
      detail: `introspection HTTP ${res.status}`,
    };
  }
  const parsed = z.object({ active: z.boolean() }).safeParse(parseJsonText(text));
  if (!parsed.success) {
    return {
      kind: "unavailable",
      processed: false,
      status: res.status,
      retryAfterMs: null,
      detail: "introspection response without `active`",
    };
  }
  return parsed.data.active ? { kind: "active" } : { kind: "inactive" };
}

/**
 * The code exchange's token response as next-auth hands it over (oauth4webapi output: `access_token`,
 * `refresh_token`, `expires_in`, `expires_at`, `scope`). Null when it cannot keep a connection alive
 * (no refresh token or no usable lifetime), so the caller fails the sign-in instead of storing it.
 */
export function grantFromTokenResponse(t: Record<string, unknown>, now = Date.now()): GrantedTokens | null {
  const accessToken = typeof t.access_token === "string" && t.access_token ? t.access_token : null;
  const refreshToken = typeof t.refresh_token === "string" && t.refresh_token ? t.refresh_token : null;
  let expiresIn: number | null = null;
  if (typeof t.expires_in === "number" && Number.isFinite(t.expires_in)) expiresIn = t.expires_in;
  else if (typeof t.expires_at === "number") expiresIn = t.expires_at - Math.floor(now / 1000);
  if (!accessToken || !refreshToken || expiresIn === null || expiresIn <= 0) return null;
  return {
    accessToken,
    refreshToken,
    expiresInSeconds: expiresIn,
    scope: typeof t.scope === "string" ? t.scope : null,
  };
}
