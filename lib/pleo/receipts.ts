import "server-only";

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { env } from "@/lib/env";
import { logger } from "@/lib/log";
import { pleoClient, type PleoClient } from "@/lib/pleo/client";
import { collectAll } from "@/lib/pleo/paginate";
import type { Receipt } from "@/lib/pleo/types";

/**
 * Receipts of an accounting entry, read from Pleo when an entry's detail is opened and never stored.
 * Pleo hands out each file as a presigned URL that expires after 24 hours; the browser must see
 * neither that URL nor a token. So a listed receipt leaves this module as a sealed reference
 * (AES-256-GCM under a key derived from AUTH_SECRET, bound to the company and the entry), and the
 * portal's receipt route opens it after checking the session may see the company, fetches the file
 * from the URL inside and streams it through. A reference whose URL has expired at Pleo's storage
 * yields "expired": the page is reopened for fresh ones.
 */

/** How the browser can show a file: inline image, PDF, or only as a download. */
export type ReceiptKind = "image" | "pdf" | "other";

export type ReceiptView = {
  id: string;
  createdAt: Date;
  mimeType: string;
  sizeInBytes: number;
  source: string;
  kind: ReceiptKind;
  /** Sealed reference to the original file. */
  file: string;
  /** Sealed reference to Pleo's thumbnail rendition (images and PDFs), when Pleo listed one. */
  thumbnail: string | null;
};

/** Browsers show these inline; the receipt route serves nothing else under its own type. */
const INLINE_TYPES: Record<string, ReceiptKind> = {
  "image/png": "image",
  "image/jpeg": "image",
  "image/gif": "image",
  "application/pdf": "pdf",
};

// Own keys only: a listed type such as "constructor" or "__proto__" must not find Object.prototype's members.
export const receiptKind = (mimeType: string): ReceiptKind => {
  const type = mimeType.toLowerCase();
  return Object.hasOwn(INLINE_TYPES, type) ? INLINE_TYPES[type] : "other";
};

// ---- sealed references ---------------------------------------------------------------------------

type RefClaims = { receiptId: string; url: string; mimeType: string };
export type ReceiptRef = RefClaims & { companyId: string; entryId: string };
type Binding = { companyId: string; entryId: string };

let keyCache: { secret: string; key: Buffer } | undefined;
function refKey(): Buffer {
  const secret = env().AUTH_SECRET;
  if (keyCache?.secret !== secret) {
    // Its own key, derived: a leaked reference key says nothing about session signing, and vice versa.
    keyCache = { secret, key: Buffer.from(hkdfSync("sha256", secret, "", "pleo-receipt-ref/v1", 32)) };
  }
  return keyCache.key;
}

const aad = (b: Binding) => Buffer.from(`${b.companyId.toLowerCase()}/${b.entryId.toLowerCase()}`);

