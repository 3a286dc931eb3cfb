import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyAuthFailure } from "@/lib/auth/failures";
import { PleoApiError, PleoResponseError, PleoUnavailableError } from "@/lib/pleo/errors";
import { getTokensForCompany } from "@/sandbox/testing";
import { COMPANY_BRIGHTWAVE, COMPANY_THISTLE, SOLO_USER } from "@/sandbox/seed/fixtures";
import { fetchTokenOwner, PleoIdentityError, toCompany, toTokenIdentity } from "@/lib/pleo/identity";
import { freePort } from "@/tests/support/portal-process";
import { startTestSandbox, type TestSandbox } from "@/tests/support/sandbox";

describe("reshaping Pleo's identity responses", () => {
  it("reads the company id out of the introspect subject URN", () => {
    const identity = toTokenIdentity({
      data: {
        authMethod: "OAUTH2",
        clientId: "c1",
        scope: "users:read  companies:read",
        applicationName: "Netsuite",
        subjectURN: "urn:pleo:company:D7B8A6D4-3C4B-4B8E-8B2E-1F2A3D4E5F6B",
        somethingNew: true,
      },
    });
    expect(identity).toEqual({
      companyId: "d7b8a6d4-3c4b-4b8e-8b2e-1f2a3d4e5f6b",
      subjectUrn: "urn:pleo:company:D7B8A6D4-3C4B-4B8E-8B2E-1F2A3D4E5F6B",
      scopes: ["users:read", "companies:read"],
      clientId: "c1",
      applicationName: "Netsuite",
    });
  });

  it("has no company for organisation or missing subjects", () => {
    expect(toTokenIdentity({ data: { authMethod: "OAUTH2", clientId: "c", scope: "" } }).companyId).toBeNull();
    expect(
      toTokenIdentity({
        data: { authMethod: "OAUTH2", clientId: "c", scope: "x", subjectURN: "urn:pleo:organization:abc" },
      }).companyId,
    ).toBeNull();
  });

  it("rejects malformed responses with a message naming the field", () => {
    expect(() => toTokenIdentity({ data: { authMethod: "OAUTH2" } })).toThrow(/clientId/);
    expect(() => toTokenIdentity("nope")).toThrow(PleoIdentityError);
    expect(() => toCompany({ data: { id: "not-a-uuid", name: "X", address: null } })).toThrow(/id/);
    expect(() => toCompany({ data: { id: COMPANY_THISTLE.id, name: "" } })).toThrow(/name/);
  });

  it("reshapes a company, filling absent optional fields with null and deriving its time zone", () => {
    expect(toCompany({ data: { id: COMPANY_THISTLE.id, name: "Thistle", address: { country: "GB" } } })).toEqual({
      id: COMPANY_THISTLE.id,
      name: "Thistle",
      organizationId: null,
      registrationNumber: null,
      address: {
        addressLine1: null,
        addressLine2: null,
        locality: null,
        region: null,
        postalCode: null,
        country: "GB",
      },
      timeZone: "Europe/London",
    });
  });
});

describe("fetchTokenOwner against the sandbox", () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox({ entries: 50 });
  });
  afterAll(async () => sandbox?.close());

  it("names the company a real token was granted for", async () => {
    const tokens = await getTokensForCompany({ sandboxUrl: sandbox.url, companyId: COMPANY_BRIGHTWAVE.id });
    const owner = await fetchTokenOwner(sandbox.url, tokens.access_token);
    expect(owner.identity.companyId).toBe(COMPANY_BRIGHTWAVE.id);
    expect(owner.identity.scopes).toContain("companies:read");
    expect(owner.company).toMatchObject({
      id: COMPANY_BRIGHTWAVE.id,
      name: COMPANY_BRIGHTWAVE.name,
      registrationNumber: COMPANY_BRIGHTWAVE.registrationNumber,
    });
  });

  it("without companies:read the company is still identified, under a placeholder name", async () => {
    const tokens = await getTokensForCompany({
      sandboxUrl: sandbox.url,
      companyId: COMPANY_THISTLE.id,
      email: SOLO_USER.email,
      password: SOLO_USER.password,
      scope: "accounting-entries:read",
    });
    const owner = await fetchTokenOwner(sandbox.url, tokens.access_token);
    expect(owner.company).toMatchObject({
      id: COMPANY_THISTLE.id,
      name: `Pleo company ${COMPANY_THISTLE.id.slice(0, 8)}`,
    });
  });

  it("a rejected token is an error carrying Pleo's status", async () => {
    const error = await fetchTokenOwner(sandbox.url, "not-a-token").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PleoIdentityError);
    expect((error as PleoIdentityError).status).toBe(401);
  });
});

