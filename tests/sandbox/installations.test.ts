/**
 * The sandbox's installations (Pleo's install flow): created AUTHORIZED by the consent, PUT replaces
 * (GUESSED), metadata limits (GUESSED), activate, DELETE revoking the client's tokens for the company;
 * and the control calls for what Pleo does on its side (uninstall, revoke only, set a status).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { METADATA_MAX_BYTES, METADATA_MAX_KEYS } from "@/sandbox/api/installations";
import { COMPANY_BRIGHTWAVE, COMPANY_THISTLE, SOLO_USER } from "@/sandbox/seed/fixtures";
import { getTokensForCompany } from "@/sandbox/testing";
import { startTestSandbox, type InProcessSandbox } from "@/tests/support/sandbox";
import { api, controlRequest } from "./helpers";

let sb: InProcessSandbox;
let token: string;
const COMPANY = COMPANY_BRIGHTWAVE.id;
const ME = `/v1/installations/me?company_id=${COMPANY}`;

beforeAll(async () => {
  sb = await startTestSandbox({ entries: 100 });
});
afterAll(async () => {
  await sb.close();
});
beforeEach(async () => {
  await sb.control.reset();
  token = (await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY })).access_token;
});

describe("installations API", () => {
  it("the consent created one AUTHORIZED installation; activate makes it ACTIVATED (bare InstallationResponse)", async () => {
    const got = await api(sb.url, token, ME);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ status: "AUTHORIZED", resource: `urn:pleo:company:${COMPANY}` });
    expect(got.json.data).toBeUndefined();
    const activated = await api(sb.url, token, `/v1/installations/me:activate?company_id=${COMPANY}`, {
      method: "POST",
    });
    expect(activated.json).toMatchObject({ id: got.json.id, status: "ACTIVATED" });
  });

  it("PUT replaces: metadata and errorCode left out are cleared", async () => {
    const put = (body: unknown) => api(sb.url, token, ME, { method: "PUT", body });
    expect(
      (await put({ status: "ERROR", errorCode: "NOT_ENTITLED", metadata: { a: "1", b: "2" } })).json,
    ).toMatchObject({ status: "ERROR", errorCode: "NOT_ENTITLED", metadata: { a: "1", b: "2" } });
    const replaced = await put({ status: "ACTIVATED", metadata: { c: "3" } });
    expect(replaced.json.metadata).toEqual({ c: "3" });
    expect(replaced.json.errorCode).toBeUndefined();
    expect((await put({ status: "ACTIVATED" })).json.metadata).toEqual({});
    expect((await put({ metadata: {} })).status).toBe(400);
  });

  it("metadata beyond the (GUESSED) limits is a 400 naming the limit; nothing changes", async () => {
    const tooMany = Object.fromEntries(Array.from({ length: METADATA_MAX_KEYS + 1 }, (_, i) => [`k${i}`, "v"]));
    const r1 = await api(sb.url, token, ME, { method: "PUT", body: { status: "ACTIVATED", metadata: tooMany } });
    expect(r1.status).toBe(400);
    expect(r1.json.message).toContain(`at most ${METADATA_MAX_KEYS} keys`);
    const tooBig = { note: "x".repeat(METADATA_MAX_BYTES) };
    const r2 = await api(sb.url, token, ME, { method: "PUT", body: { status: "ACTIVATED", metadata: tooBig } });
    expect(r2.status).toBe(400);
    expect(r2.json.message).toContain(`at most ${METADATA_MAX_BYTES} bytes`);
    expect((await api(sb.url, token, ME)).json).toMatchObject({ status: "AUTHORIZED", metadata: {} });
  });

  it("DELETE: 204 and the token stops working; a new consent creates a new AUTHORIZED installation", async () => {
    expect((await api(sb.url, token, ME, { method: "DELETE" })).status).toBe(204);
    expect((await api(sb.url, token, ME)).status).toBe(401);
    const again = (await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY })).access_token;
    expect((await api(sb.url, again, ME)).json.status).toBe("AUTHORIZED");
  });
});

describe("installations and grants", () => {
  it("a second consent for the same company keeps its installation (same id, status kept)", async () => {
    const first = await api(sb.url, token, ME);
    await api(sb.url, token, `/v1/installations/me:activate?company_id=${COMPANY}`, { method: "POST" });
    const again = (await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY })).access_token;
    expect((await api(sb.url, again, ME)).json).toMatchObject({ id: first.json.id, status: "ACTIVATED" });
    expect(await sb.control.installations()).toHaveLength(1);
  });

  it("DELETE revokes this client's grants for the company, not another client's", async () => {
    const others = (await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY })).access_token;
    // A grant of another registered client for the same company (the sandbox registers one client).
    sb.state.grants.get(sb.state.tokens.get(others)!.grantId)!.clientId = "another-client";
    expect((await api(sb.url, token, ME, { method: "DELETE" })).status).toBe(204);
    expect((await api(sb.url, token, "/v1/introspect")).status).toBe(401);
    expect((await api(sb.url, others, "/v1/introspect")).status).toBe(200);
  });
});

describe("control: what Pleo does on its side", () => {
  it("grants/revoke = uninstalled in Pleo (grants and installation gone); keepInstallation revokes only", async () => {
    const other = (
      await getTokensForCompany({
        sandboxUrl: sb.url,
        companyId: COMPANY_THISTLE.id,
        email: SOLO_USER.email,
        password: SOLO_USER.password,
      })
    ).access_token;
    const only = await controlRequest(sb.url, "POST", "/grants/revoke", { companyId: COMPANY, keepInstallation: true });
    expect(only.json).toEqual({ revokedGrants: 1, removedInstallations: 0 });
    expect((await api(sb.url, token, ME)).status).toBe(401);
    expect((await sb.control.installations()).map((i) => i.companyId).sort()).toEqual(
      [COMPANY, COMPANY_THISTLE.id].sort(),
    );
    const all = await controlRequest(sb.url, "POST", "/grants/revoke", { companyId: COMPANY });
    expect(all.json).toEqual({ revokedGrants: 0, removedInstallations: 1 });
    expect((await sb.control.installations()).map((i) => i.companyId)).toEqual([COMPANY_THISTLE.id]);
    expect((await api(sb.url, other, `/v1/installations/me?company_id=${COMPANY_THISTLE.id}`)).status).toBe(200);
  });

  it("installations/status sets a status and error code as Pleo would; an unknown company is a 404, a bad body a 400", async () => {
    expect(await sb.control.setInstallationStatus(COMPANY, "ERROR", "NOT_ENTITLED")).toEqual({ updated: 1 });
    expect((await api(sb.url, token, ME)).json).toMatchObject({ status: "ERROR", errorCode: "NOT_ENTITLED" });
    const unknown = await controlRequest(sb.url, "POST", "/installations/status", {
      companyId: "00000000-0000-4000-8000-000000000000",
      status: "ERROR",
    });
    expect(unknown.status).toBe(404);
    expect(
      (await controlRequest(sb.url, "POST", "/installations/status", { companyId: COMPANY, status: "X" })).status,
    ).toBe(400);
  });
});
