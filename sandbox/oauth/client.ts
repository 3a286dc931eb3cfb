/** The registered OAuth client and client authentication (HTTP Basic, or body parameters). */
import { timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { REGISTERED_SCOPES, type Scope } from "../seed/fixtures";
import type { SandboxState } from "../store";

export interface RegisteredClient {
  id: string;
  secret: string;
  redirectUris: readonly string[];
  scopes: readonly Scope[];
}

export function findClient(state: SandboxState, clientId: string | undefined): RegisteredClient | undefined {
  if (clientId !== state.config.clientId) return undefined;
  return {
    id: state.config.clientId,
    secret: state.config.clientSecret,
    redirectUris: state.config.redirectUris,
    scopes: REGISTERED_SCOPES,
  };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function parseBasic(header: string | undefined): { id: string; secret: string } | "malformed" | null {
  if (!header) return null;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return /^Basic\b/i.test(header) ? "malformed" : null;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return "malformed";
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " ")),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, " ")),
    };
  } catch {
    return "malformed";
  }
}

export type ClientAuthResult = { client: RegisteredClient } | { error: string };

/**
 * Sources disagree on Pleo's method (Basic documented; body parameters in newer how-tos), so both are
 * accepted (GUESSED). `allowBody: false` for introspection, which documents Basic only.
 */
export function authenticateClient(
  state: SandboxState,
  c: Context,
  body: Record<string, string>,
  allowBody = true,
): ClientAuthResult {
  const basic = parseBasic(c.req.header("authorization"));
  if (basic === "malformed") return { error: "Malformed Basic authorization header" };
  let creds = basic;
  if (creds && body.client_id !== undefined && body.client_id !== creds.id) {
    return { error: "client_id in the body does not match the authenticated client" };
  }
  if (!creds && allowBody && body.client_id !== undefined && body.client_secret !== undefined) {
    creds = { id: body.client_id, secret: body.client_secret };
  }
  if (!creds) return { error: "Client authentication required" };
  const client = findClient(state, creds.id);
  if (!client || !safeEqual(creds.secret, client.secret)) return { error: "Client authentication failed" };
  return { client };
}
