import { z } from "zod";
import type { Receipt } from "@/lib/pleo/types";
import { dateTime } from "./common";

/** ReceiptModel (FOUND): every field required except ocrDocumentId, which the portal does not read. */
export const receiptSchema = z
  .object({
    id: z.string().min(1),
    accountingEntryId: z.string().min(1),
    createdAt: dateTime,
    fileType: z.string(),
    mimeType: z.string(),
    sizeInBytes: z.number().int().nonnegative(),
    source: z.string(),
    url: z.string().url(),
  })
  .transform((r): Receipt => ({
    id: r.id,
    entryId: r.accountingEntryId,
    createdAt: r.createdAt,
    fileType: r.fileType,
    mimeType: r.mimeType,
    sizeInBytes: r.sizeInBytes,
    source: r.source,
    url: r.url,
  }));