export function sealReceiptRef(claims: RefClaims, binding: Binding): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", refKey(), iv);
  cipher.setAAD(aad(binding));
  const body = Buffer.concat([cipher.update(JSON.stringify(claims), "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

/** The reference's claims, or null when it was not sealed by this portal for this company and entry. */
export function openReceiptRef(ref: string, binding: Binding): ReceiptRef | null {
  try {
    // A reference shorter than iv + tag + one byte has an empty body: not JSON, so the catch refuses it.
    const raw = Buffer.from(ref, "base64url");
    const decipher = createDecipheriv("aes-256-gcm", refKey(), raw.subarray(0, 12));
    decipher.setAAD(aad(binding));
    decipher.setAuthTag(raw.subarray(12, 28));
    const json = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
    const claims = JSON.parse(json) as RefClaims;
    if (typeof claims.url !== "string" || typeof claims.receiptId !== "string") return null;
    return { ...claims, ...binding };
  } catch {
    return null;
  }
}

// ---- listing -------------------------------------------------------------------------------------

const LIST = { limit: 100 };

/**
 * The entry's receipts as the detail page shows them. Throws lib/pleo's typed errors (Pleo unavailable,
 * needs reconnect, …) for the page to explain; a thumbnail listing that fails only costs thumbnails.
 */
export async function listEntryReceipts(
  companyId: string,
  entryId: string,
  client: Pick<PleoClient, "listReceipts"> = pleoClient(companyId),
): Promise<ReceiptView[]> {
  const binding = { companyId, entryId };
  const [originals, thumbnails] = await Promise.all([
    collectAll((after) => client.listReceipts(entryId, { ...LIST, after })),
    collectAll((after) => client.listReceipts(entryId, { ...LIST, after, fileType: "THUMBNAIL" })).catch(
      (err: unknown) => {
        logger().warn({ module: "pleo", companyId, err }, "receipt thumbnails not available");
        return [] as Receipt[];
      },
    ),
  ]);
  const thumbOf = new Map(thumbnails.filter((t) => receiptKind(t.mimeType) === "image").map((t) => [t.id, t]));
  return originals
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id))
    .map((r) => {
      const thumb = thumbOf.get(r.id);
      return {
        id: r.id,
        createdAt: r.createdAt,
        mimeType: r.mimeType,
        sizeInBytes: r.sizeInBytes,
        source: r.source,
        kind: receiptKind(r.mimeType),
        file: sealReceiptRef({ receiptId: r.id, url: r.url, mimeType: r.mimeType }, binding),
        thumbnail: thumb
          ? sealReceiptRef({ receiptId: r.id, url: thumb.url, mimeType: thumb.mimeType }, binding)
          : null,
      };
    });
}

// ---- the file ------------------------------------------------------------------------------------

export type ReceiptFile =
  | { status: "ok"; body: ReadableStream<Uint8Array>; contentType: string; contentLength: number | null }
  /** Pleo's storage refused the presigned URL: it expired (or was revoked). A fresh listing gives a new one. */
  | { status: "expired" }
  | { status: "missing" }
  | { status: "unavailable" };

/** Why a receipt file could not be served (the detail page explains each). */
export type ReceiptProblem = Exclude<ReceiptFile["status"], "ok">;

/** Larger files are cut off with an error rather than streamed on (Pleo's receipts are photos and PDFs). */
export const MAX_RECEIPT_BYTES = 25 * 1024 * 1024;
const FILE_TIMEOUT_MS = 15_000;

/** Presigned URLs are https; plain http only when the configured Pleo API is (the local sandbox). */
function allowedUrl(raw: string): boolean {
  try {
    const u = new URL(raw);
    return u.protocol === "https:" || (u.protocol === "http:" && env().PLEO_API_URL.startsWith("http:"));
  } catch {
    return false;
  }
}

function capped(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  let seen = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > MAX_RECEIPT_BYTES) controller.error(new Error("receipt file larger than the portal serves"));
        else controller.enqueue(chunk);
      },
    }),
  );
}

/** Fetch the file a reference points at (no Authorization header: the URL carries its own permission). */
export async function fetchReceiptFile(ref: ReceiptRef, fetchImpl: typeof fetch = fetch): Promise<ReceiptFile> {
  const log = logger().child({ module: "pleo", event: "pleo.receipt", companyId: ref.companyId });
  if (!allowedUrl(ref.url)) {
    log.warn({ outcome: "refused_url" }, "receipt URL is not an https URL; not fetched");
    return { status: "unavailable" };
  }
  const started = performance.now();
  let res: Response;
  try {
    res = await fetchImpl(ref.url, { signal: AbortSignal.timeout(FILE_TIMEOUT_MS), cache: "no-store" });
  } catch (err) {
    log.warn({ outcome: "network_error", err }, "receipt file could not be fetched");
    return { status: "unavailable" };
  }
  const fields = { status: res.status, durationMs: Math.round(performance.now() - started) };
  if (res.ok && res.body) {
    log.info({ ...fields, outcome: "ok" }, "receipt file");
    const declared = Number(res.headers.get("content-length"));
    if (Number.isFinite(declared) && declared > MAX_RECEIPT_BYTES) {
      await res.body.cancel();
      return { status: "unavailable" };
    }
    // Served as the type Pleo listed when the browser can show it inline, otherwise as a plain download.
    const contentType = receiptKind(ref.mimeType) === "other" ? "application/octet-stream" : ref.mimeType;
    return {
      status: "ok",
      body: capped(res.body),
      contentType,
      contentLength: Number.isFinite(declared) && declared > 0 ? declared : null,
    };
  }
  await res.body?.cancel();
  // Object storage answers an expired presigned URL with 403 (S3: "Request has expired"); 410 Gone too.
  const status = res.status === 403 || res.status === 410 ? "expired" : res.status === 404 ? "missing" : "unavailable";
  log.warn({ ...fields, outcome: status }, "receipt file refused");
  return { status };
}
