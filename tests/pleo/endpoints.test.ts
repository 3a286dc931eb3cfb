import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@/lib/log";
import { bindEndpoints, endpoint, endpoints, requestFor } from "@/lib/pleo/endpoints";
import { PleoApiError } from "@/lib/pleo/errors";
import { bearerToken, createPleoHttp } from "@/lib/pleo/http";
import { installationSchema } from "@/lib/pleo/schemas/installations";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { sandboxTokens, startTestSandbox, type TestSandbox } from "@/tests/support/sandbox";

/**
 * The endpoint list: what one entry turns into (path, query, body, retry safety), and that a new
 * endpoint needs nothing but its entry — here a PUT with a JSON body, sent to the sandbox through the
 * same engine the client uses.
 */

const COMPANY = LARGE_COMPANY_ID;

let sb: TestSandbox;
beforeAll(async () => {
  // Small data: this suite tests the endpoint list, not search depth.
  sb = await startTestSandbox({ entries: 300 });
});
afterAll(async () => {
  await sb?.close();
});

describe("requestFor", () => {
  it("fills path templates from the arguments and the company, URL-encoded; a missing value is a clear error", () => {
    const entry = requestFor(endpoints.getAccountingEntry, { companyId: COMPANY }, ["a/b c"]);
    expect(entry).toMatchObject({
      method: "GET",
      template: "/v1/accounting-entries/{id}",
      path: "/v1/accounting-entries/a%2Fb%20c",
      query: { include_deleted: true },
    });
    expect(requestFor(endpoints.getCompany, { companyId: COMPANY }, []).path).toBe(`/v1/companies/${COMPANY}`);
    expect(() => requestFor(endpoints.getCompany, {}, [])).toThrow(
      "GET /v1/companies/{companyId}: no value for {companyId}",
    );
  });

  it("retry safety follows the method (RFC 9110) unless the entry says otherwise", () => {
    const safe = Object.fromEntries(Object.entries(endpoints).map(([name, e]) => [name, e.idempotent]));
    expect(safe).toEqual({
      introspect: true,
      getCompany: true,
      listEmployees: true,
      listTeams: true,
      listAccounts: true, // a read-only search POST, declared so
      listTagGroups: true,
      listTags: true,
      listTaxCodes: true, // a read-only search POST too
      listReceipts: true,
      searchAccountingEntries: true, // the same
      getAccountingEntry: true,
      getInstallation: true,
      updateInstallation: true, // PUT replaces: sending it twice leaves the same state
      activateInstallation: false, // a POST that changes state
      deleteInstallation: true,
    });
  });

  it("sends the search's filters as a JSON body and its paging as the query", () => {
    const spec = requestFor(endpoints.searchAccountingEntries, { companyId: COMPANY }, [
      { limit: 10, families: ["CARD_PURCHASE"], performedAtStart: new Date("2026-01-01T00:00:00Z") },
    ]);
    expect(spec.query).toMatchObject({ company_id: COMPANY, limit: 10 });
    expect(spec.body).toEqual({
      includeDeleted: false,
      performedAtStart: "2026-01-01T00:00:00.000Z",
      families: ["CARD_PURCHASE"],
    });
  });
});

describe("a new endpoint is one entry", () => {
  // Written here as a newcomer would add it (the real entry is endpoints.updateInstallation).
  const putInstallation = endpoint({
    method: "PUT",
    path: "/v1/installations/me",
    scope: null,
    input: (c, body: { status: string; metadata?: Record<string, unknown> }) => ({
      query: { company_id: c.companyId },
      body,
    }),
    schema: installationSchema,
  });

  it("PUT with a JSON body, validated and reshaped like the others; a rejected body is a typed 400", async () => {
    await sb.control.reset();
    const tokens = await sandboxTokens(sb, COMPANY);
    const http = createPleoHttp({
      apiUrl: sb.url,
      companyId: COMPANY,
      tokens: bearerToken(tokens.access_token),
      logger: createLogger({ level: "silent" }),
    });
    const api = bindEndpoints(http, { companyId: COMPANY }, { putInstallation, ...endpoints });
    expect(putInstallation.idempotent).toBe(true);

    const updated = await api.putInstallation({ status: "PENDING_INTEGRATION", metadata: { step: 2 } });
    expect(updated.status).toBe("PENDING_INTEGRATION");
    expect((await api.getInstallation())?.status).toBe("PENDING_INTEGRATION");
    expect((await sb.control.stats()).apiRequestsByPath["PUT /v1/installations/me"]).toBe(1);

    const err = await api.putInstallation({ status: "NOT_A_STATUS" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PleoApiError);
    expect(err).toMatchObject({ status: 400, endpoint: "PUT /v1/installations/me" });
  });
});
