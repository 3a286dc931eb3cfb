/**
 * Receipts as Pleo documents them: the list per entry with time-bound URLs (24 h), one receipt, file
 * types; the files behind the URLs (real PNG and PDF bytes, no token needed); expiry on the sandbox
 * clock; and the checks (scope, company, unknown ids, bad parameters, forged links). Also tax codes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPANY_NORDLYS, COMPANY_THISTLE, SOLO_USER } from "@/sandbox/seed/fixtures";
import { getTokensForCompany } from "@/sandbox/testing";
import { startTestSandbox, type InProcessSandbox } from "@/tests/support/sandbox";
import { api } from "./helpers";

let sb: InProcessSandbox;
let token: string;
let entries: { id: string; family: string; receiptIds: string[] }[];

beforeAll(async () => {
  sb = await startTestSandbox({ entries: 400, rateLimit: false });
  token = (await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY_NORDLYS.id })).access_token;
  const r = await api(sb.url, token, `/v1/accounting-entries:search?company_id=${COMPANY_NORDLYS.id}&limit=100`, {
    method: "POST",
    body: {},
  });
  entries = r.json.data;
});
afterAll(async () => {
  await sb.close();
});

const withReceipts = (family?: string) =>
  entries.find((e) => e.receiptIds.length > 0 && (!family || e.family === family))!;

describe("GET /v1/accounting-entries/{id}/receipts", () => {
  it("lists the entry's receipts (ids = receiptIds) with every required ReceiptModel field", async () => {
    const e = withReceipts();
    const r = await api(sb.url, token, `/v1/accounting-entries/${e.id}/receipts`);
    expect(r.status).toBe(200);
    expect(r.json.data.map((x: { id: string }) => x.id).sort()).toEqual([...e.receiptIds].sort());
    for (const x of r.json.data) {
      expect(x).toMatchObject({
        accountingEntryId: e.id,
        fileType: "ORIGINAL",
        mimeType: expect.stringMatching(/^(image\/png|application\/pdf)$/),
        sizeInBytes: expect.any(Number),
        source: expect.any(String),
        createdAt: expect.any(String),
        url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/files\/receipts\//),
      });
    }
    expect(r.json.pagination.currentRequestPagination.limit).toBe(10); // FOUND: default 10
    const none = entries.find((x) => x.receiptIds.length === 0)!;
    expect((await api(sb.url, token, `/v1/accounting-entries/${none.id}/receipts`)).json.data).toEqual([]);
  });

  it("serves the file behind each URL without a token: a real PNG or PDF of the listed size", async () => {
    const invoice = entries.find((x) => x.family === "BILL_INVOICE" && x.receiptIds.length > 0);
    for (const e of [withReceipts("CARD_PURCHASE"), ...(invoice ? [invoice] : [])]) {
      const list = (await api(sb.url, token, `/v1/accounting-entries/${e.id}/receipts`)).json.data;
      expect(list.length).toBeGreaterThan(0);
      for (const x of list) {
        const file = await fetch(x.url);
        expect(file.status).toBe(200);
        expect(file.headers.get("content-type")).toBe(x.mimeType);
        const bytes = Buffer.from(await file.arrayBuffer());
        expect(bytes.length).toBe(x.sizeInBytes);
        const magic = x.mimeType === "application/pdf" ? "%PDF-" : "\x89PNG";
        expect(bytes.subarray(0, magic.length).toString("latin1")).toBe(magic);
      }
    }
  });

  it("gives smaller PNG thumbnails with file_type=THUMBNAIL, and one receipt by id", async () => {
    const e = withReceipts();
    const original = (await api(sb.url, token, `/v1/accounting-entries/${e.id}/receipts`)).json.data[0];
    const thumbs = await api(sb.url, token, `/v1/accounting-entries/${e.id}/receipts?file_type=THUMBNAIL`);
    const thumb = thumbs.json.data.find((x: { id: string }) => x.id === original.id);
    expect(thumb).toMatchObject({ fileType: "THUMBNAIL", mimeType: "image/png" });
    if (original.mimeType === "image/png") expect(thumb.sizeInBytes).toBeLessThan(original.sizeInBytes);
    const one = await api(sb.url, token, `/v1/accounting-entries/${e.id}/receipts/${original.id}?file_type=PREVIEW`);
    expect(one.status).toBe(200);
    expect(one.json.data).toMatchObject({ id: original.id, fileType: "PREVIEW", mimeType: "image/png" });
  });

  it("expires links after 24 hours on the sandbox clock (403, as object storage answers)", async () => {
    const e = withReceipts();
    const [x] = (await api(sb.url, token, `/v1/accounting-entries/${e.id}/receipts`)).json.data;
    expect(Number(new URL(x.url).searchParams.get("expires"))).toBeGreaterThan(Date.now() / 1000 + 23.9 * 3600);
    await sb.control.advanceClock(23 * 3600);
    expect((await fetch(x.url)).status).toBe(200);
    await sb.control.advanceClock(3600);
    const expired = await fetch(x.url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain("Request has expired");
    await sb.control.reset();
    token = (await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY_NORDLYS.id })).access_token;
  });

  it("refuses forged links, other companies, missing scope and bad parameters", async () => {
    const e = withReceipts();
    const [x] = (await api(sb.url, token, `/v1/accounting-entries/${e.id}/receipts`)).json.data;
    const forged = new URL(x.url);
    forged.searchParams.set("expires", String(Number(forged.searchParams.get("expires")) + 3600));
    expect((await fetch(forged)).status).toBe(403);
    const thistle = (
      await getTokensForCompany({
        sandboxUrl: sb.url,
        companyId: COMPANY_THISTLE.id,
        email: SOLO_USER.email,
        password: SOLO_USER.password,
      })
    ).access_token;
    expect((await api(sb.url, thistle, `/v1/accounting-entries/${e.id}/receipts`)).status).toBe(403);
    const narrow = (
      await getTokensForCompany({ sandboxUrl: sb.url, companyId: COMPANY_NORDLYS.id, scope: "users:read" })
    ).access_token;
    expect((await api(sb.url, narrow, `/v1/accounting-entries/${e.id}/receipts`)).status).toBe(403);
    expect((await api(sb.url, token, `/v1/accounting-entries/${e.id}/receipts?file_type=HUGE`)).status).toBe(400);
    expect((await api(sb.url, token, `/v1/accounting-entries/${e.id}/receipts?source=FAX`)).status).toBe(400);
    expect((await api(sb.url, token, `/v1/accounting-entries/not-a-uuid/receipts`)).status).toBe(400);
    expect((await api(sb.url, token, `/v1/accounting-entries/${crypto.randomUUID()}/receipts`)).status).toBe(404);
    expect((await api(sb.url, token, `/v1/accounting-entries/${e.id}/receipts/${crypto.randomUUID()}`)).status).toBe(
      404,
    );
  });
});

describe("POST /v0/tax-codes:search", () => {
  it("lists TaxCodeModel records with required fields, filtered by the body", async () => {
    const r = await api(sb.url, token, `/v0/tax-codes:search?company_id=${COMPANY_NORDLYS.id}`, { method: "POST" });
    expect(r.status).toBe(200);
    expect(r.json.data.length).toBe(3);
    for (const t of r.json.data) {
      expect(t).toMatchObject({
        id: expect.any(String),
        companyId: COMPANY_NORDLYS.id,
        name: expect.any(String),
        rate: expect.any(Number),
        type: expect.stringMatching(/^(inclusive|exclusive|reverse)$/),
        archived: false,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
    }
    const reverse = await api(sb.url, token, `/v0/tax-codes:search?company_id=${COMPANY_NORDLYS.id}`, {
      method: "POST",
      body: { type: "reverse" },
    });
    expect(reverse.json.data.map((t: { code: string }) => t.code)).toEqual(["REVERSE"]);
    expect(
      (await api(sb.url, token, `/v0/tax-codes:search?company_id=${COMPANY_THISTLE.id}`, { method: "POST" })).status,
    ).toBe(403);
    expect((await api(sb.url, token, `/v0/tax-codes:search`, { method: "POST" })).status).toBe(400);
  });
});
