import "server-only";

import type { z } from "zod";
import { validate, type Method, type PleoHttp, type Query, type RequestSpec } from "@/lib/pleo/http";
import { accountingEntrySchema } from "@/lib/pleo/schemas/accounting-entries";
import { dataEnvelope, noContent, pageEnvelope, pageOrListEnvelope } from "@/lib/pleo/schemas/common";
import {
  employeeSchema,
  ledgerAccountSchema,
  tagGroupSchema,
  tagSchema,
  taxCodeSchema,
  teamSchema,
} from "@/lib/pleo/schemas/directory";
import { companySchema, tokenIdentitySchema } from "@/lib/pleo/schemas/identity";
import { installationSchema } from "@/lib/pleo/schemas/installations";
import { receiptSchema } from "@/lib/pleo/schemas/receipts";
import type { AccountingEntrySearch, InstallationUpdate } from "@/lib/pleo/types";

/**
 * Pleo's External API as the portal uses it: one entry per endpoint (method, path template, scope,
 * request parts, zod schema that validates and reshapes, statuses that are answers). The client
 * (lib/pleo/client.ts) gets one method per entry, named like it, taking the entry's `input` arguments;
 * lib/pleo/http.ts sends it. Adding an endpoint is adding an entry here.
 */

/** What a call knows besides its arguments: the connection's company (unknown only at sign-in's introspection). */
export type EndpointContext = { readonly companyId?: string };

export type RequestParts = {
  /** Values for the path template's `{name}` placeholders (the context's `companyId` is one already). */
  params?: Record<string, string>;
  query?: Query;
  /** Sent as JSON. */
  body?: unknown;
};

export type Endpoint<A extends unknown[], R> = {
  method: Method;
  /** Path template: `{name}` is filled (URL-encoded) from the parts' `params` or the context. */
  path: `/${string}`;
  /** The OAuth scope Pleo requires (README → Configuration, PLEO_SCOPES); null where none or undocumented. */
  scope: string | null;
  /**
   * Safe to send twice, so retried after errors that may have been processed. Defaults to the method's
   * (RFC 9110: GET, PUT, DELETE yes; POST no); a read-only search POST says true.
   */
  idempotent: boolean;
  input: (c: EndpointContext, ...args: A) => RequestParts;
  /** Validates a 2xx body and reshapes it into the portal's types. */
  schema: z.ZodType<R>;
  /** Statuses that are answers rather than errors, and the result each stands for (e.g. 404 → null). */
  accept?: { readonly [status: number]: R };
};

type EndpointDef<A extends unknown[], R, X> = Omit<Endpoint<A, R>, "idempotent" | "input" | "accept"> & {
  idempotent?: boolean;
  input?: (c: EndpointContext, ...args: A) => RequestParts;
  accept?: { readonly [status: number]: X };
};

export function endpoint<A extends unknown[] = [], R = unknown, X = never>(
  def: EndpointDef<A, R, X>,
): Endpoint<A, R | X> {
  return {
    ...def,
    idempotent: def.idempotent ?? def.method !== "POST",
    input: def.input ?? (() => ({})),
  };
}

/** A 2xx body validated and reshaped as the entry says; a mismatch is a PleoResponseError naming the endpoint. */
export function parseResponse<R>(ep: Endpoint<never, R>, json: unknown): R {
  return validate(ep.schema, json, `${ep.method} ${ep.path}`);
}

