import { z } from "zod";
import { UUID_SOURCE } from "@/lib/ids";

/**
 * Pleo's "who is behind this token" responses (External API), validated before anything reads them.
 * Unknown extra fields are allowed (Pleo adds fields over time); missing required ones are errors.
 */

/** GET /v1/introspect → `{ data: { authMethod, clientId, scope, applicationName?, subjectURN? } }` (FOUND). */
export const introspectResponseSchema = z.object({
  data: z.object({
    authMethod: z.string(),
    clientId: z.string(),
    scope: z.string().nullish(),
    applicationName: z.string().nullish(),
    subjectURN: z.string().nullish(),
  }),
});
export type IntrospectResponse = z.infer<typeof introspectResponseSchema>;

const addressSchema = z
  .object({
    addressLine1: z.string().nullish(),
    addressLine2: z.string().nullish(),
    locality: z.string().nullish(),
    region: z.string().nullish(),
    postalCode: z.string().nullish(),
    country: z.string().nullish(),
  })
  .nullish();

/** GET /v1/companies/{companyId} → `{ data: ExternalCompanyResponseModel }` (FOUND: id, name, address required). */
export const companyResponseSchema = z.object({
  data: z.object({
    id: z.string().uuid(),
    name: z.string().min(1),
    address: addressSchema,
    organizationId: z.string().nullish(),
    registrationNumber: z.string().nullish(),
  }),
});
export type CompanyResponse = z.infer<typeof companyResponseSchema>;

/** `urn:pleo:company:<uuid>` (FOUND example in Pleo's introspect docs). */
export const companyUrnPattern = new RegExp(`^urn:pleo:company:(${UUID_SOURCE})$`, "i");