// Answers the sandbox never gives (an organisation's token, another company's profile, a body that is not
// JSON): a Pleo stand-in over real HTTP that answers each path as the test says.
describe("fetchTokenOwner refuses answers that do not name one company", () => {
  let server: Server;
  let url: string;
  const answers = new Map<string, { status: number; body: unknown }>();
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const answer = answers.get(req.url ?? "") ?? { status: 404, body: { type: "NOT_FOUND" } };
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server?.close(() => r())));

  const introspect = (subjectURN: string) => ({
    status: 200,
    body: { data: { authMethod: "OAUTH2", clientId: "portal", scope: "companies:read", subjectURN } },
  });
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error("fetchTokenOwner resolved");
      },
      (e: unknown) => e as PleoIdentityError,
    );

  it("an organisation's token is refused before any company is read", async () => {
    answers.clear();
    seen.length = 0;
    answers.set("/v1/introspect", introspect("urn:pleo:organization:9a8b7c6d-0000-4000-8000-000000000001"));
    const error = await failure(fetchTokenOwner(url, "t"));
    expect(error).toBeInstanceOf(PleoIdentityError);
    expect(error.message).toMatch(/not for a single company \(subject urn:pleo:organization:/);
    expect(seen).toEqual(["GET /v1/introspect"]);
    // A token with no subject at all says so.
    answers.set("/v1/introspect", {
      status: 200,
      body: { data: { authMethod: "OAUTH2", clientId: "portal", scope: "companies:read" } },
    });
    expect((await failure(fetchTokenOwner(url, "t"))).message).toMatch(/\(subject missing\)$/);
  });

  it("a company profile for another company than the token's is refused", async () => {
    answers.clear();
    answers.set("/v1/introspect", introspect(`urn:pleo:company:${COMPANY_THISTLE.id}`));
    answers.set(`/v1/companies/${COMPANY_THISTLE.id}`, {
      status: 200,
      body: { data: { id: COMPANY_BRIGHTWAVE.id, name: "Someone else" } },
    });
    const error = await failure(fetchTokenOwner(url, "t"));
    expect(error).toBeInstanceOf(PleoIdentityError);
    expect(error.message).toMatch(/different company/);
    // The same answer for the token's own company connects it.
    answers.set(`/v1/companies/${COMPANY_THISTLE.id}`, {
      status: 200,
      body: { data: { id: COMPANY_THISTLE.id, name: "Thistle" } },
    });
    expect((await fetchTokenOwner(url, "t")).company.name).toBe("Thistle");
  });

  it("keeps Pleo's status and the engine's error as the cause; a 5xx or no answer is 'Pleo unavailable'", async () => {
    answers.clear();
    answers.set("/v1/introspect", { status: 503, body: { type: "SERVICE_UNAVAILABLE", message: "down" } });
    const down = await failure(fetchTokenOwner(url, "t"));
    expect(down.status).toBe(503);
    expect(down.message).toBe("GET /v1/introspect answered HTTP 503");
    expect(down.cause).toBeInstanceOf(PleoUnavailableError);
    expect(classifyAuthFailure(down)).toBe("pleo_unavailable");

    answers.set("/v1/introspect", { status: 403, body: { type: "ACCESS_DENIED", message: "no" } });
    const refused = await failure(fetchTokenOwner(url, "t"));
    expect(refused.status).toBe(403);
    expect(refused.cause).toBeInstanceOf(PleoApiError);
    expect(classifyAuthFailure(refused)).toBe("profile_failed");

    const unreachable = await failure(fetchTokenOwner(`http://127.0.0.1:${await freePort()}`, "t"));
    expect(unreachable.status).toBeNull();
    expect(unreachable.message).toMatch(/^could not reach Pleo: /);
    expect(unreachable.cause).toBeInstanceOf(PleoUnavailableError);
    expect(classifyAuthFailure(unreachable)).toBe("pleo_unavailable");
  });

  it("a body that is not the documented shape has no status and names the problem", async () => {
    answers.clear();
    answers.set("/v1/introspect", { status: 200, body: { data: { authMethod: "OAUTH2" } } });
    const error = await failure(fetchTokenOwner(url, "t"));
    expect(error.status).toBeNull();
    expect(error.message).toMatch(/clientId/);
    expect(error.cause).toBeInstanceOf(PleoResponseError);
  });
});
