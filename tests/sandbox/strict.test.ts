/**
 * Strict mode: the sandbox serves only what Pleo documents. No `supplier.name`, no `/v1/teams`, every
 * documented required field on every entry, optional fields sometimes absent (the same ones on every
 * request), the company's country in a format Pleo does not specify; the switch works at run time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPANY_NORDLYS } from "@/sandbox/seed/fixtures";
import { getTokensForCompany } from "@/sandbox/testing";
import { startTestSandbox, type InProcessSandbox } from "@/tests/support/sandbox";
import { api } from "./helpers";

// AccountingEntryV1's required fields (Pleo's spec).
const REQUIRED = [
  "attendees",
  "companyId",
  "createdAt",
  "exportStatus",
  "family",
  "id",
  "performedAt",
  "receiptIds",
  "reviewStatus",
  "splitItems",
  "status",
  "tags",
  "transactionValue",
  "updatedAt",
];
const OPTIONAL_SOMETIMES_ABSENT = ["teamId", "subFamily", "bookkeepingDate", "accountCode", "taxCodeId"];
const SUPPLIER_FIELDS = ["cif", "documentNumber", "documentType", "externalAccountNumber", "externalSupplierId"];

type Entry = Record<string, unknown> & { id: string; supplier?: Record<string, unknown> };

let sb: InProcessSandbox;
let token: string;

async function entries(): Promise<Entry[]> {
  const out: Entry[] = [];
  let after: string | undefined;
  do {
    const qs = new URLSearchParams({ company_id: COMPANY_NORDLYS.id, limit: "100", ...(after ? { after } : {}) });
    const r = await api(sb.url, token, `/v1/accounting-entries:search?${qs}`, { method: "POST", body: {} });
    expect(r.status).toBe(200);
    out.push(...r.json.data);
    after = r.json.pagination.hasNextPage ? r.json.pagination.endCursor : undefined;
  } while (after);
  return out;
}

beforeAll(async () => {
  sb = await startTestSandbox({ entries: 1500, strict: true, rateLimit: false });
  token = (await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY_NORDLYS.id })).access_token;
});
afterAll(async () => {
  await sb.close();
});

describe("strict mode", () => {
  it("serves every documented required field and no supplier name", async () => {
    const all = await entries();
    expect(all).toHaveLength((await sb.control.summary(COMPANY_NORDLYS.id)).count); // the live ones
    for (const e of all) for (const f of REQUIRED) expect(e, `${e.id} ${f}`).toHaveProperty(f);
    const withSupplier = all.filter((e) => e.supplier);
    expect(withSupplier.length).toBeGreaterThan(100);
    for (const e of withSupplier) {
      expect(
        Object.keys(e.supplier!).every((k) => SUPPLIER_FIELDS.includes(k)),
        JSON.stringify(e.supplier),
      ).toBe(true);
    }
    // Live entries leave the optional deletedAt out.
    expect(all.filter((e) => "deletedAt" in e)).toEqual([]);
  });

  it("leaves optional fields out of some entries, the same ones on every request", async () => {
    const first = await entries();
    for (const field of OPTIONAL_SOMETIMES_ABSENT) {
      const present = first.filter((e) => field in e).length;
      expect(present, field).toBeGreaterThan(0);
      expect(present, field).toBeLessThan(first.length);
    }
    const again = await entries();
    expect(again).toEqual(first);
  });

  it("has no teams endpoint, but still the documented lists", async () => {
    const teams = await api(sb.url, token, `/v1/teams?company_id=${COMPANY_NORDLYS.id}`);
    expect(teams.status).toBe(404);
    const employees = await api(sb.url, token, `/v2/employees?companyId=${COMPANY_NORDLYS.id}&limit=100`);
    expect(employees.status).toBe(200);
    expect(employees.json.data.length).toBeGreaterThan(0);
    for (const e of employees.json.data) {
      for (const f of ["id", "companyId", "email", "firstName", "lastName"]) expect(e).toHaveProperty(f);
    }
    const tax = await api(sb.url, token, `/v0/tax-codes:search?company_id=${COMPANY_NORDLYS.id}`, { method: "POST" });
    expect(tax.status).toBe(200);
    expect(tax.json.data.length).toBeGreaterThan(0);
  });

  it("writes the company's country in an unspecified format (alpha-3 for Nordlys)", async () => {
    const r = await api(sb.url, token, `/v1/companies/${COMPANY_NORDLYS.id}`);
    expect(r.json.data.address.country).toBe("DNK");
  });

  it("can be switched off and on at run time through the control API", async () => {
    expect((await sb.control.config({ strict: false })).strict).toBe(false);
    const loose = await entries();
    expect(loose.some((e) => typeof e.supplier?.name === "string")).toBe(true);
    expect((await api(sb.url, token, `/v1/teams?company_id=${COMPANY_NORDLYS.id}`)).status).toBe(200);
    expect((await api(sb.url, token, `/v1/companies/${COMPANY_NORDLYS.id}`)).json.data.address.country).toBe("DK");
    expect((await sb.control.config({ strict: true })).strict).toBe(true);
    expect((await entries()).some((e) => e.supplier && "name" in e.supplier)).toBe(false);
  });
});
