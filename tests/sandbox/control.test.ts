/** Control API: faults, clock, activity, summary, config, reset, stats. */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { COMPANY_BRIGHTWAVE, COMPANY_THISTLE } from "@/sandbox/seed/fixtures";
import { getTokensForCompany } from "@/sandbox/testing";
import { sandboxTokens, startTestSandbox, type InProcessSandbox } from "@/tests/support/sandbox";
import { api, controlRequest, postToken, search } from "./helpers";

let sb: InProcessSandbox;
let token: string;
const COMPANY = COMPANY_BRIGHTWAVE.id;

beforeAll(async () => {
  sb = await startTestSandbox({ entries: 200 });
});
afterAll(async () => {
  await sb.close();
});
beforeEach(async () => {
  await sb.control.reset();
  token = (await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY })).access_token;
});

describe("faults", () => {
  it("status fault on an exact API path, limited by `times`", async () => {
    const f = await controlRequest(sb.url, "POST", "/faults", { path: "/v1/introspect", status: 503, times: 2 });
    expect(f.status).toBe(201);
    for (let i = 0; i < 2; i++) {
      const r = await api(sb.url, token, "/v1/introspect");
      expect(r.status).toBe(503);
      expect(r.json.type).toBe("SERVICE_UNAVAILABLE");
      expect(r.res.headers.get("retry-after")).toBe("1");
    }
    expect((await api(sb.url, token, "/v1/introspect")).status).toBe(200);
    expect((await controlRequest(sb.url, "GET", "/faults")).json.faults).toHaveLength(0);
  });

  it("prefix match with *, applies to OAuth paths with an OAuth error body, never to /__sandbox", async () => {
    await controlRequest(sb.url, "POST", "/faults", { path: "/oauth/*", status: 500 });
    const r = await postToken(sb.url, { grant_type: "refresh_token", refresh_token: "x" });
    expect(r.res.status).toBe(500);
    expect(r.body.error).toBe("temporarily_unavailable");
    expect((await controlRequest(sb.url, "GET", "/stats")).status).toBe(200);
    const rejected = await controlRequest(sb.url, "POST", "/faults", { path: "/__sandbox/stats", status: 500 });
    expect(rejected.status).toBe(400);
    const cleared = await controlRequest(sb.url, "DELETE", "/faults");
    expect(cleared.json.cleared).toBe(1);
    const ok = await postToken(sb.url, { grant_type: "refresh_token", refresh_token: "x" });
    expect(ok.body.error).toBe("invalid_grant");
  });

  it("latency delays the response, then the real handler answers", async () => {
    await controlRequest(sb.url, "POST", "/faults", {
      path: "/v1/accounting-entries:search",
      latencyMs: 300,
      times: 1,
    });
    const t0 = performance.now();
    const r = await search(sb.url, token, COMPANY, { limit: "1" });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(r.status).toBe(200);
    expect(r.json.data).toHaveLength(1);
  });

  it("reset drops the connection", async () => {
    await controlRequest(sb.url, "POST", "/faults", { path: "/v2/*", reset: true, times: 1 });
    await expect(fetch(`${sb.url}/v2/employees`, { headers: { authorization: `Bearer ${token}` } })).rejects.toThrow();
    expect((await api(sb.url, token, "/v2/employees")).status).toBe(200);
  });

  it("rate applies the fault to roughly that share of requests", async () => {
    await controlRequest(sb.url, "POST", "/faults", { path: "/v1/introspect", status: 502, rate: 0.5 });
    const statuses = [];
    for (let i = 0; i < 200; i++) statuses.push((await api(sb.url, token, "/v1/introspect")).status);
    const failed = statuses.filter((s) => s === 502).length;
    expect(failed).toBeGreaterThan(60);
    expect(failed).toBeLessThan(140);
    expect(statuses.filter((s) => s === 200).length).toBe(200 - failed);
  });

  it("invalid fault definitions → 400", async () => {
    for (const body of [
      {},
      { path: "v1" },
      { path: "/v1/*" },
      { path: "/v1/*", status: 99 },
      { path: "/x", rate: 2, status: 500 },
    ]) {
      expect((await controlRequest(sb.url, "POST", "/faults", body)).status).toBe(400);
    }
  });
});

describe("clock", () => {
  it("moves sandbox time and expires tokens", async () => {
    const before = await controlRequest(sb.url, "GET", "/clock");
    const moved = await controlRequest(sb.url, "POST", "/clock", { advanceSeconds: 3600 });
    expect(moved.json.offsetSeconds).toBe(before.json.offsetSeconds + 3600);
    expect(Date.parse(moved.json.now) - Date.parse(before.json.now)).toBeGreaterThanOrEqual(3600_000);
    expect((await api(sb.url, token, "/v1/introspect")).status).toBe(401);
    expect((await controlRequest(sb.url, "POST", "/clock", { advanceSeconds: "soon" })).status).toBe(400);
  });
});

