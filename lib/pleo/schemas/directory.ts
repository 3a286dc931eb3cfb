import { z } from "zod";
import type { Employee, LedgerAccount, Tag, TagGroup, TaxCode, Team } from "@/lib/pleo/types";
import { flag, opt } from "./common";

/** ExternalEmployeeResponseModel (FOUND): id, companyId, email, firstName, lastName required. */
export const employeeSchema = z
  .object({
    id: z.string().min(1),
    companyId: z.string().min(1),
    email: z.string(),
    firstName: z.string(),
    lastName: z.string(),
    code: opt(z.string()),
    jobTitle: opt(z.string()),
  })
  .transform((e): Employee => e);

/** Teams: no documented Pleo API; the sandbox's GET /v1/teams shape (GUESSED). */
export const teamSchema = z
  .object({ id: z.string().min(1), companyId: z.string().min(1), name: z.string(), code: opt(z.string()) })
  .transform((t): Team => t);

/** Chart-of-accounts account (FOUND fields: id, companyId, code, name, externalId, archived). */
export const ledgerAccountSchema = z
  .object({
    id: z.string().min(1),
    companyId: z.string().min(1),
    code: opt(z.string()),
    name: z.string(),
    externalId: opt(z.string()),
    archived: flag,
  })
  .transform((a): LedgerAccount => a);

/** TagGroupModel (FOUND). */
export const tagGroupSchema = z
  .object({
    id: z.string().min(1),
    companyId: z.string().min(1),
    name: z.string(),
    code: opt(z.string()),
    archived: flag,
  })
  .transform((g): TagGroup => g);

/** TagModel (FOUND): the group is `groupId` in Pleo's JSON. */
export const tagSchema = z
  .object({
    id: z.string().min(1),
    groupId: z.string().min(1),
    name: z.string(),
    code: opt(z.string()),
    archived: flag,
  })
  .transform((t): Tag => ({ id: t.id, tagGroupId: t.groupId, name: t.name, code: t.code, archived: t.archived }));

/** TaxCodeModel (FOUND): id, companyId, name, rate, type, archived, createdAt, updatedAt required; code optional. */
export const taxCodeSchema = z
  .object({
    id: z.string().min(1),
    companyId: z.string().min(1),
    name: z.string(),
    code: opt(z.string()),
    // A JSON number (0.25); a string form is accepted so nothing is lost in a float round trip.
    rate: z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/)]).transform((r) => String(r)),
    type: z.string(),
    archived: flag,
  })
  .transform((t): TaxCode => t);
