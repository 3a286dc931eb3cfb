import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createLogger } from "@/lib/log";
import { bindEndpoints, endpoint, endpoints, requestFor, type EndpointContext } from "@/lib/pleo/endpoints";
import { PleoApiError, PleoResponseError } from "@/lib/pleo/errors";
import { bearerToken, createPleoHttp } from "@/lib/pleo/http";
import { installationSchema } from "@/lib/pleo/schemas/installations";
import type { Page, Tag } from "@/lib/pleo/types";
import { DEMO_SECOND_COMPANY_ID, LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { sandboxTokens, startTestSandbox, type InProcessSandbox } from "@/tests/support/sandbox";

/**
 * The endpoint list: what one entry turns into (path, query, body, retry safety), and that a new
 * endpoint needs nothing but its entry — here a PUT with a JSON body, sent to the sandbox through the
 * same engine the client uses.
 */

const COMPANY = LARGE_COMPANY_ID;

let sb: InProcessSandbox;
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
    // Filters not given are left out of the JSON (undefined is not serialised).
    expect(JSON.parse(JSON.stringify(spec.body))).toEqual({
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
    const api = bindEndpoints(await sandboxHttp(), { companyId: COMPANY }, { putInstallation, ...endpoints });
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

/** An engine on the freshly reset sandbox with a new token for `COMPANY`. */
async function sandboxHttp() {
  await sb.control.reset();
  const tokens = await sandboxTokens(sb, COMPANY);
  return createPleoHttp({
    apiUrl: sb.url,
    companyId: COMPANY,
    tokens: bearerToken(tokens.access_token),
    logger: createLogger({ level: "silent" }),
    retry: { baseDelayMs: 5, maxDelayMs: 10 }, // a broken entry fails fast
  });
}

/** The whole list bound to the sandbox with a fresh token for `COMPANY`, as `context` says. */
async function sandboxApi(context: EndpointContext = { companyId: COMPANY }) {
  return bindEndpoints(await sandboxHttp(), context, endpoints);
}

/** A list's first page of one, then the next page: paging reached Pleo (a dropped `limit` or cursor shows). */
async function firstTwoPages<T extends { id: string }>(
  list: (opts: { after?: string; limit?: number }) => Promise<Page<T>>,
) {
  const first = await list({ limit: 1 });
  expect(first.items).toHaveLength(1);
  expect(first.hasNextPage).toBe(true);
  const second = await list({ after: first.endCursor!, limit: 1 });
  expect(second.items).toHaveLength(1);
  expect(second.items[0].id).not.toBe(first.items[0].id);
  return [first.items[0], second.items[0]];
}

describe("every entry against the sandbox", () => {
  it("reads: each entry's method, path, query and body reach the endpoint they name, paging included", async () => {
    const api = await sandboxApi();
    const s = await sb.control.summary(COMPANY);

    expect((await api.introspect()).companyId).toBe(COMPANY);
    expect((await api.getCompany()).id).toBe(COMPANY);

    const [employee] = await firstTwoPages((o) => api.listEmployees(o));
    expect(employee.companyId).toBe(COMPANY);
    expect((await api.listEmployees()).items.length).toBeGreaterThan(1); // no options: the default page
    await firstTwoPages((o) => api.listTeams(o));
    await firstTwoPages((o) => api.listAccounts(o));
    await firstTwoPages((o) => api.listTaxCodes(o));

    // Archived groups and tags are listed too (the directory sync stores them with their flag: older
    // entries still name them). The seed archives one tag per group; a group is archived here, as an admin
    // would in Pleo.
    sb.state.company(COMPANY)!.data.tagGroups[0].archived = true;
    const groups = (await api.listTagGroups()).items; // a plain list: one page (FOUND)
    expect(groups).toHaveLength(s.tagGroups);
    expect(groups.some((g) => g.archived)).toBe(true);
    const tags: Array<Tag & { group: string }> = [];
    for (const g of groups) tags.push(...(await api.listTags(g.id)).items.map((t) => ({ ...t, group: g.id })));
    expect(tags).toHaveLength(s.tags);
    expect(tags.some((t) => t.archived)).toBe(true);
    for (const t of tags) expect(t.tagGroupId).toBe(t.group);
    const bigGroup = groups.find((g) => tags.filter((t) => t.group === g.id).length > 1)!;
    await firstTwoPages((o) => api.listTags(bigGroup.id, o));

    const [entry] = await firstTwoPages((o) => api.searchAccountingEntries(o));
    expect(await api.getAccountingEntry(entry.id)).toEqual(entry);
    const cards = await api.searchAccountingEntries({ families: ["CARD_PURCHASE"], limit: 5 });
    expect(cards.items).toHaveLength(5);
    for (const e of cards.items) expect(e.family).toBe("CARD_PURCHASE");

    const withReceipts = (await api.searchAccountingEntries({ limit: 100 })).items.find(
      (e) => e.receiptIds.length > 1,
    )!;
    const originals = await api.listReceipts(withReceipts.id);
    expect(originals.items.map((r) => r.id).sort()).toEqual([...withReceipts.receiptIds].sort());
    for (const r of originals.items) expect(r).toMatchObject({ entryId: withReceipts.id, fileType: "ORIGINAL" });
    const thumbs = await api.listReceipts(withReceipts.id, { fileType: "THUMBNAIL", limit: 1 });
    expect(thumbs.items).toHaveLength(1);
    expect(thumbs.items[0].fileType).toBe("THUMBNAIL");
    await firstTwoPages((o) => api.listReceipts(withReceipts.id, o));
  });

  it("installation: update, activate and delete reach Pleo; after the delete the token is dead", async () => {
    const api = await sandboxApi();
    expect(await api.updateInstallation({ status: "PENDING_INTEGRATION", metadata: { step: "1" } })).toMatchObject({
      status: "PENDING_INTEGRATION",
      metadata: { step: "1" },
    });
    expect((await api.activateInstallation()).status).toBe("ACTIVATED");
    expect((await api.getInstallation())?.status).toBe("ACTIVATED");
    await expect(api.deleteInstallation()).resolves.toBeUndefined();
    expect((await sb.control.stats()).apiRequestsByPath["DELETE /v1/installations/me"]).toBe(1);
    await expect(api.getInstallation()).rejects.toMatchObject({ status: 401 });
  });

  it("the installation calls name the context's company: a client bound to another company is refused", async () => {
    const api = await sandboxApi({ companyId: DEMO_SECOND_COMPANY_ID });
    await expect(api.getInstallation()).rejects.toMatchObject({ status: 403 });
    await expect(api.activateInstallation()).rejects.toMatchObject({ status: 403 });
    await expect(api.updateInstallation({ status: "ACTIVATED" })).rejects.toMatchObject({ status: 403 });
    await expect(api.deleteInstallation()).rejects.toMatchObject({ status: 403 });
  });

  it("no installation (Pleo's 404) is an answer: get reads null, delete is done", async () => {
    const api = await sandboxApi();
    // Removed on Pleo's side while the token still works (the sandbox's state, as Pleo's own would be).
    const key = [...sb.state.installations.entries()].find(([, i]) => i.companyId === COMPANY)![0];
    sb.state.installations.delete(key);
    expect(await api.getInstallation()).toBeNull();
    await expect(api.deleteInstallation()).resolves.toBeUndefined();
    expect((await sb.control.stats()).apiRequestsByPath["GET /v1/installations/me"]).toBe(1);
  });

  it("a body that does not match the entry's schema is a PleoResponseError naming the entry", async () => {
    const api = await sandboxApi();
    const strict = endpoint({
      method: "GET",
      path: "/v1/companies/{companyId}",
      scope: null,
      schema: z.object({ notAField: z.string() }),
    });
    const bound = bindEndpoints(
      createPleoHttp({
        apiUrl: sb.url,
        tokens: bearerToken((await sandboxTokens(sb, COMPANY)).access_token),
        logger: createLogger({ level: "silent" }),
      }),
      { companyId: COMPANY },
      { strict },
    );
    expect((await api.getCompany()).id).toBe(COMPANY);
    const err = await bound.strict().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PleoResponseError);
    expect((err as PleoResponseError).message).toContain("GET /v1/companies/{companyId}");
    expect((err as PleoResponseError).problems.join(" ")).toContain("notAField");
  });
});
