/**
 * Receipts through lib/pleo/receipts.ts against the sandbox over HTTP: the listing (originals and
 * thumbnails) leaves only sealed references; a reference opens only for its own company and entry; the
 * file streams byte for byte; an expired link (sandbox clock), a missing file and an unreachable file
 * host are told apart; a URL that is not https is never fetched against a real (https) Pleo.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@/lib/log";
import { createPleoClient, type PleoClient } from "@/lib/pleo/client";
import { fetchReceiptFile, listEntryReceipts, openReceiptRef, sealReceiptRef } from "@/lib/pleo/receipts";
import { DEMO_SECOND_COMPANY_ID, LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { sandboxTokens } from "@/tests/support/sandbox";
import { createWorld, type World } from "@/tests/support/world";

let world: World;
let client: PleoClient;
let entries: { id: string; family: string; receiptIds: string[] }[];

beforeAll(async () => {
  world = await createWorld({ database: "pglite", sandbox: { entries: 300, rateLimit: false } });
  const tokens = await sandboxTokens(world.sandbox, LARGE_COMPANY_ID);
  client = createPleoClient({
    apiUrl: world.sandbox.url,
    companyId: LARGE_COMPANY_ID,
    tokens: { get: async () => tokens.access_token },
    logger: createLogger({ level: "silent" }),
    retry: { baseDelayMs: 5, maxDelayMs: 10 },
  });
  const res = await fetch(
    `${world.sandbox.url}/v1/accounting-entries:search?company_id=${LARGE_COMPANY_ID}&limit=100`,
    {
      method: "POST",
      headers: { authorization: `Bearer ${tokens.access_token}`, "content-type": "application/json" },
      body: "{}",
    },
  );
  entries = ((await res.json()) as { data: typeof entries }).data;
});
afterAll(async () => {
  await world?.close();
});

const withReceipts = () => entries.find((e) => e.receiptIds.length > 0)!;
const binding = (entryId: string) => ({ companyId: LARGE_COMPANY_ID, entryId });

describe("listEntryReceipts", () => {
  it("lists every receipt with a sealed file reference and a thumbnail reference, never a URL", async () => {
    const e = withReceipts();
    const receipts = await listEntryReceipts(LARGE_COMPANY_ID, e.id, client);
    expect(receipts.map((r) => r.id).sort()).toEqual([...e.receiptIds].sort());
    for (const r of receipts) {
      expect(JSON.stringify(r)).not.toContain(world.sandbox.url);
      expect(r.kind).toMatch(/^(image|pdf)$/);
      expect(r.thumbnail).not.toBeNull();
      const ref = openReceiptRef(r.file, binding(e.id))!;
      expect(ref.url).toMatch(/\/files\/receipts\//);
      expect(ref.receiptId).toBe(r.id);
    }
    const none = entries.find((x) => x.receiptIds.length === 0)!;
    expect(await listEntryReceipts(LARGE_COMPANY_ID, none.id, client)).toEqual([]);
  });

  it("a reference opens only for the company and entry it was sealed for, and not when altered", async () => {
    const e = withReceipts();
    const [r] = await listEntryReceipts(LARGE_COMPANY_ID, e.id, client);
    expect(openReceiptRef(r.file, binding(e.id))).not.toBeNull();
    expect(openReceiptRef(r.file, { companyId: DEMO_SECOND_COMPANY_ID, entryId: e.id })).toBeNull();
    expect(openReceiptRef(r.file, binding(entries.find((x) => x.id !== e.id)!.id))).toBeNull();
    // One character changed (not the last: base64's last character may carry only padding bits).
    const at = r.file.length - 2;
    const flipped = r.file.slice(0, at) + (r.file[at] === "A" ? "B" : "A") + r.file.slice(at + 1);
    expect(flipped).not.toBe(r.file);
    expect(openReceiptRef(flipped, binding(e.id))).toBeNull();
    expect(openReceiptRef("", binding(e.id))).toBeNull();
    expect(openReceiptRef("not base64 at all!", binding(e.id))).toBeNull();
  });
});

describe("fetchReceiptFile", () => {
  it("streams the file as Pleo's storage serves it", async () => {
    const e = withReceipts();
    const [r] = await listEntryReceipts(LARGE_COMPANY_ID, e.id, client);
    const ref = openReceiptRef(r.file, binding(e.id))!;
    const file = await fetchReceiptFile(ref);
    if (file.status !== "ok") throw new Error(`expected the file, got ${file.status}`);
    expect(file.contentType).toBe(r.mimeType);
    const ours = Buffer.from(await new Response(file.body).arrayBuffer());
    const theirs = Buffer.from(await (await fetch(ref.url)).arrayBuffer());
    expect(ours.equals(theirs)).toBe(true);
    expect(ours.length).toBe(r.sizeInBytes);
  });

  it("tells an expired link, a missing file and an unreachable file host apart", async () => {
    const e = withReceipts();
    const [r] = await listEntryReceipts(LARGE_COMPANY_ID, e.id, client);
    const ref = openReceiptRef(r.file, binding(e.id))!;
    const missing = { ...ref, url: ref.url.replace(r.id, crypto.randomUUID()) };
    expect((await fetchReceiptFile(missing)).status).toBe("expired"); // the signature no longer matches: refused
    await world.sandbox.control.fault({ path: "/files/receipts/*", status: 404, times: 1 });
    expect((await fetchReceiptFile(ref)).status).toBe("missing");
    await world.sandbox.control.fault({ path: "/files/receipts/*", status: 500, times: 1 });
    expect((await fetchReceiptFile(ref)).status).toBe("unavailable");
    expect((await fetchReceiptFile({ ...ref, url: "http://127.0.0.1:9/nothing" })).status).toBe("unavailable");
    await world.sandbox.control.advanceClock(24 * 3600 + 60);
    try {
      expect((await fetchReceiptFile(ref)).status).toBe("expired");
    } finally {
      await world.sandbox.control.advanceClock(-(24 * 3600 + 60));
    }
  });

  it("never fetches a non-https URL when the configured Pleo API is https", async () => {
    const e = withReceipts();
    const [r] = await listEntryReceipts(LARGE_COMPANY_ID, e.id, client);
    const ref = openReceiptRef(r.file, binding(e.id))!;
    const before = (await world.sandbox.control.stats()).receiptFileRequests;
    world.configure({ PLEO_API_URL: "https://external.pleo.io" });
    try {
      expect((await fetchReceiptFile(ref)).status).toBe("unavailable");
    } finally {
      world.configure();
    }
    expect((await world.sandbox.control.stats()).receiptFileRequests).toBe(before);
    expect((await fetchReceiptFile(ref)).status).toBe("ok"); // the same link, with the sandbox configured
  });

  it("seals any reference it is given with the binding, for the route to check", () => {
    const b = binding("e0000000-0000-4000-8000-000000000001");
    const sealed = sealReceiptRef({ receiptId: "r1", url: "https://files.example/r1", mimeType: "image/png" }, b);
    expect(sealed).not.toContain("files.example");
    expect(openReceiptRef(sealed, b)).toEqual({
      receiptId: "r1",
      url: "https://files.example/r1",
      mimeType: "image/png",
      ...b,
    });
  });
});
