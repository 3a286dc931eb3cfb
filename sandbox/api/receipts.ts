/**
 * Receipts of accounting entries (FOUND paths, scope accounting-entries:read): the list and one
 * receipt, each with a time-bound `url`; and the file host those URLs point at (`/files/receipts/…`,
 * no bearer token: the signature in the URL is the permission).
 */
import { Hono } from "hono";
import type { SandboxState } from "../store";
import { strictView } from "../strict";
import {
  FILE_TYPES,
  checkReceiptUrl,
  entryReceipts,
  receiptFile,
  renderReceipt,
  type FileType,
} from "../receipts/receipts";
import {
  badRequest,
  notFound,
  paginateList,
  requireCompany,
  requireScope,
  uuidSchema,
  type ApiContext,
  type ApiEnv,
} from "./common";

/** FOUND: ReceiptModel.source values accepted by the `source` filter. */
const SOURCES = [
  "APP_SHARE",
  "BOLT",
  "CAMERA",
  "CASHBACK",
  "EMAIL_FETCHING",
  "EMAIL_FETCHING_BATCHED",
  "EMAIL_FORWARDING",
  "GENERATED_RECEIPT",
  "LOST_RECEIPT",
  "ROGER",
  "STOREBOX",
  "STRIPE",
  "TRAVELPERK",
  "USER",
];

/** The entry behind `:id`, checked like GET /v1/accounting-entries/{id} (deleted entries: 404, GUESSED). */
function findEntry(state: SandboxState, c: ApiContext) {
  const denied = requireScope(c, "accounting-entries:read");
  if (denied) return denied;
  const id = c.req.param("id") ?? "";
  if (!uuidSchema.safeParse(id).success) return badRequest(c, "accountingEntryId must be a UUID");
  const found = state.findEntry(id);
  if (!found) return notFound(c, `Accounting entry ${id} not found`);
  const wrong = requireCompany(c, found.company.id);
  if (wrong) return wrong;
  const entry = found.company.data.entries[found.pos];
  if (entry.deletedAt !== null) return notFound(c, `Accounting entry ${id} not found`);
  return { company: found.company, entry };
}

/** `file_type` (default ORIGINAL, FOUND), or a 400. */
function fileTypeOf(c: ApiContext): FileType | Response {
  const raw = c.req.query("file_type") ?? "ORIGINAL";
  return (FILE_TYPES as readonly string[]).includes(raw)
    ? (raw as FileType)
    : badRequest(c, `file_type must be one of ${FILE_TYPES.join(", ")}`);
}

export function receiptRoutes(state: SandboxState) {
  const app = new Hono<ApiEnv>();

  app.get("/v1/accounting-entries/:id/receipts", (c) => {
    const found = findEntry(state, c);
    if (found instanceof Response) return found;
    const fileType = fileTypeOf(c);
    if (fileType instanceof Response) return fileType;
    const sources = c.req.queries("source");
    const unknown = sources?.find((s) => !SOURCES.includes(s));
    if (unknown) return badRequest(c, `Unknown source '${unknown}'`);
    const view = strictView(state);
    const receipts = entryReceipts(found.entry).filter((r) => !sources || sources.includes(r.source));
    // FOUND: limit 1–100, default 10. GUESSED: ordered by id (the sandbox's cursor key).
    return paginateList(
      c,
      receipts,
      (r) => renderReceipt(state, found.company, found.entry, r, fileType, view.absent(r.id, "ocrDocumentId", 0.5)),
      10,
    );
  });

  app.get("/v1/accounting-entries/:id/receipts/:receiptId", (c) => {
    const found = findEntry(state, c);
    if (found instanceof Response) return found;
    const fileType = fileTypeOf(c);
    if (fileType instanceof Response) return fileType;
    const receiptId = c.req.param("receiptId");
    if (!uuidSchema.safeParse(receiptId).success) return badRequest(c, "receiptId must be a UUID");
    const r = entryReceipts(found.entry).find((x) => x.id === receiptId);
    if (!r) return notFound(c, `Receipt ${receiptId} not found`);
    const view = strictView(state);
    return c.json({
      data: renderReceipt(state, found.company, found.entry, r, fileType, view.absent(r.id, "ocrDocumentId", 0.5)),
    });
  });

  return app;
}

/** The "storage service" behind receipt URLs: the signature and expiry in the URL are checked, nothing else. */
export function receiptFileRoutes(state: SandboxState) {
  const app = new Hono();
  const s3Error = (code: string, message: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;

  app.get("/files/receipts/:entryId/:receiptId/:fileType", (c) => {
    state.stats.receiptFileRequests++;
    const check = checkReceiptUrl(state, c.req.path, c.req.query("expires") ?? "", c.req.query("signature") ?? "");
    const xml = { "content-type": "application/xml" };
    if (check === "expired") return c.body(s3Error("AccessDenied", "Request has expired"), 403, xml);
    if (check !== "ok") return c.body(s3Error("SignatureDoesNotMatch", "The signature does not match"), 403, xml);
    const found = state.findEntry(c.req.param("entryId"));
    const fileType = c.req.param("fileType").toUpperCase() as FileType;
    const entry = found?.company.data.entries[found.pos];
    const r = entry && entryReceipts(entry).find((x) => x.id === c.req.param("receiptId"));
    if (!found || !entry || !r || !FILE_TYPES.includes(fileType)) {
      return c.body(s3Error("NoSuchKey", "The specified key does not exist."), 404, xml);
    }
    const { mimeType, bytes } = receiptFile(found.company, entry, r, fileType);
    return c.body(new Uint8Array(bytes), 200, {
      "content-type": mimeType,
      "content-length": String(bytes.length),
      "cache-control": "private, max-age=86400",
    });
  });

  return app;
}
