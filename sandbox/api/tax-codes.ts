/**
 * Tax codes (FOUND: `POST /v0/tax-codes:search?company_id=` with an optional TaxCodeSearchRequest body,
 * `GET /v0/tax-codes/{taxCodeId}`; TaxCodeModel). Scope `tax-codes:read` is third-party only (GUESSED).
 */
import { Hono } from "hono";
import { z } from "zod";
import type { TaxCode } from "../model";
import type { CompanyState, SandboxState } from "../store";
import { strictView } from "../strict";
import { iso } from "./render";
import {
  type ApiEnv,
  badRequest,
  notFound,
  paginateList,
  parseJsonBody,
  requireCompany,
  requireCompanyParam,
  requireScope,
  uuidSchema,
} from "./common";

const TaxCodeSearchSchema = z.object({
  archived: z.boolean().nullish(),
  code: z.string().nullish(),
  taxCodeIds: z.array(z.uuid()).nullish(),
  type: z.enum(["inclusive", "exclusive", "reverse"]).nullish(),
});

function renderTaxCode(company: CompanyState, t: TaxCode, strict: boolean): Record<string, unknown> {
  const setup = company.data.tagGroups[0]?.createdAt ?? 0;
  return {
    id: t.id,
    companyId: company.id,
    name: t.name,
    rate: t.rate,
    type: t.type,
    archived: false,
    createdAt: iso(setup),
    updatedAt: iso(setup),
    code: t.code,
    // Optional in TaxCodeModel; strict mode leaves the accounting-system details out.
    ...(strict
      ? {}
      : { accountingIntegrationSystem: "sandbox", ingoingTaxAccount: "6310", outgoingTaxAccount: "6320" }),
  };
}

export function taxCodeRoutes(state: SandboxState) {
  const app = new Hono<ApiEnv>();

  app.post("/v0/tax-codes:search", async (c) => {
    const companyId = requireCompanyParam(c, "tax-codes:read");
    if (companyId instanceof Response) return companyId;
    const parsed = parseJsonBody(await c.req.text(), TaxCodeSearchSchema);
    if (!parsed.ok) return badRequest(c, `Invalid request body: ${parsed.message}`);
    const f = parsed.data;
    const company = state.company(companyId)!;
    const ids = f.taxCodeIds ? new Set(f.taxCodeIds) : null;
    const list = company.data.taxCodes.filter(
      (t) =>
        f.archived !== true && // none of the sandbox's tax codes is archived
        (f.code == null || t.code === f.code) &&
        (f.type == null || t.type === f.type) &&
        (ids === null || ids.has(t.id)),
    );
    const strict = strictView(state).strict;
    return paginateList(c, list, (t) => renderTaxCode(company, t, strict));
  });

  app.get("/v0/tax-codes/:taxCodeId", (c) => {
    const denied = requireScope(c, "tax-codes:read");
    if (denied) return denied;
    const id = c.req.param("taxCodeId");
    if (!uuidSchema.safeParse(id).success) return badRequest(c, "taxCodeId must be a UUID");
    for (const company of state.companies.values()) {
      const t = company.data.taxCodes.find((x) => x.id === id);
      if (t)
        return requireCompany(c, company.id) ?? c.json({ data: renderTaxCode(company, t, strictView(state).strict) });
    }
    return notFound(c, `Tax code ${id} not found`);
  });

  return app;
}