describe("activity and summary", () => {
  it("activity changes data; the summary checksum follows the documented definition", async () => {
    const s0 = (await controlRequest(sb.url, "GET", `/companies/${COMPANY}/summary`)).json;
    expect(s0).toMatchObject({ companyId: COMPANY, currency: "EUR", currencyExponent: 2, countIncludingDeleted: 320 });
    // Recompute the checksum from the API itself (all live entries, any order).
    const lines: string[] = [];
    let after: string | undefined;
    let total = 0;
    for (;;) {
      const r = await search(sb.url, token, COMPANY, { limit: "100", sorting_keys: "id", ...(after ? { after } : {}) });
      for (const e of r.json.data) {
        lines.push(`${e.id}:${e.updatedAt}`);
        total += e.totalBillValue.minors;
      }
      if (!r.json.pagination.hasNextPage) break;
      after = r.json.pagination.endCursor;
    }
    expect(lines.length).toBe(s0.count);
    expect(createHash("sha256").update(lines.sort().join("\n")).digest("hex")).toBe(s0.checksum);
    expect(s0.totalBillValue).toEqual({ currency: "EUR", minors: total });

    const act = await controlRequest(sb.url, "POST", `/companies/${COMPANY}/activity`, {
      created: 3,
      updated: 4,
      deleted: 2,
    });
    expect(act.json.created).toHaveLength(3);
    expect(act.json.updated).toHaveLength(4);
    expect(act.json.deleted).toHaveLength(2);
    const s1 = (await controlRequest(sb.url, "GET", `/companies/${COMPANY}/summary`)).json;
    expect(s1.count).toBe(s0.count + 3 - 2);
    expect(s1.checksum).not.toBe(s0.checksum);
    for (const id of act.json.updated) {
      const e = (await api(sb.url, token, `/v1/accounting-entries/${id}`)).json.data;
      expect(Date.parse(e.updatedAt)).toBeGreaterThan(Date.now() - 60_000);
    }
    for (const id of act.json.deleted) {
      expect((await api(sb.url, token, `/v1/accounting-entries/${id}`)).status).toBe(404);
    }
  });

  it("bad activity input → 400, unknown company → 404", async () => {
    expect((await controlRequest(sb.url, "POST", `/companies/${COMPANY}/activity`, { created: -1 })).status).toBe(400);
    expect((await controlRequest(sb.url, "POST", `/companies/${COMPANY}/activity`, { bogus: 1 })).status).toBe(400);
    expect(
      (await controlRequest(sb.url, "POST", "/companies/00000000-0000-4000-8000-000000000000/activity", { created: 1 }))
        .status,
    ).toBe(404);
    expect((await controlRequest(sb.url, "GET", "/companies/nope/summary")).status).toBe(404);
  });

  it("reset brings the data back to the seed and clears tokens", async () => {
    const s0 = (await controlRequest(sb.url, "GET", `/companies/${COMPANY}/summary`)).json;
    await controlRequest(sb.url, "POST", `/companies/${COMPANY}/activity`, { created: 5, deleted: 5 });
    await controlRequest(sb.url, "POST", "/reset", {});
    const s1 = (await controlRequest(sb.url, "GET", `/companies/${COMPANY}/summary`)).json;
    expect(s1.checksum).toBe(s0.checksum);
    expect(s1.count).toBe(s0.count);
    expect((await api(sb.url, token, "/v1/introspect")).status).toBe(401);
  });

  it("the seed is deterministic: two sandboxes with the same seed have identical data", async () => {
    const other = await startTestSandbox({ entries: 200 });
    try {
      for (const id of [COMPANY, COMPANY_THISTLE.id]) {
        const a = (await controlRequest(sb.url, "GET", `/companies/${id}/summary`)).json;
        const b = (await controlRequest(other.url, "GET", `/companies/${id}/summary`)).json;
        // updatedAt is relative to start time, so compare what the seed fixes absolutely.
        expect(b.count).toBe(a.count);
        expect(b.byFamily).toEqual(a.byFamily);
        expect(b.totalBillValue).toEqual(a.totalBillValue);
      }
      const ids = (s: InProcessSandbox) => s.state.company(COMPANY)!.data.entries.map((e) => e.id);
      expect(ids(other)).toEqual(ids(sb));
    } finally {
      await other.close();
    }
  });
});

