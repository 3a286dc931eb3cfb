import { z } from "zod";
import type { Company, TokenIdentity } from "@/lib/pleo/types";
import { companyResponseSchema, companyUrnPattern, introspectResponseSchema } from "@/lib/pleo/schemas/identity";

/**
 * Who a fresh access token belongs to. Pleo has no OIDC userinfo: the company comes from
 * `GET /v1/introspect` (its subject URN) and its name from `GET /v1/companies/{id}`.
 * Pure reshaping lives here (tested on its own); `fetchTokenOwner` does the two requests.
 */

export class PleoIdentityError extends Error {
  constructor(
    message: string,
    /** HTTP status from Pleo, or null for a network or parse failure. */
    public readonly status: number | null = null,
  ) {
    super(message);
    this.name = "PleoIdentityError";
  }
}

function parseOrThrow<T>(schema: z.ZodType<T>, json: unknown, what: string): T {
  const result = schema.safeParse(json);
  if (!result.success) {
    throw new PleoIdentityError(`${what} response did not match the expected shape: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

export function toTokenIdentity(json: unknown): TokenIdentity {
  const { data } = parseOrThrow(introspectResponseSchema, json, "GET /v1/introspect");
  const subjectUrn = data.subjectURN ?? null;
  const match = subjectUrn ? companyUrnPattern.exec(subjectUrn) : null;
  return {
    companyId: match ? match[1].toLowerCase() : null,
    subjectUrn,
    scopes: (data.scope ?? "").split(/\s+/).filter(Boolean),
    clientId: data.clientId,
    applicationName: data.applicationName ?? null,
  };
}

export function toCompany(json: unknown): Company {
  const { data } = parseOrThrow(companyResponseSchema, json, "GET /v1/companies/{id}");
  const a = data.address;
  return {
    id: data.id.toLowerCase(),
    name: data.name,
    organizationId: data.organizationId ?? null,
    registrationNumber: data.registrationNumber ?? null,
    address: a
      ? {
          addressLine1: a.addressLine1 ?? null,
          addressLine2: a.addressLine2 ?? null,
          locality: a.locality ?? null,
          region: a.region ?? null,
          postalCode: a.postalCode ?? null,
          country: a.country ?? null,
        }
      : null,
  };
}

/** The company a token was granted for, as the connect flow needs it. */
export type TokenOwner = { identity: TokenIdentity; company: Company };

async function getJson(
  url: string,
  accessToken: string,
  fetchImpl: typeof fetch,
): Promise<{ status: number; json: unknown }> {
  let res: Response;
  try {
    res = await fetchImpl(url, {
      headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" },
      cache: "no-store",
    });
  } catch (e) {
    throw new PleoIdentityError(`could not reach Pleo (${new URL(url).pathname}): ${(e as Error).message}`);
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // keep null; the status decides
  }
  return { status: res.status, json };
}

/**
 * Introspect, then read the company. A token without `companies:read` still connects: the company is
 * then named by its id until a later sync learns the name (real clients may not register that scope).
 */
export async function fetchTokenOwner(
  apiUrl: string,
  accessToken: string,
  fetchImpl: typeof fetch = fetch,
): Promise<TokenOwner> {
  const base = apiUrl.replace(/\/+$/, "");
  const intro = await getJson(`${base}/v1/introspect`, accessToken, fetchImpl);
  if (intro.status !== 200) {
    throw new PleoIdentityError(`GET /v1/introspect answered HTTP ${intro.status}`, intro.status);
  }
  const identity = toTokenIdentity(intro.json);
  if (!identity.companyId) {
    // Organisation-scoped tokens cannot do accounting work (FOUND: credentials are per company).
    throw new PleoIdentityError(`the token is not for a single company (subject ${identity.subjectUrn ?? "missing"})`);
  }
  const res = await getJson(`${base}/v1/companies/${identity.companyId}`, accessToken, fetchImpl);
  if (res.status === 403) {
    return { identity, company: placeholderCompany(identity.companyId) };
  }
  if (res.status !== 200) {
    throw new PleoIdentityError(`GET /v1/companies/{id} answered HTTP ${res.status}`, res.status);
  }
  const company = toCompany(res.json);
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
  };
}
