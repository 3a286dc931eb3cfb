/**
 * Receipts of accounting entries (FOUND: `GET /v1/accounting-entries/{id}/receipts`, ReceiptModel) and
 * the files behind their URLs. Pleo's receipt `url` is "a URL with an expiry period of 24 hours"; the
 * sandbox signs `expires` into each URL with a secret of its own and checks it against the sandbox
 * clock, so moving the clock (`POST /__sandbox/clock`) expires links handed out before. The file host is
 * this same origin under `/files/receipts/…` (Pleo's is a storage service; GUESSED: it needs no bearer
 * token, like any presigned URL, and answers an expired link with 403, as S3 does).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { iso } from "../api/render";
import type { EntryRec } from "../model";
import { mulberry32, uuid } from "../rng";
import type { CompanyState, SandboxState } from "../store";
import { CURRENCY_EXPONENT } from "../seed/fixtures";
import { receiptPdf, receiptPng } from "./files";

/** FOUND: ReceiptModel.fileType. */
export const FILE_TYPES = ["EMBED", "ORIGINAL", "THUMBNAIL", "PREVIEW"] as const;
export type FileType = (typeof FILE_TYPES)[number];

/** FOUND: ReceiptModel.source (the values the sandbox uses). */
type Source = "CAMERA" | "APP_SHARE" | "EMAIL_FORWARDING" | "EMAIL_FETCHING";

/** Pleo: "A URL with an expiry period of 24 hours". */
export const RECEIPT_URL_TTL_SECONDS = 24 * 3600;

export type ReceiptRec = {
  id: string;
  entryId: string;
  createdAt: number;
  /** The original file: a photographed slip (PNG) or an e-mailed / invoice PDF. */
  original: "image/png" | "application/pdf";
  source: Source;
  ocrDocumentId: string | null;
};

/** The receipts of an entry; their ids are the entry's `receiptIds`, in the same order. */
export function entryReceipts(e: EntryRec): ReceiptRec[] {
  const ids = mulberry32(e.receiptSeed); // the stream renderEntry draws receiptIds from
  const traits = mulberry32(e.receiptSeed ^ 0x5bd1e995);
  const out: ReceiptRec[] = [];
  for (let k = 0; k < e.receiptCount; k++) {
    const id = uuid(ids);
    const invoice = e.family === "BILL_INVOICE" || e.family === "CREDIT_NOTE";
    const pdf = invoice || traits() < 0.25;
    out.push({
      id,
      entryId: e.id,
      createdAt: e.createdAt + (k + 1) * 60_000,
      original: pdf ? "application/pdf" : "image/png",
      source: invoice ? "EMAIL_FETCHING" : pdf ? "EMAIL_FORWARDING" : traits() < 0.8 ? "CAMERA" : "APP_SHARE",
      ocrDocumentId: pdf ? null : uuid(traits),
    });
  }
  return out;
}

/** What a file type of a receipt is: the original itself, or a PNG rendition of it (GUESSED sizes). */
function rendition(r: ReceiptRec, fileType: FileType): { mimeType: string; size?: [number, number] } {
  switch (fileType) {
    case "THUMBNAIL":
      return { mimeType: "image/png", size: [96, 128] };
    case "PREVIEW":
      return { mimeType: "image/png", size: [240, 320] };
    default:
      return { mimeType: r.original, size: r.original === "image/png" ? [480, 640] : undefined };
  }
}

const fileCache = new Map<string, Buffer>();

function formatAmount(minors: number, currency: keyof typeof CURRENCY_EXPONENT): string {
  const exp = CURRENCY_EXPONENT[currency];
  return `${(minors / 10 ** exp).toFixed(exp)} ${currency}`;
}

/** The bytes of one file type of a receipt, generated once and kept (a few hundred at most). */
export function receiptFile(company: CompanyState, e: EntryRec, r: ReceiptRec, fileType: FileType) {
  const { mimeType, size } = rendition(r, fileType);
  const key = `${r.id}:${fileType}`;
  let bytes = fileCache.get(key);
  if (!bytes) {
    const seed = Number.parseInt(r.id.slice(0, 8), 16);
    bytes =
      mimeType === "application/pdf"
        ? receiptPdf([
            company.data.fixture.name,
            `Date: ${iso(e.performedAt).slice(0, 10)}`,
            `Amount: ${formatAmount(e.txMinors, e.txCurrency)}`,
            `Receipt ${r.id}`,
          ])
        : receiptPng(seed, size![0], size![1]);
    if (fileCache.size > 500) fileCache.clear();
    fileCache.set(key, bytes);
  }
  return { mimeType, bytes };
}

function signature(state: SandboxState, path: string, expires: number): string {
  return createHmac("sha256", state.receiptUrlSecret).update(`${path}\n${expires}`).digest("base64url");
}

const filePath = (entryId: string, receiptId: string, fileType: FileType) =>
  `/files/receipts/${entryId}/${receiptId}/${fileType.toLowerCase()}`;

/** A presigned URL for one file type of a receipt, valid 24 h from now on the sandbox clock. */
export function receiptUrl(state: SandboxState, r: ReceiptRec, fileType: FileType): string {
  const path = filePath(r.entryId, r.id, fileType);
  const expires = state.clock.nowSeconds() + RECEIPT_URL_TTL_SECONDS;
  return `${state.issuer}${path}?expires=${expires}&signature=${signature(state, path, expires)}`;
}

export type UrlCheck = "ok" | "expired" | "bad_signature";

/** Is this file link genuine and still valid on the sandbox clock? */
export function checkReceiptUrl(state: SandboxState, path: string, expiresRaw: string, sig: string): UrlCheck {
  const expires = /^\d+$/.test(expiresRaw) ? Number(expiresRaw) : NaN;
  if (!Number.isFinite(expires)) return "bad_signature";
  const want = Buffer.from(signature(state, path, expires));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return "bad_signature";
  return state.clock.nowSeconds() >= expires ? "expired" : "ok";
}

/** ReceiptModel (FOUND: all required except ocrDocumentId). */
export function renderReceipt(
  state: SandboxState,
  company: CompanyState,
  e: EntryRec,
  r: ReceiptRec,
  fileType: FileType,
  omitOcr: boolean,
): Record<string, unknown> {
  const { mimeType, bytes } = receiptFile(company, e, r, fileType);
  return {
    id: r.id,
    accountingEntryId: r.entryId,
    createdAt: iso(r.createdAt),
    fileType,
    mimeType,
    sizeInBytes: bytes.length,
    source: r.source,
    url: receiptUrl(state, r, fileType),
    ...(r.ocrDocumentId && !omitOcr ? { ocrDocumentId: r.ocrDocumentId } : {}),
  };
}