/** The request an entry makes for these arguments, ready for the engine. */
export function requestFor<A extends unknown[], R>(ep: Endpoint<A, R>, c: EndpointContext, args: A): RequestSpec<R> {
  const parts = ep.input(c, ...args);
  const params: Record<string, string | undefined> = { ...c, ...parts.params };
  const path = ep.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${ep.method} ${ep.path}: no value for {${name}}`);
    return encodeURIComponent(value);
  });
  return {
    method: ep.method,
    template: ep.path,
    path,
    query: parts.query,
    body: parts.body,
    idempotent: ep.idempotent,
    parse: (json) => parseResponse(ep, json),
    accept: ep.accept,
  };
}

/** Every entry as a method of one object, bound to an engine and a context. */
export type BoundEndpoints<E> = {
  [K in keyof E]: E[K] extends Endpoint<infer A, infer R> ? (...args: A) => Promise<R> : never;
};

export function bindEndpoints<E extends Record<string, Endpoint<never, unknown>>>(
  http: PleoHttp,
  c: EndpointContext,
  list: E,
): BoundEndpoints<E> {
  const bound: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, ep] of Object.entries(list)) {
    bound[name] = (...args) => http.request(requestFor(ep as Endpoint<unknown[], unknown>, c, args));
  }
  return bound as BoundEndpoints<E>;
}

export type ListOptions = { after?: string; limit?: number };

/** FOUND: ReceiptModel.fileType; THUMBNAIL and PREVIEW are smaller renditions. */
export type ReceiptFileType = "ORIGINAL" | "THUMBNAIL" | "PREVIEW" | "EMBED";

const page = (opts: ListOptions | undefined): Query => ({ after: opts?.after, limit: opts?.limit });

/** The installation endpoints: the calling client's installation for this company (`?company_id=`). */
const forCompany = (c: EndpointContext): RequestParts => ({ query: { company_id: c.companyId } });

const iso = (d: Date | undefined) => d?.toISOString();

/** The search's filter body: only the filters given (the body is sent as JSON, which leaves out undefined). */
function entrySearchBody(q: Omit<AccountingEntrySearch, "companyId">) {
  return {
    includeDeleted: q.includeDeleted ?? false,
    performedAtStart: iso(q.performedAtStart),
    performedAtEnd: iso(q.performedAtEnd),
    settledAtStart: iso(q.settledAtStart),
    settledAtEnd: iso(q.settledAtEnd),
    families: q.families,
    status: q.status,
  };
}

export const endpoints = {
  introspect: endpoint({ method: "GET", path: "/v1/introspect", scope: null, schema: tokenIdentitySchema }),

  getCompany: endpoint({
    method: "GET",
    path: "/v1/companies/{companyId}",
    scope: "companies:read",
    schema: companySchema,
  }),

  listEmployees: endpoint({
    method: "GET",
    path: "/v2/employees",
    scope: "users:read",
    input: (c, opts?: ListOptions) => ({ query: { companyId: c.companyId, ...page(opts) } }), // camelCase here (FOUND)
    schema: pageEnvelope(employeeSchema),
  }),

  // No documented Pleo API: the sandbox's (GUESSED).
  listTeams: endpoint({
    method: "GET",
    path: "/v1/teams",
    scope: "users:read",
    input: (c, opts?: ListOptions) => ({ query: { company_id: c.companyId, ...page(opts) } }),
    schema: pageEnvelope(teamSchema),
  }),

  // Chart of accounts search (FOUND, v1-beta): read-only despite POST.
  listAccounts: endpoint({
    method: "POST",
    path: "/v1-beta/accounts:search",
    scope: "accounts:read",
    idempotent: true,
    input: (c, opts?: ListOptions) => ({ query: page(opts), body: { companyId: c.companyId } }),
    schema: pageEnvelope(ledgerAccountSchema),
  }),

  // DataResponseListTagGroupModel is a plain list (FOUND); a paginated form is accepted too.
  listTagGroups: endpoint({
    method: "GET",
    path: "/v0/tag-groups",
    scope: "tag-groups:read",
    input: (c, opts?: ListOptions) => ({ query: { company_id: c.companyId, include_archived: true, ...page(opts) } }),
    schema: pageOrListEnvelope(tagGroupSchema),
  }),

  listTags: endpoint({
    method: "GET",
    path: "/v0/tag-groups/{groupId}/tags",
    scope: "tag-groups:read",
    input: (_c, groupId: string, opts?: ListOptions) => ({
      params: { groupId },
      query: { include_archived: true, ...page(opts) },
    }),
    schema: pageEnvelope(tagSchema),
  }),

  // Tax codes (FOUND: POST /v0/tax-codes:search, no GET list). The scope name is third-party only (GUESSED).
  listTaxCodes: endpoint({
    method: "POST",
    path: "/v0/tax-codes:search",
    scope: "tax-codes:read",
    idempotent: true,
    input: (c, opts?: ListOptions) => ({ query: { company_id: c.companyId, ...page(opts) }, body: {} }),
    schema: pageEnvelope(taxCodeSchema),
  }),

  // An entry's receipts (FOUND), each with a presigned URL valid 24 h; `fileType` ORIGINAL by default.
  listReceipts: endpoint({
    method: "GET",
    path: "/v1/accounting-entries/{id}/receipts",
    scope: "accounting-entries:read",
    input: (_c, id: string, opts?: ListOptions & { fileType?: ReceiptFileType }) => ({
      params: { id },
      query: { file_type: opts?.fileType, ...page(opts) },
    }),
    schema: pageEnvelope(receiptSchema),
  }),

  // A search: POST only to carry the filter body, reads nothing but entries.
  searchAccountingEntries: endpoint({
    method: "POST",
    path: "/v1/accounting-entries:search",
    scope: "accounting-entries:read",
    idempotent: true,
    input: (c, q: Omit<AccountingEntrySearch, "companyId">) => ({
      query: {
        company_id: c.companyId,
        after: q.after,
        limit: q.limit,
        sorting_keys: q.sortingKeys,
        sorting_order: q.sortingOrder,
      },
      body: entrySearchBody(q),
    }),
    schema: pageEnvelope(accountingEntrySchema),
  }),

  getAccountingEntry: endpoint({
    method: "GET",
    path: "/v1/accounting-entries/{id}",
    scope: "accounting-entries:read",
    input: (_c, id: string) => ({ params: { id }, query: { include_deleted: true } }),
    schema: dataEnvelope(accountingEntrySchema),
  }),

  getInstallation: endpoint({
    method: "GET",
    path: "/v1/installations/me",
    scope: null,
    input: forCompany,
    schema: installationSchema,
    accept: { 404: null },
  }),

  // Answers the bare InstallationResponse (FOUND). PUT replaces (RFC 9110): the whole update every time.
  updateInstallation: endpoint({
    method: "PUT",
    path: "/v1/installations/me",
    scope: null,
    input: (c, update: InstallationUpdate) => ({ ...forCompany(c), body: update }),
    schema: installationSchema,
  }),

  // Sets a state, so repeating is harmless in effect; still only retried when certainly unprocessed.
  activateInstallation: endpoint({
    method: "POST",
    path: "/v1/installations/me:activate",
    scope: null,
    input: forCompany,
    schema: installationSchema,
  }),

  // DELETE is idempotent (RFC 9110); a retry after a lost 204 answers 404, which also means done.
  deleteInstallation: endpoint({
    method: "DELETE",
    path: "/v1/installations/me",
    scope: null,
    input: forCompany,
    schema: noContent,
    accept: { 404: undefined },
  }),
};