describe("grants, config and stats", () => {
  it("grants/revoke kills every token of the company and removes its installation", async () => {
    const t = await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY });
    const r = await controlRequest(sb.url, "POST", "/grants/revoke", { companyId: COMPANY });
    expect(r.json).toEqual({ revokedGrants: 2, removedInstallations: 1 });
    expect((await api(sb.url, t.access_token, "/v1/introspect")).status).toBe(401);
    expect((await postToken(sb.url, { grant_type: "refresh_token", refresh_token: t.refresh_token })).body.error).toBe(
      "invalid_grant",
    );
    expect((await controlRequest(sb.url, "POST", "/grants/revoke", { companyId: "x" })).status).toBe(400);
  });

  it("config changes the access token lifetime for new tokens", async () => {
    const cfg = await controlRequest(sb.url, "POST", "/config", { accessTokenTtlSeconds: 30 });
    expect(cfg.json.accessTokenTtlSeconds).toBe(30);
    const t = await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY });
    expect(t.expires_in).toBe(30);
    await controlRequest(sb.url, "POST", "/clock", { advanceSeconds: 31 });
    expect((await api(sb.url, t.access_token, "/v1/introspect")).status).toBe(401);
    expect((await controlRequest(sb.url, "POST", "/config", { accessTokenTtlSeconds: 0 })).status).toBe(400);
  });

  it("stats count token requests, API requests per path and more", async () => {
    await api(sb.url, token, "/v1/introspect");
    await search(sb.url, token, COMPANY);
    const s = (await controlRequest(sb.url, "GET", "/stats")).json;
    expect(s.tokenRequests).toMatchObject({ authorization_code: 1, refresh_token: 0 });
    expect(s.apiRequests).toBe(2);
    expect(s.apiRequestsByPath["GET /v1/introspect"]).toBe(1);
    expect(s.apiRequestsByPath["POST /v1/accounting-entries:search"]).toBe(1);
    expect(s.apiResponsesByStatus).toEqual({ "200": 2 });
    expect(s).toMatchObject({
      refreshReuseDetected: 0,
      grantsRevoked: 0,
      rateLimited: 0,
      logins: 1,
      activeGrants: 1,
      installations: 1,
    });
  });
});

describe("requests per token in any minute (sliding window)", () => {
  const byToken = async () =>
    (await sb.control.stats()).requestsByToken as Record<
      string,
      { companyId: string; requests: number; maxInAnyMinute: number }
    >;

  it("counts each token's requests, keyed by its jti (never its value), and the most in any 60 s", async () => {
    for (let i = 0; i < 5; i++) await api(sb.url, token, "/v1/introspect");
    const second = (await sandboxTokens(sb, COMPANY_THISTLE.id)).access_token;
    await api(sb.url, second, "/v1/introspect");
    await api(sb.url, "not-a-token", "/v1/introspect");
    const stats = await byToken();
    expect(Object.values(stats).sort((a, b) => b.requests - a.requests)).toEqual([
      { companyId: COMPANY, requests: 5, maxInAnyMinute: 5 },
      { companyId: COMPANY_THISTLE.id, requests: 1, maxInAnyMinute: 1 },
    ]);
    expect(JSON.stringify(stats)).not.toContain(token);
    const s = await sb.control.stats();
    expect(s.requestsByCompany[COMPANY]).toEqual({ requests: 5, maxInAnyMinute: 5 });
  });

  it("a window slides: requests more than 60 s apart never share one, requests within 60 s do", async () => {
    for (let i = 0; i < 3; i++) await api(sb.url, token, "/v1/introspect");
    await sb.control.advanceClock(59);
    for (let i = 0; i < 2; i++) await api(sb.url, token, "/v1/introspect");
    expect(Object.values(await byToken())[0]).toMatchObject({ requests: 5, maxInAnyMinute: 5 });
    await sb.control.advanceClock(2); // the first three are now more than 60 s old
    for (let i = 0; i < 2; i++) await api(sb.url, token, "/v1/introspect");
    expect(Object.values(await byToken())[0]).toMatchObject({ requests: 7, maxInAnyMinute: 5 });
    await api(sb.url, token, "/v1/introspect");
    await api(sb.url, token, "/v1/introspect");
    expect(Object.values(await byToken())[0]).toMatchObject({ requests: 9, maxInAnyMinute: 6 });
  });

  it("requests refused with 429 count too (Pleo counts every request)", async () => {
    await sb.control.config({ rateLimit: true });
    const results = await Promise.all(Array.from({ length: 605 }, () => api(sb.url, token, "/v1/introspect")));
    expect(results.filter((r) => r.status === 429)).toHaveLength(5);
    expect(Object.values(await byToken())[0]).toMatchObject({ requests: 605, maxInAnyMinute: 605 });
  });
});

describe("issued tokens (test-only, for the e2e secret scan)", () => {
  it("lists every access and refresh token issued, also those issued before a reset", async () => {
    // beforeEach issued one pair already; a second pair for another company, then a reset.
    const second = await sandboxTokens(sb, COMPANY_THISTLE.id);
    await sb.control.reset();
    const issued = await sb.control.issuedTokens();
    const values = issued.map((t) => t.value);
    expect(values).toContain(token);
    expect(values).toContain(second.access_token);
    expect(values).toContain(second.refresh_token);
    expect(issued.find((t) => t.value === second.refresh_token)).toEqual({
      kind: "refresh",
      companyId: COMPANY_THISTLE.id,
      value: second.refresh_token,
    });
  });
});
