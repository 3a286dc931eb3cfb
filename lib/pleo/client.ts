import "server-only";

import { env } from "@/lib/env";
import { logger as processLogger } from "@/lib/log";
import { bindEndpoints, endpoints, type BoundEndpoints } from "@/lib/pleo/endpoints";
import {
  NeedsReauthError,
  PleoApiError,
  PleoRateLimitError,
  PleoResponseError,
  PleoUnavailableError,
} from "@/lib/pleo/errors";
import { createPleoHttp, type PleoHttpOptions } from "@/lib/pleo/http";
import { limiterForCompany } from "@/lib/pleo/rate-budget";
import { getAccessToken } from "@/lib/pleo/tokens";

/**
 * lib/pleo is the portal's boundary with Pleo: the External API client (this file: the endpoint list
 * in endpoints.ts sent by the HTTP engine in http.ts), zod schemas that validate Pleo's JSON and
 * reshape it into lib/pleo/types (nothing outside lib/pleo sees provider JSON), typed errors, the
 * OAuth token endpoint and sign-in's identity lookup (oauth.ts, identity.ts), the per-connection
 * request budget shared by every instance (rate-budget.ts, limiter.ts), and the token lifecycle
 * (tokens.ts → token-manager.ts; the token store owns every write of a connection's token columns).
 * It may import lib/db, lib/crypto, lib/env, lib/log, lib/ops and lib/util; it must never import
 * lib/connections, lib/auth, lib/sync, lib/expenses or lib/settings (they import it).
 *
 * The client: one per connection, one method per endpoint entry; every response validated and reshaped.
 */

export type PleoClientOptions = Omit<PleoHttpOptions, "companyId"> & { companyId: string };

export type PleoClient = { readonly companyId: string } & BoundEndpoints<typeof endpoints>;

export function createPleoClient(options: PleoClientOptions): PleoClient {
  const { companyId } = options;
  return { companyId, ...bindEndpoints(createPleoHttp(options), { companyId }, endpoints) };
}

/** The portal's client for a linked company: DB token manager, the connection's shared request budget, process logger. */
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
