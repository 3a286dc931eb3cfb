import "server-only";

import { isSecureAuthRequest, sessionTokenFromCookieHeader } from "@/lib/auth/session-cookie";
import { env } from "@/lib/env";
import { clientAddress, type HeaderReader } from "@/lib/limits/client-address";
import { consumeLimit, type LimitName, type LimitVerdict } from "@/lib/limits/limits";
import { sessionKey } from "@/lib/sessions";

/** One hit of `name` for the client this request comes from (lib/limits/client-address.ts). */
export function limitByClient(name: LimitName, headers: HeaderReader): Promise<LimitVerdict> {
  return consumeLimit(name, "client", clientAddress(headers, env().TRUST_PROXY_HOPS));
}

/**
 * One hit of `name` for the request's portal session (keyed by the session token's hash, as the
 * session row is; never the token), or for its client when it has none.
 */
export function limitBySession(name: LimitName, headers: HeaderReader): Promise<LimitVerdict> {
  const token = sessionTokenFromCookieHeader(headers.get("cookie"), { secure: isSecureAuthRequest(headers) });
  if (!token) return limitByClient(name, headers);
  return consumeLimit(name, "session", sessionKey(token));
}
