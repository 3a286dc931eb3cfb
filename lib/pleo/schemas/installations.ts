import { z } from "zod";
import type { Installation } from "@/lib/pleo/types";
import { dateTime, opt } from "./common";

/** InstallationResponse (FOUND): not wrapped in `data` in Pleo's spec; a `data` envelope is accepted too. */
const installationFields = z
  .object({
    id: z.string().min(1),
    applicationId: opt(z.string()),
    resource: opt(z.string()),
    status: z.string().min(1),
    errorCode: opt(z.string()),
    // Free-form, "not used by any Pleo system" (FOUND): the portal's own summary; string values only.
    metadata: opt(z.record(z.string(), z.unknown())).transform((m) =>
      m
        ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]))
        : null,
    ),
    createdAt: opt(dateTime),
    updatedAt: opt(dateTime),
  })
  .transform((i): Installation => i);

export const installationSchema = z.preprocess(
  (v) => (v !== null && typeof v === "object" && "data" in v ? (v as { data: unknown }).data : v),
  installationFields,
);
