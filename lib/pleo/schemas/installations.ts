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
    createdAt: opt(dateTime),
    updatedAt: opt(dateTime),
  })
  .transform((i): Installation => i);

export const installationSchema = z.preprocess(
  (v) => (v !== null && typeof v === "object" && "data" in v ? (v as { data: unknown }).data : v),
  installationFields,
);
