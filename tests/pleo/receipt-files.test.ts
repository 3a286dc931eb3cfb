/**
 * lib/pleo/receipts.ts on its own: the sealed reference's format (a reference sealed by another build
 * of the portal with the same AUTH_SECRET still opens, and one sealed under another secret does not),
 * the listing against the sandbox over HTTP, and the file fetch. Where the sandbox cannot answer the way
 * a test needs (receipts out of order, a failing thumbnail listing, a file of exactly the size limit, a
 * 410, a 2xx without a body), a small scripted server stands in for Pleo and its file storage and
 * records what it was sent. tests/pleo/receipts.test.ts covers the same end to end.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { env } from "@/lib/env";
import { createLogger } from "@/lib/log";
import { createPleoClient, type PleoClient } from "@/lib/pleo/client";
import {
  fetchReceiptFile,
  listEntryReceipts,
  MAX_RECEIPT_BYTES,
  openReceiptRef,
  receiptKind,
  sealReceiptRef,
  type ReceiptRef,
} from "@/lib/pleo/receipts";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { configurePortal } from "@/tests/support/env";
import { captureLogger, setProcessLogger } from "@/tests/support/logs";
import { freePort } from "@/tests/support/portal-process";
import { sandboxTokens, startTestSandbox, type InProcessSandbox } from "@/tests/support/sandbox";

const COMPANY = LARGE_COMPANY_ID;
const ENTRY = "e0000000-0000-4000-8000-0000000000e1";
const OTHER_SECRET = "another-auth-secret-another-auth-secret-01";

/** The reference format, written out here: AES-256-GCM under HKDF(AUTH_SECRET), iv | tag | body, base64url. */
const refKey = (secret: string) => Buffer.from(hkdfSync("sha256", secret, "", "pleo-receipt-ref/v1", 32));
const refAad = (companyId: string, entryId: string) => Buffer.from(`${companyId}/${entryId}`.toLowerCase());
function sealByHand(json: string, companyId: string, entryId: string, secret = env().AUTH_SECRET): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", refKey(secret), iv);
  cipher.setAAD(refAad(companyId, entryId));
  const body = Buffer.concat([cipher.update(json, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}
function openByHand(ref: string, companyId: string, entryId: string): unknown {
  const raw = Buffer.from(ref, "base64url");
  const decipher = createDecipheriv("aes-256-gcm", refKey(env().AUTH_SECRET), raw.subarray(0, 12));
  decipher.setAAD(refAad(companyId, entryId));
  decipher.setAuthTag(raw.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8"));
}

describe("receipts (lib/pleo/receipts.ts)", () => {
  let sb: InProcessSandbox;
  let standIn: Server;
  let standInUrl = "";
  /** What the stand-in was asked, and how it answers (set per test). */
  let asked: string[] = [];
  let answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(500).end();
  let logs: ReturnType<typeof captureLogger>;

  beforeAll(async () => {
    sb = await startTestSandbox({ entries: 60, rateLimit: false });
    configurePortal(sb.url);
    standIn = createServer((req, res) => {
      res.shouldKeepAlive = false;
      asked.push(req.url!);
      answer(req, res);
    });
    await new Promise<void>((r) => standIn.listen(0, "127.0.0.1", r));
    standInUrl = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => (standIn ? standIn.close(() => r()) : r()));
    await sb?.close();
  });
  afterEach(() => {
    setProcessLogger(undefined);
    configurePortal(sb.url);
  });
  const captureLogs = () => {
    logs = captureLogger();
    setProcessLogger(logs.logger);
  };
  const receiptLines = () => logs.lines().filter((l) => l.event === "pleo.receipt");

  /** The stand-in serves `bytes` (with or without a Content-Length). */
  function serve(status: number, bytes: Buffer, opts: { length?: number | null; type?: string } = {}) {
    answer = (_req, res) => {
      const headers: Record<string, string> = { "content-type": opts.type ?? "application/octet-stream" };
      if (opts.length !== null) headers["content-length"] = String(opts.length ?? bytes.length);
      res.writeHead(status, headers).end(bytes);
    };
  }
  /**
   * The stand-in answers `status` and then keeps sending (never more than `length` bytes, if given) and
   * never ends: `letGo()` resolves once the client closes the connection, rejects if it has not within 5 s.
   */
  let letGo: () => Promise<void> = () => Promise.reject(new Error("nothing served"));
  function serveEndless(status: number, length?: number) {
    let closed!: () => void;
    const gone = new Promise<void>((r) => (closed = r));
    letGo = () =>
      Promise.race([
        gone,
        new Promise<void>((_r, reject) =>
          setTimeout(() => reject(new Error("the client kept the answer open")), 5_000).unref(),
        ),
      ]);
    answer = (_req, res) => {
      res.writeHead(status, length === undefined ? {} : { "content-length": String(length) });
      res.on("close", closed);
      const chunk = Buffer.alloc(64 * 1024, 1);
      let sent = 0;
      const pump = () => {
        while (!res.destroyed && (length === undefined || sent + chunk.length < length)) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
      };
      pump();
    };
  }
  const fileRef = (over: Partial<ReceiptRef> = {}): ReceiptRef => ({
    receiptId: "r-1",
    url: `${standInUrl}/files/r-1?signature=abc`,
    mimeType: "image/png",
    companyId: COMPANY,
    entryId: ENTRY,
    ...over,
  });
  const read = async (file: Awaited<ReturnType<typeof fetchReceiptFile>>) => {
    if (file.status !== "ok") throw new Error(`expected the file, got ${file.status}`);
    return Buffer.from(await new Response(file.body).arrayBuffer());
  };

  describe("receiptKind", () => {
    it("names the types a browser shows inline, in any case; everything else is a download", () => {
      expect(receiptKind("image/png")).toBe("image");
      expect(receiptKind("image/jpeg")).toBe("image");
      expect(receiptKind("IMAGE/GIF")).toBe("image");
      expect(receiptKind("Application/PDF")).toBe("pdf");
      for (const other of [
        "image/svg+xml",
        "text/html",
        "application/octet-stream",
        "",
        "image",
        "toString",
        "constructor",
        "__proto__",
        "CONSTRUCTOR",
      ]) {
        expect(receiptKind(other)).toBe("other");
      }
    });
  });

  describe("sealed references", () => {
    const binding = { companyId: COMPANY, entryId: ENTRY };

    it("keeps the format: a reference sealed by hand opens, and ours opens by hand, under any case of the binding", () => {
      const claims = { receiptId: "r-9", url: "https://files.example/r-9?sig=1", mimeType: "application/pdf" };
      expect(openReceiptRef(sealByHand(JSON.stringify(claims), COMPANY, ENTRY), binding)).toEqual({
        ...claims,
        ...binding,
      });
      const ours = sealReceiptRef(claims, { companyId: COMPANY.toUpperCase(), entryId: ENTRY.toUpperCase() });
      expect(openByHand(ours, COMPANY, ENTRY)).toEqual(claims);
      expect(openReceiptRef(ours, binding)).toEqual({ ...claims, ...binding });
      // Every seal has its own iv: two seals of the same claims differ.
      expect(sealReceiptRef(claims, binding)).not.toBe(sealReceiptRef(claims, binding));
    });

    it("opens only under the AUTH_SECRET it was sealed with, and again once that secret is back", () => {
      const ref = sealReceiptRef(
        { receiptId: "r-1", url: "https://files.example/r-1", mimeType: "image/png" },
        binding,
      );
      configurePortal(sb.url, { AUTH_SECRET: OTHER_SECRET });
      expect(openReceiptRef(ref, binding)).toBeNull();
      const other = sealReceiptRef(
        { receiptId: "r-2", url: "https://files.example/r-2", mimeType: "image/png" },
        binding,
      );
      expect(openByHand(sealByHand("{}", COMPANY, ENTRY, OTHER_SECRET), COMPANY, ENTRY)).toEqual({});
      configurePortal(sb.url);
      expect(openReceiptRef(other, binding)).toBeNull();
      expect(openReceiptRef(ref, binding)?.receiptId).toBe("r-1");
    });

    it("refuses claims that are not a receipt id and a URL, and lets the binding win over sealed ids", () => {
      const seal = (json: string) => sealByHand(json, COMPANY, ENTRY);
      expect(
        openReceiptRef(seal(JSON.stringify({ receiptId: "r", url: 5, mimeType: "image/png" })), binding),
      ).toBeNull();
      expect(
        openReceiptRef(seal(JSON.stringify({ url: "https://f.example/x", mimeType: "image/png" })), binding),
      ).toBeNull();
      expect(openReceiptRef(seal("null"), binding)).toBeNull();
      expect(openReceiptRef(seal("not json"), binding)).toBeNull();
      const forged = {
        receiptId: "r",
        url: "https://f.example/x",
        mimeType: "image/png",
        companyId: "other",
        entryId: "e",
      };
      expect(openReceiptRef(seal(JSON.stringify(forged)), binding)).toEqual({ ...forged, ...binding });
    });

    it("refuses a reference too short to hold an iv, a tag and a body", () => {
      const ref = sealReceiptRef({ receiptId: "r", url: "https://f.example/x", mimeType: "image/png" }, binding);
      const raw = Buffer.from(ref, "base64url");
      for (const n of [0, 12, 28]) expect(openReceiptRef(raw.subarray(0, n).toString("base64url"), binding)).toBeNull();
      expect(openReceiptRef(raw.toString("base64url"), binding)).not.toBeNull();
    });
  });

  describe("listEntryReceipts against the sandbox", () => {
    let client: PleoClient;
    let entries: { id: string; receiptIds: string[] }[] = [];
    beforeAll(async () => {
      const token = (await sandboxTokens(sb, COMPANY)).access_token;
      client = createPleoClient({
        apiUrl: sb.url,
        companyId: COMPANY,
        tokens: { get: async () => token },
        logger: createLogger({ level: "silent" }),
        retry: { baseDelayMs: 5, maxDelayMs: 10 },
      });
      const res = await fetch(`${sb.url}/v1/accounting-entries:search?company_id=${COMPANY}&limit=100`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: "{}",
      });
      entries = ((await res.json()) as { data: typeof entries }).data;
    });

    it("lists each receipt with its original's reference and an image thumbnail's, PDFs included", async () => {
      const withReceipts = entries.filter((e) => e.receiptIds.length > 0);
      expect(withReceipts.length).toBeGreaterThan(3);
      const kinds = new Set<string>();
      for (const e of withReceipts.slice(0, 12)) {
        const list = await listEntryReceipts(COMPANY, e.id, client);
        expect(list.map((r) => r.id).sort()).toEqual([...e.receiptIds].sort());
        for (const r of list) {
          kinds.add(r.kind);
          expect(r.kind).toBe(receiptKind(r.mimeType));
          const file = openReceiptRef(r.file, { companyId: COMPANY, entryId: e.id })!;
          expect(file).toMatchObject({ receiptId: r.id, mimeType: r.mimeType });
          expect(file.url).toMatch(new RegExp(`/files/receipts/${e.id}/${r.id}/original\\?`));
          const thumb = openReceiptRef(r.thumbnail!, { companyId: COMPANY, entryId: e.id })!;
          expect(thumb).toMatchObject({ receiptId: r.id, mimeType: "image/png" });
          expect(thumb.url).toMatch(new RegExp(`/files/receipts/${e.id}/${r.id}/thumbnail\\?`));
        }
      }
      expect([...kinds].sort()).toEqual(["image", "pdf"]);
      const none = entries.find((x) => x.receiptIds.length === 0)!;
      expect(await listEntryReceipts(COMPANY, none.id, client)).toEqual([]);
    });
  });

  describe("listEntryReceipts against a stand-in", () => {
    const receipt = (id: string, createdAt: string, mimeType: string, fileType = "ORIGINAL") => ({
      id,
      accountingEntryId: ENTRY,
      createdAt,
      fileType,
      mimeType,
      sizeInBytes: 1234,
      source: "EMAIL",
      url: `${standInUrl}/files/${id}/${fileType.toLowerCase()}`,
    });
    const page = (data: unknown[], endCursor: string | null) => ({
      data,
      pagination: { hasNextPage: endCursor !== null, endCursor },
    });
    const client = () =>
      createPleoClient({
        apiUrl: standInUrl,
        companyId: COMPANY,
        tokens: { get: async () => "stand-in-token" },
        logger: createLogger({ level: "silent" }),
        retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 1 },
      });
    /** Originals in two pages, out of order (two at the same instant); thumbnails as `thumbnails` says. */
    function listing(thumbnails: { status: number; body?: unknown }) {
      asked = [];
      answer = (req, res) => {
        const u = new URL(req.url!, standInUrl);
        const json = (status: number, body: unknown) =>
          res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body ?? {}));
        if (u.searchParams.get("file_type") === "THUMBNAIL") return json(thumbnails.status, thumbnails.body);
        if (u.searchParams.get("file_type") !== null) return json(400, {});
        if (u.searchParams.get("after") === "p2") {
          return json(200, page([receipt("r-a", "2026-03-01T10:00:00Z", "image/jpeg")], null));
        }
        return json(
          200,
          page(
            [
              receipt("r-c", "2026-03-02T08:00:00Z", "text/plain"),
              receipt("r-b", "2026-03-01T10:00:00Z", "APPLICATION/PDF"),
              receipt("r-0", "2026-02-28T23:59:59Z", "image/png"),
            ],
            "p2",
          ),
        );
      };
    }

    it("sorts by time then id, pages through, asks 100 at a time, and keeps image thumbnails only", async () => {
      listing({
        status: 200,
        body: page(
          [
            receipt("r-a", "2026-03-01T10:00:00Z", "image/png", "THUMBNAIL"),
            receipt("r-b", "2026-03-01T10:00:00Z", "IMAGE/JPEG", "THUMBNAIL"),
            receipt("r-c", "2026-03-02T08:00:00Z", "application/pdf", "THUMBNAIL"), // not an image: none
            receipt("r-z", "2026-03-02T08:00:00Z", "image/png", "THUMBNAIL"), // no such original
          ],
          null,
        ),
      });
      const list = await listEntryReceipts(COMPANY, ENTRY, client());
      expect(list.map((r) => r.id)).toEqual(["r-0", "r-a", "r-b", "r-c"]);
      const binding = { companyId: COMPANY, entryId: ENTRY };
      const opened = list.map((r) => ({
        ...r,
        file: openReceiptRef(r.file, binding),
        thumbnail: r.thumbnail && openReceiptRef(r.thumbnail, binding),
      }));
      const view = (id: string, createdAt: string, mimeType: string, kind: string) => ({
        id,
        createdAt: new Date(createdAt),
        mimeType,
        sizeInBytes: 1234,
        source: "EMAIL",
        kind,
        file: { receiptId: id, url: `${standInUrl}/files/${id}/original`, mimeType, ...binding },
      });
      expect(opened).toEqual([
        { ...view("r-0", "2026-02-28T23:59:59Z", "image/png", "image"), thumbnail: null },
        {
          ...view("r-a", "2026-03-01T10:00:00Z", "image/jpeg", "image"),
          thumbnail: { receiptId: "r-a", url: `${standInUrl}/files/r-a/thumbnail`, mimeType: "image/png", ...binding },
        },
        {
          ...view("r-b", "2026-03-01T10:00:00Z", "APPLICATION/PDF", "pdf"),
          thumbnail: { receiptId: "r-b", url: `${standInUrl}/files/r-b/thumbnail`, mimeType: "IMAGE/JPEG", ...binding },
        },
        { ...view("r-c", "2026-03-02T08:00:00Z", "text/plain", "other"), thumbnail: null },
      ]);
      expect(JSON.stringify(list)).not.toContain(standInUrl);
      const queries = asked
        .map((u) => Object.fromEntries(new URL(u, standInUrl).searchParams))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
      expect(queries).toEqual([
        { after: "p2", limit: "100" },
        { file_type: "THUMBNAIL", limit: "100" },
        { limit: "100" },
      ]);
      expect(asked.every((u) => u.startsWith(`/v1/accounting-entries/${ENTRY}/receipts?`))).toBe(true);
    });

    it("lists the originals without thumbnails when the thumbnail listing fails, and says so in the log", async () => {
      captureLogs();
      listing({ status: 403, body: { message: "no thumbnails for you" } });
      const list = await listEntryReceipts(COMPANY, ENTRY, client());
      expect(list.map((r) => [r.id, r.thumbnail])).toEqual([
        ["r-0", null],
        ["r-a", null],
        ["r-b", null],
        ["r-c", null],
      ]);
      const warned = logs.lines().filter((l) => l.msg === "receipt thumbnails not available");
      expect(warned).toHaveLength(1);
      expect(warned[0]).toMatchObject({ level: 40, module: "pleo", companyId: COMPANY });
      expect(warned[0].err).toMatchObject({ message: expect.stringContaining("403") });
    });

    it("fails when the originals cannot be listed", async () => {
      listing({ status: 200, body: page([], null) });
      const originals = answer;
      answer = (req, res) =>
        new URL(req.url!, standInUrl).searchParams.get("file_type") === "THUMBNAIL"
          ? originals(req, res)
          : res.writeHead(403, { "content-type": "application/json" }).end("{}");
      await expect(listEntryReceipts(COMPANY, ENTRY, client())).rejects.toThrow(/403/);
    });
  });

  describe("fetchReceiptFile", () => {
    it("streams the file with its listed type and length, without caching, and logs one line", async () => {
      captureLogs();
      const bytes = randomBytes(70_000);
      serve(200, bytes, { type: "text/html" });
      const inits: RequestInit[] = [];
      const t0 = performance.now();
      const file = await fetchReceiptFile(fileRef({ mimeType: "IMAGE/JPEG" }), (url, init) => {
        inits.push(init!);
        return fetch(url, init);
      });
      const elapsed = performance.now() - t0;
      expect(file).toMatchObject({ status: "ok", contentType: "IMAGE/JPEG", contentLength: 70_000 });
      expect((await read(file)).equals(bytes)).toBe(true);
      expect(asked.at(-1)).toBe("/files/r-1?signature=abc");
      expect(inits).toHaveLength(1);
      expect(inits[0].cache).toBe("no-store");
      expect(inits[0].signal).toBeInstanceOf(AbortSignal);
      expect(inits[0].signal!.aborted).toBe(false);
      const lines = receiptLines();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        level: 30,
        module: "pleo",
        companyId: COMPANY,
        status: 200,
        outcome: "ok",
        msg: "receipt file",
      });
      expect(lines[0].durationMs).toBeGreaterThanOrEqual(0);
      expect(lines[0].durationMs).toBeLessThanOrEqual(Math.ceil(elapsed));
    });

    it("serves a type the browser would not show inline as a download, and no length when none was declared", async () => {
      const bytes = Buffer.from("<script>alert(1)</script>");
      serve(200, bytes, { length: null });
      const file = await fetchReceiptFile(fileRef({ mimeType: "text/html" }));
      expect(file).toMatchObject({ status: "ok", contentType: "application/octet-stream", contentLength: null });
      expect((await read(file)).equals(bytes)).toBe(true);
      serve(200, Buffer.alloc(0));
      const empty = await fetchReceiptFile(fileRef({ mimeType: "application/pdf" }));
      expect(empty).toMatchObject({ status: "ok", contentType: "application/pdf", contentLength: null });
      expect(await read(empty)).toHaveLength(0);
    });

    it("serves a file of exactly the limit, and cuts one byte more off with an error", async () => {
      const limit = Buffer.alloc(MAX_RECEIPT_BYTES, 7);
      serve(200, limit);
      const exact = await fetchReceiptFile(fileRef());
      expect(exact).toMatchObject({ status: "ok", contentLength: MAX_RECEIPT_BYTES });
      expect((await read(exact)).length).toBe(MAX_RECEIPT_BYTES);

      serve(200, Buffer.alloc(MAX_RECEIPT_BYTES + 1, 7), { length: null });
      const over = await fetchReceiptFile(fileRef());
      expect(over).toMatchObject({ status: "ok", contentLength: null });
      await expect(read(over)).rejects.toThrow("receipt file larger than the portal serves");
    });

    it("refuses a file declared larger than the limit without reading it", async () => {
      serveEndless(200, MAX_RECEIPT_BYTES + 1);
      expect(await fetchReceiptFile(fileRef())).toEqual({ status: "unavailable" });
      await letGo(); // the connection was let go, not left to drain
    });

    it("tells expired (403, 410), missing (404) and unavailable (other answers, 2xx without a body) apart", async () => {
      captureLogs();
      for (const [status, want] of [
        [403, "expired"],
        [410, "expired"],
        [404, "missing"],
        [500, "unavailable"],
        [401, "unavailable"],
        [204, "unavailable"],
      ] as const) {
        serve(status, status === 204 ? Buffer.alloc(0) : Buffer.from("<Error>Request has expired</Error>"));
        expect(await fetchReceiptFile(fileRef())).toEqual({ status: want });
      }
      const refused = receiptLines();
      expect(refused.map((l) => [l.status, l.outcome, l.level, l.msg])).toEqual([
        [403, "expired", 40, "receipt file refused"],
        [410, "expired", 40, "receipt file refused"],
        [404, "missing", 40, "receipt file refused"],
        [500, "unavailable", 40, "receipt file refused"],
        [401, "unavailable", 40, "receipt file refused"],
        [204, "unavailable", 40, "receipt file refused"],
      ]);
      for (const l of refused) expect(l).toMatchObject({ module: "pleo", companyId: COMPANY });
    });

    it("lets go of a refused answer's body instead of leaving it unread", async () => {
      serveEndless(403);
      expect(await fetchReceiptFile(fileRef())).toEqual({ status: "expired" });
      await letGo();
    });

    it("answers unavailable when the file host cannot be reached, and logs why", async () => {
      captureLogs();
      const url = `http://127.0.0.1:${await freePort()}/files/r-1`;
      expect(await fetchReceiptFile(fileRef({ url }))).toEqual({ status: "unavailable" });
      const lines = receiptLines();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        level: 40,
        outcome: "network_error",
        companyId: COMPANY,
        msg: "receipt file could not be fetched",
      });
      expect(lines[0].err).toMatchObject({ message: "fetch failed" });
    });

    it("fetches https URLs, and plain http only when the configured Pleo API is http", async () => {
      captureLogs();
      // https is tried (nothing listens there: a network error, not a refusal).
      const https = `https://127.0.0.1:${await freePort()}/files/r-1`;
      expect(await fetchReceiptFile(fileRef({ url: https }))).toEqual({ status: "unavailable" });
      for (const url of ["ftp://127.0.0.1/files/r-1", "not a url", `file:///etc/passwd`]) {
        expect(await fetchReceiptFile(fileRef({ url }))).toEqual({ status: "unavailable" });
      }
      configurePortal(sb.url, { PLEO_API_URL: "https://external.pleo.io" });
      asked = [];
      serve(200, Buffer.from("file"));
      expect(await fetchReceiptFile(fileRef())).toEqual({ status: "unavailable" });
      expect(asked).toEqual([]);
      expect(receiptLines().map((l) => l.outcome)).toEqual([
        "network_error",
        "refused_url",
        "refused_url",
        "refused_url",
        "refused_url",
      ]);
      for (const l of receiptLines().slice(1)) {
        expect(l).toMatchObject({ level: 40, msg: "receipt URL is not an https URL; not fetched" });
      }
      configurePortal(sb.url);
      expect((await fetchReceiptFile(fileRef())).status).toBe("ok");
    });
  });
});
