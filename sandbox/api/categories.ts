/**
 * Chart of accounts (accounts:read) and tag groups / tags (tag-groups:read): what the portal needs
 * to name categories and tags on entries.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { Account } from "../model";
import type { SandboxState } from "../store";
import {
  type ApiContext,
  type ApiEnv,
  badRequest,
  notFound,
  paginateList,
  requireCompany,
  requireCompanyParam,
  requireScope,
  uuidSchema,
} from "./common";
import { renderTag, renderTagGroup } from "./render";

// BookkeepingAccountSearchRequestV1/V4 (FOUND).
const AccountSearchSchema = z.object({
  companyId: z.uuid(),
  archived: z.boolean().nullish(),
  code: z.string().nullish(),
  externalId: z.string().nullish(),
  ids: z.array(z.uuid()).nullish(),
  name: z.string().nullish(),
});

function renderAccount(a: Account) {
  return {
    id: a.id,
    companyId: a.companyId,
    code: a.code,
    name: a.name,
    externalId: a.externalId,
    archived: a.archived,
    taxCodeExternalId: a.taxCodeExternalId,
    accountingSystem: "sandbox",
  };
}

function parseBool(c: Context, name: string): boolean | undefined | Response {
  const v = c.req.query(name);
  if (v === undefined) return undefined;
  if (v !== "true" && v !== "false") return badRequest(c, `${name} must be true or false`);
  return v === "true";
}

export function categoryRoutes(state: SandboxState) {
  const app = new Hono<ApiEnv>();

  const searchAccounts = async (c: ApiContext) => {
    const denied = requireScope(c, "accounts:read");
    if (denied) return denied;
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return badRequest(c, "Request body must be JSON with companyId");
    }
    const parsed = AccountSearchSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return badRequest(c, `Invalid request body: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
    }
    const f = parsed.data;
    const wrong = requireCompany(c, f.companyId);
    if (wrong) return wrong;
    const ids = f.ids ? new Set(f.ids) : null;
    const list = state
      .company(f.companyId)!
      .data.accounts.filter(
        (a) =>
          (f.archived == null || a.archived === f.archived) &&
          (f.code == null || a.code === f.code) &&
          (f.externalId == null || a.externalId === f.externalId) &&
          (ids === null || ids.has(a.id)) &&
          (f.name == null || a.name.toLowerCase().includes(f.name.toLowerCase())),
      );
    return paginateList(c, list, renderAccount);
  };

  const getAccount = (c: ApiContext) => {
    const denied = requireScope(c, "accounts:read");
    if (denied) return denied;
    const id = c.req.param("accountId") ?? "";
    if (!uuidSchema.safeParse(id).success) return badRequest(c, "accountId must be a UUID");
    for (const company of state.companies.values()) {
      const a = company.data.accounts.find((x) => x.id === id);
      if (a) return requireCompany(c, company.id) ?? c.json({ data: renderAccount(a) });
    }
    return notFound(c, `Account ${id} not found`);
  };

  app.post("/v1/chart-of-accounts:search", searchAccounts);
  app.post("/v1-beta/accounts:search", searchAccounts);
  app.get("/v1/chart-of-accounts/:accountId", getAccount);
  app.get("/v1-beta/accounts/:accountId", getAccount);

  app.get("/v0/tag-groups", (c) => {
    const companyId = requireCompanyParam(c, "tag-groups:read", "company_id or organization_id is required");
    if (companyId instanceof Response) return companyId;
    const includeArchived = parseBool(c, "include_archived");
    if (includeArchived instanceof Response) return includeArchived;
    const includeCount = parseBool(c, "include_tags_count");
    if (includeCount instanceof Response) return includeCount;
    const data = state.company(companyId)!.data;
    const groups = data.tagGroups.filter((g) => includeArchived || !g.archived);
    // DataResponseListTagGroupModel (FOUND): a plain list, no pagination.
    return c.json({
      data: groups.map((g) =>
        renderTagGroup(g, includeCount ? data.tags.filter((t) => t.groupId === g.id).length : undefined),
      ),
    });
  });

  const findGroup = (id: string) => {
    for (const company of state.companies.values()) {
      const g = company.data.tagGroups.find((x) => x.id === id);
      if (g) return { company, group: g };
    }
    return undefined;
  };

  app.get("/v0/tag-groups/:groupId", (c) => {
    const denied = requireScope(c, "tag-groups:read");
    if (denied) return denied;
    const id = c.req.param("groupId");
    if (!uuidSchema.safeParse(id).success) return badRequest(c, "groupId must be a UUID");
    const found = findGroup(id);
    if (!found) return notFound(c, `Tag group ${id} not found`);
    return requireCompany(c, found.company.id) ?? c.json({ data: renderTagGroup(found.group) });
  });

  app.get("/v0/tag-groups/:groupId/tags", (c) => {
    const denied = requireScope(c, "tag-groups:read");
    if (denied) return denied;
    const id = c.req.param("groupId");
    if (!uuidSchema.safeParse(id).success) return badRequest(c, "groupId must be a UUID");
    const includeArchived = parseBool(c, "include_archived");
    if (includeArchived instanceof Response) return includeArchived;
    const found = findGroup(id);
    if (!found) return notFound(c, `Tag group ${id} not found`);
    const wrong = requireCompany(c, found.company.id);
    if (wrong) return wrong;
    const tags = found.company.data.tags.filter((t) => t.groupId === id && (includeArchived || !t.archived));
    return paginateList(c, tags, renderTag);
  });

  app.get("/v0/tags/:tagId", (c) => {
    const denied = requireScope(c, "tag-groups:read");
    if (denied) return denied;
    const id = c.req.param("tagId");
    if (!uuidSchema.safeParse(id).success) return badRequest(c, "tagId must be a UUID");
    for (const company of state.companies.values()) {
      const t = company.data.tags.find((x) => x.id === id);
      if (t) return requireCompany(c, company.id) ?? c.json({ data: renderTag(t) });
    }
    return notFound(c, `Tag ${id} not found`);
  });

  return app;
}
