/** External API: auth errors, scopes, company binding, shapes, rate limit, installations. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPANY_BRIGHTWAVE, COMPANY_NORDLYS, COMPANY_THISTLE, SOLO_USER } from "@/sandbox/seed/fixtures";
import { getTokensForCompany } from "@/sandbox/testing";
import { startTestSandbox, type InProcessSandbox } from "@/tests/support/sandbox";
import { api, postToken, search } from "./helpers";

let sb: InProcessSandbox;
let nordlys: string; // all scopes, Nordlys
let thistle: string; // all scopes, Thistle (solo user)
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

beforeAll(async () => {
  sb = await startTestSandbox({ entries: 2000 });
  nordlys = (await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY_NORDLYS.id })).access_token;
  thistle = (
    await getTokensForCompany({
      sandboxUrl: sb.url,
      companyId: COMPANY_THISTLE.id,
      email: SOLO_USER.email,
      password: SOLO_USER.password,
    })
  ).access_token;
});
afterAll(async () => {
  await sb.close();
});

describe("authentication", () => {
  it("missing, malformed or unknown bearer token → 401 UNAUTHORIZED with WWW-Authenticate", async () => {
    for (const headers of [{}, { authorization: "Basic abc" }, { authorization: "Bearer not-a-token" }] as Record<
      string,
      string
    >[]) {
      const r = await api(sb.url, null, "/v1/introspect", { headers });
      expect(r.status).toBe(401);
      expect(r.json.type).toBe("UNAUTHORIZED");
      expect(typeof r.json.message).toBe("string");
      expect(r.res.headers.get("www-authenticate")).toMatch(/^Bearer /);
    }
  });

  it("a refresh token is not accepted as a bearer token", async () => {
    const t = await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY_NORDLYS.id });
    expect((await api(sb.url, t.refresh_token, "/v1/introspect")).status).toBe(401);
  });

  it("revoked token (grant revoked from the control API) → 401", async () => {
    const t = await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY_BRIGHTWAVE.id });
    expect((await api(sb.url, t.access_token, "/v1/introspect")).status).toBe(200);
    const rev = await sb.control.revoke(COMPANY_BRIGHTWAVE.id);
    expect(rev.revokedGrants).toBe(1);
    expect((await api(sb.url, t.access_token, "/v1/introspect")).status).toBe(401);
    const r = await postToken(sb.url, { grant_type: "refresh_token", refresh_token: t.refresh_token });
    expect(r.body.error).toBe("invalid_grant");
  });
});

describe("GET /v1/introspect", () => {
  it("says who is behind the token", async () => {
    const r = await api(sb.url, nordlys, "/v1/introspect");
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      data: {
        authMethod: "OAUTH2",
        clientId: "sandbox-portal",
        scope:
          "accounting-entries:read users:read companies:read accounts:read tag-groups:read export-jobs:read export-items:read tax-codes:read",
        applicationName: expect.any(String),
        subjectURN: `urn:pleo:company:${COMPANY_NORDLYS.id}`,
      },
    });
  });
});

describe("company binding and scopes", () => {
  it("another company's id → 403 ACCESS_DENIED on every company-scoped endpoint", async () => {
    const other = COMPANY_THISTLE.id;
    const calls = [
      api(sb.url, nordlys, `/v1/companies/${other}`),
      api(sb.url, nordlys, `/v2/employees?companyId=${other}`),
      api(sb.url, nordlys, `/v1/teams?company_id=${other}`),
      api(sb.url, nordlys, `/v0/tag-groups?company_id=${other}`),
      api(sb.url, nordlys, "/v1/chart-of-accounts:search", { method: "POST", body: { companyId: other } }),
      search(sb.url, nordlys, other),
    ];
    for (const r of await Promise.all(calls)) {
      expect(r.status).toBe(403);
      expect(r.json.type).toBe("ACCESS_DENIED");
    }
    // An entry of another company is forbidden too.
    const entry = (await search(sb.url, thistle, other, { limit: "1" })).json.data[0];
    const r = await api(sb.url, nordlys, `/v1/accounting-entries/${entry.id}`);
    expect(r.status).toBe(403);
  });

  it("a token without the needed scope → 403", async () => {
    const narrow = (
      await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY_NORDLYS.id, scope: "companies:read" })
    ).access_token;
    const id = COMPANY_NORDLYS.id;
    expect((await api(sb.url, narrow, `/v1/companies/${id}`)).status).toBe(200);
    const denied = [
      search(sb.url, narrow, id),
      api(sb.url, narrow, `/v2/employees?companyId=${id}`),
      api(sb.url, narrow, `/v0/tag-groups?company_id=${id}`),
      api(sb.url, narrow, "/v1-beta/accounts:search", { method: "POST", body: { companyId: id } }),
    ];
    for (const r of await Promise.all(denied)) {
      expect(r.status).toBe(403);
      expect(r.json).toEqual({ type: "ACCESS_DENIED", message: expect.stringMatching(/scope/) });
    }
  });
});

describe("resources", () => {
  it("GET /v1/companies/{id} returns ExternalCompanyResponseModel; bad id → 400", async () => {
    const r = await api(sb.url, nordlys, `/v1/companies/${COMPANY_NORDLYS.id}`);
    expect(r.json.data).toEqual({
      id: COMPANY_NORDLYS.id,
      name: "Nordlys Design ApS",
      address: expect.objectContaining({ country: "DK", locality: expect.any(String) }),
      organizationId: COMPANY_NORDLYS.organizationId,
      registrationNumber: expect.any(String),
    });
    const bad = await api(sb.url, nordlys, "/v1/companies/not-a-uuid");
    expect(bad.status).toBe(400);
    expect(bad.json.type).toBe("BAD_REQUEST");
  });

  it("GET /v2/employees pages through ~40 employees with cursors", async () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const r = await api(
        sb.url,
        nordlys,
        `/v2/employees?companyId=${COMPANY_NORDLYS.id}&limit=15${after ? `&after=${after}` : ""}`,
      );
      expect(r.status).toBe(200);
      for (const e of r.json.data) {
        expect(e).toEqual({
          id: expect.stringMatching(UUID),
          companyId: COMPANY_NORDLYS.id,
          email: expect.stringMatching(/@nordlys\.test$/),
          firstName: expect.any(String),
          lastName: expect.any(String),
          code: expect.any(String),
          jobTitle: expect.any(String),
          phone: expect.any(String),
        });
        seen.push(e.id);
      }
      expect(r.json.pagination.total).toBe(40);
      if (!r.json.pagination.hasNextPage) break;
      after = r.json.pagination.endCursor;
      expect(after).toMatch(/^[A-Z2-7=~]+$/);
    }
    expect(seen).toHaveLength(40);
    expect(new Set(seen).size).toBe(40);
    // Without companyId the token's company is used.
    expect((await api(sb.url, nordlys, "/v2/employees?limit=100")).json.data).toHaveLength(40);
    const one = await api(sb.url, nordlys, `/v2/employees/${seen[0]}`);
    expect(one.json.data.id).toBe(seen[0]);
    expect((await api(sb.url, nordlys, "/v2/employees?limit=0")).status).toBe(400);
    expect((await api(sb.url, nordlys, "/v2/employees?limit=101")).status).toBe(400);
  });

  it("GET /v1/teams (GUESSED endpoint) names the teamIds found on entries", async () => {
    const teams = (await api(sb.url, nordlys, `/v1/teams?company_id=${COMPANY_NORDLYS.id}`)).json;
    expect(teams.data.map((t: { name: string }) => t.name).sort()).toEqual([
      "Design",
      "Engineering",
      "Finance",
      "Marketing",
      "Operations",
      "Sales",
    ]);
    const ids = new Set(teams.data.map((t: { id: string }) => t.id));
    const entries = (await search(sb.url, nordlys, COMPANY_NORDLYS.id, { limit: "100" })).json.data;
    const teamIds = entries.map((e: { teamId?: string }) => e.teamId).filter(Boolean);
    expect(teamIds.length).toBeGreaterThan(50);
    for (const id of teamIds) expect(ids.has(id)).toBe(true);
  });

  it("chart of accounts: search (v1 and v1-beta), get by id, archived filter", async () => {
    const all = await api(sb.url, nordlys, "/v1/chart-of-accounts:search?limit=100", {
      method: "POST",
      body: { companyId: COMPANY_NORDLYS.id },
    });
    expect(all.status).toBe(200);
    expect(all.json.data.length).toBe(15);
    expect(all.json.data[0]).toEqual({
      id: expect.stringMatching(UUID),
      companyId: COMPANY_NORDLYS.id,
      code: expect.any(String),
      name: expect.any(String),
      externalId: expect.any(String),
      archived: expect.any(Boolean),
      taxCodeExternalId: expect.any(String),
      accountingSystem: expect.any(String),
    });
    const live = await api(sb.url, nordlys, "/v1-beta/accounts:search?limit=100", {
      method: "POST",
      body: { companyId: COMPANY_NORDLYS.id, archived: false },
    });
    expect(live.json.data.length).toBe(14);
    const one = await api(sb.url, nordlys, `/v1/chart-of-accounts/${all.json.data[0].id}`);
    expect(one.json.data.id).toBe(all.json.data[0].id);
    expect((await api(sb.url, nordlys, `/v1-beta/accounts/${all.json.data[0].id}`)).status).toBe(200);
    expect((await api(sb.url, nordlys, "/v1/chart-of-accounts:search", { method: "POST", body: {} })).status).toBe(400);
    expect((await api(sb.url, nordlys, "/v1/chart-of-accounts/6f1c8b9e-0000-4000-8000-000000000000")).status).toBe(404);
  });

  it("tag groups and their tags", async () => {
    const groups = await api(
      sb.url,
      nordlys,
      `/v0/tag-groups?company_id=${COMPANY_NORDLYS.id}&include_tags_count=true`,
    );
    expect(groups.status).toBe(200);
    expect(groups.json.pagination).toBeUndefined();
    expect(groups.json.data.map((g: { name: string }) => g.name)).toEqual(["Projects", "Cost centre", "Clients"]);
    const g = groups.json.data[0];
    expect(g).toMatchObject({
      id: expect.stringMatching(UUID),
      companyId: COMPANY_NORDLYS.id,
      code: "PROJ",
      archived: false,
      metadata: {},
      totalTagsCount: 10,
    });
    const tags = await api(sb.url, nordlys, `/v0/tag-groups/${g.id}/tags?limit=100`);
    expect(tags.json.data).toHaveLength(9); // archived tag hidden by default
    expect(tags.json.data[0]).toEqual({
      id: expect.stringMatching(UUID),
      groupId: g.id,
      code: expect.stringMatching(/^PROJ-/),
      name: expect.any(String),
      archived: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const withArchived = await api(sb.url, nordlys, `/v0/tag-groups/${g.id}/tags?limit=100&include_archived=true`);
    expect(withArchived.json.data).toHaveLength(10);
    expect((await api(sb.url, nordlys, `/v0/tag-groups/${g.id}`)).json.data.name).toBe("Projects");
    expect((await api(sb.url, nordlys, `/v0/tags/${tags.json.data[0].id}`)).json.data.groupId).toBe(g.id);
    expect((await api(sb.url, thistle, `/v0/tag-groups/${g.id}/tags`)).status).toBe(403);
    expect(
      (await api(sb.url, nordlys, `/v0/tag-groups?company_id=${COMPANY_NORDLYS.id}&include_archived=maybe`)).status,
    ).toBe(400);
    expect((await api(sb.url, nordlys, "/v0/tag-groups")).status).toBe(400);
  });

  it("GET /v1/accounting-entries/{id}: found, 404 unknown, 400 malformed, deleted only with include_deleted", async () => {
    const first = (await search(sb.url, nordlys, COMPANY_NORDLYS.id, { limit: "1" })).json.data[0];
    const one = await api(sb.url, nordlys, `/v1/accounting-entries/${first.id}`);
    expect(one.json.data).toEqual(first);
    const unknown = await api(sb.url, nordlys, "/v1/accounting-entries/0b7e3c1a-1111-4222-8333-444455556666");
    expect(unknown.status).toBe(404);
    expect(unknown.json.type).toBe("NOT_FOUND");
    expect((await api(sb.url, nordlys, "/v1/accounting-entries/xyz")).status).toBe(400);
    const deleted =
      (await search(sb.url, nordlys, COMPANY_NORDLYS.id, { limit: "100" }, { includeDeleted: true })).json.data.find(
        (e: { deletedAt: string | null }) => e.deletedAt !== null,
      ) ?? (await sb.control.activity(COMPANY_NORDLYS.id, { deleted: 1 })).deleted[0];
    const deletedId = typeof deleted === "string" ? deleted : deleted.id;
    expect((await api(sb.url, nordlys, `/v1/accounting-entries/${deletedId}`)).status).toBe(404);
    const withDeleted = await api(sb.url, nordlys, `/v1/accounting-entries/${deletedId}?include_deleted=true`);
    expect(withDeleted.status).toBe(200);
    expect(withDeleted.json.data.deletedAt).toEqual(expect.any(String));
  });

  it("unknown API path → 404 JSON", async () => {
    const r = await api(sb.url, nordlys, "/v3/expenses");
    expect(r.status).toBe(404);
    expect(r.json.type).toBe("NOT_FOUND");
  });
});

describe("rate limit", () => {
  it("600 requests per minute per token, then 429 with Retry-After; other tokens unaffected", async () => {
    const t = (await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY_NORDLYS.id })).access_token;
    const batch = async (n: number) => Promise.all(Array.from({ length: n }, () => api(sb.url, t, "/v1/introspect")));
    for (let i = 0; i < 6; i++) expect((await batch(100)).every((r) => r.status === 200)).toBe(true);
    const limited = await api(sb.url, t, "/v1/introspect");
    expect(limited.status).toBe(429);
    expect(limited.json.type).toBe("TOO_MANY_REQUESTS");
    const retryAfter = limited.res.headers.get("retry-after");
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    expect((await api(sb.url, nordlys, "/v1/introspect")).status).toBe(200);
    expect((await sb.control.stats()).rateLimited).toBeGreaterThanOrEqual(1);
    // After the window (sandbox clock) the token may call again.
    await sb.control.advanceClock(61);
    const t2 = (await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY_NORDLYS.id })).access_token;
    expect((await api(sb.url, t2, "/v1/introspect")).status).toBe(200);
    await sb.control.advanceClock(-61);
  });

  it("can be switched off at runtime", async () => {
    await sb.control.config({ rateLimit: false });
    const t = (await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY_NORDLYS.id })).access_token;
    for (let i = 0; i < 7; i++) {
      const rs = await Promise.all(Array.from({ length: 100 }, () => api(sb.url, t, "/v1/introspect")));
      expect(rs.every((r) => r.status === 200)).toBe(true);
    }
    await sb.control.config({ rateLimit: true });
  });
});

describe("installations", () => {
  it("appear AUTHORIZED after the code exchange, activate, update, delete revokes tokens, reconnect recreates", async () => {
    const id = COMPANY_BRIGHTWAVE.id;
    const t1 = await getTokensForCompany({ sandboxUrl: sb.url, companyId: id });
    const me = await api(sb.url, t1.access_token, "/v1/installations/me");
    expect(me.status).toBe(200);
    expect(me.json).toEqual({
      id: expect.stringMatching(UUID),
      applicationId: expect.stringMatching(UUID),
      resource: `urn:pleo:company:${id}`,
      status: "AUTHORIZED",
      metadata: {},
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const act = await api(sb.url, t1.access_token, "/v1/installations/me:activate", { method: "POST" });
    expect(act.json.status).toBe("ACTIVATED");
    const put = await api(sb.url, t1.access_token, "/v1/installations/me", {
      method: "PUT",
      body: { status: "ERROR", errorCode: "AUTH_ERROR", metadata: { syncedAt: "x" } },
    });
    expect(put.json).toMatchObject({ status: "ERROR", errorCode: "AUTH_ERROR", metadata: { syncedAt: "x" } });
    expect(
      (await api(sb.url, t1.access_token, "/v1/installations/me", { method: "PUT", body: { status: "BOGUS" } })).status,
    ).toBe(400);
    expect((await api(sb.url, t1.access_token, `/v1/installations/me?company_id=${COMPANY_NORDLYS.id}`)).status).toBe(
      403,
    );

    // A second authorization for the same company shares the installation.
    const t2 = await getTokensForCompany({ sandboxUrl: sb.url, companyId: id });
    expect((await api(sb.url, t2.access_token, "/v1/installations/me")).json.id).toBe(me.json.id);

    const del = await api(sb.url, t2.access_token, "/v1/installations/me", { method: "DELETE" });
    expect(del.status).toBe(204);
    for (const t of [t1, t2]) {
      expect((await api(sb.url, t.access_token, "/v1/installations/me")).status).toBe(401);
      expect(
        (await postToken(sb.url, { grant_type: "refresh_token", refresh_token: t.refresh_token })).body.error,
      ).toBe("invalid_grant");
    }
    // Nordlys tokens are untouched.
    expect((await api(sb.url, nordlys, "/v1/introspect")).status).toBe(200);

    const t3 = await getTokensForCompany({ sandboxUrl: sb.url, companyId: id });
    const again = await api(sb.url, t3.access_token, "/v1/installations/me");
    expect(again.json.status).toBe("AUTHORIZED");
    expect(again.json.id).not.toBe(me.json.id);
  });
});
