import { logger } from "@/lib/log";
import { endpoint, endpoints, parseResponse, requestFor, type Endpoint } from "@/lib/pleo/endpoints";
import { PleoApiError, PleoResponseError, PleoUnavailableError } from "@/lib/pleo/errors";
import { bearerToken, createPleoHttp, SINGLE_ATTEMPT } from "@/lib/pleo/http";
import type { Company, TokenIdentity } from "@/lib/pleo/types";

/**
 * Who a fresh access token belongs to, for sign-in. Pleo has no OIDC userinfo: the company comes from
 * `GET /v1/introspect` (its subject URN) and its name from `GET /v1/companies/{id}`, both sent through
 * the client's engine and endpoint list with the token handed in as is (no token manager, no limiter,
 * one attempt: the visitor is answered at once). Failures are PleoIdentityError with Pleo's status,
 * which lib/auth classifies for the error page.
 */

export class PleoIdentityError extends Error {
  constructor(
    message: string,
    /** HTTP status from Pleo, or null for a network or parse failure. */
    public readonly status: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "PleoIdentityError";
  }
}

/** The engine's typed errors in sign-in's terms: Pleo's status, or null when Pleo gave no usable answer. */
function identityError(err: unknown): unknown {
  if (err instanceof PleoResponseError) return new PleoIdentityError(err.message, null, { cause: err });
  if (err instanceof PleoUnavailableError && err.noResponse) {
    return new PleoIdentityError(`could not reach Pleo: ${err.message}`, null, { cause: err });
  }
  if (err instanceof PleoApiError) {
    return new PleoIdentityError(`${err.endpoint} answered HTTP ${err.status}`, err.status, { cause: err });
  }
  return err;
}

function parseIdentity<R>(ep: Endpoint<never, R>, json: unknown): R {
  try {
    return parseResponse(ep, json);
  } catch (err) {
    throw identityError(err);
  }
}

/** A `GET /v1/introspect` body → TokenIdentity (PleoIdentityError if it does not match). */
export const toTokenIdentity = (json: unknown): TokenIdentity => parseIdentity(endpoints.introspect, json);

/** A `GET /v1/companies/{id}` body → Company (PleoIdentityError if it does not match). */
export const toCompany = (json: unknown): Company => parseIdentity(endpoints.getCompany, json);

/** The company a token was granted for, as the connect flow needs it. */
export type TokenOwner = { identity: TokenIdentity; company: Company };

/** Without `companies:read` Pleo answers 403: an answer (no name), not a failure. */
const companyIfReadable = endpoint({ ...endpoints.getCompany, accept: { 403: null } });

/**
 * Introspect, then read the company. A token without `companies:read` still connects: the company is
 * then named by its id until a later sync learns the name (real clients may not register that scope).
 * `fetchImpl` brings sign-in's own timeout.
 */
export async function fetchTokenOwner(
  apiUrl: string,
  accessToken: string,
  fetchImpl: typeof fetch = fetch,
): Promise<TokenOwner> {
  const http = createPleoHttp({
    apiUrl,
    tokens: bearerToken(accessToken),
    fetch: fetchImpl,
    retry: SINGLE_ATTEMPT,
    logger: logger().child({ component: "pleo-identity" }),
  });
  const send = <R>(ep: Endpoint<[], R>, companyId?: string): Promise<R> =>
    http.request(requestFor(ep, { companyId }, [])).catch((err: unknown) => {
      throw identityError(err);
    });

  const identity = await send(endpoints.introspect);
  if (!identity.companyId) {
    // Organisation-scoped tokens cannot do accounting work (FOUND: credentials are per company).
    throw new PleoIdentityError(`the token is not for a single company (subject ${identity.subjectUrn ?? "missing"})`);
  }
  const company = await send(companyIfReadable, identity.companyId);
  if (!company) return { identity, company: placeholderCompany(identity.companyId) };
  if (company.id !== identity.companyId) {
    throw new PleoIdentityError("GET /v1/companies/{id} returned a different company than the token's subject");
  }
  return { identity, company };
}

export function placeholderCompany(companyId: string): Company {
  return {
    id: companyId,
    name: `Pleo company ${companyId.slice(0, 8)}`,
    organizationId: null,
    registrationNumber: null,
    address: null,
    timeZone: null,
  };
}
