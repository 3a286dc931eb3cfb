import { z } from "zod";
import { UUID_SOURCE } from "@/lib/ids";
import { timeZoneForCountry } from "@/lib/pleo/country";
import type { Company, TokenIdentity } from "@/lib/pleo/types";
import { parseScopes } from "./common";

/**
 * Pleo's "who is behind this token" responses (External API), validated before anything reads them
 * and reshaped into TokenIdentity / Company. Unknown extra fields are allowed (Pleo adds fields over
 * time); missing required ones are errors.
 */

/** `urn:pleo:company:<uuid>` (FOUND example in Pleo's introspect docs). */
export const companyUrnPattern = new RegExp(`^urn:pleo:company:(${UUID_SOURCE})$`, "i");

/** GET /v1/introspect → `{ data: { authMethod, clientId, scope, applicationName?, subjectURN? } }` (FOUND). */
export const tokenIdentitySchema = z
  .object({
    data: z.object({
      authMethod: z.string(),
      clientId: z.string(),
      scope: z.string().nullish(),
      applicationName: z.string().nullish(),
      subjectURN: z.string().nullish(),
    }),
  })
  .transform(({ data }): TokenIdentity => {
    const subjectUrn = data.subjectURN ?? null;
    const match = subjectUrn ? companyUrnPattern.exec(subjectUrn) : null;
    return {
      companyId: match ? match[1].toLowerCase() : null,
      subjectUrn,
      scopes: parseScopes(data.scope),
      clientId: data.clientId,
      applicationName: data.applicationName ?? null,
    };
  });

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
export const companySchema = z
  .object({
    data: z.object({
      id: z.string().uuid(),
      name: z.string().min(1),
      address: addressSchema,
      organizationId: z.string().nullish(),
      registrationNumber: z.string().nullish(),
    }),
  })
  .transform(({ data }): Company => {
    const a = data.address;
    return {
      id: data.id.toLowerCase(),
      name: data.name,
      organizationId: data.organizationId ?? null,
      registrationNumber: data.registrationNumber ?? null,
      address: a
        ? {
            addressLine1: a.addressLine1 ?? null,
            addressLine2: a.addressLine2 ?? null,
            locality: a.locality ?? null,
            region: a.region ?? null,
            postalCode: a.postalCode ?? null,
            country: a.country ?? null,
          }
        : null,
      timeZone: timeZoneForCountry(a?.country),
    };
  });
