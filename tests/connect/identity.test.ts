import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getTokensForCompany } from "@/sandbox/testing";
import { COMPANY_BRIGHTWAVE, COMPANY_THISTLE, SOLO_USER } from "@/sandbox/seed/fixtures";
import { fetchTokenOwner, PleoIdentityError, toCompany, toTokenIdentity } from "@/lib/pleo/identity";
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
