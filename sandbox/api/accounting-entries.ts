/** Accounting Entries API (FOUND paths): search with cursor paging, get by id. */
import { Hono } from "hono";
import type { SandboxState } from "../store";
import { PAGE_ORDERS, SORT_KEYS, type PageOrder, type SortKey } from "../search/entry-index";
import { CursorError, SearchBodySchema, dateRangeOf, searchEntries } from "../search/entry-search";
import {
  badRequest,
  forbidden,
  notFound,
  parseJsonBody,
  parseLimit,
  requestParameters,
  requireCompany,
  requireScope,
  uuidSchema,
  type ApiEnv,
} from "./common";
import { renderEntry } from "./render";
import { strictView } from "../strict";

// GUESSED: Pleo does not document the default order; newest first suits dashboards.
const DEFAULT_SORT: SortKey = "performedAt";
const DEFAULT_ORDER: PageOrder = "DESC";

export function accountingEntriesRoutes(state: SandboxState) {
  const app = new Hono<ApiEnv>();

  app.post("/v1/accounting-entries:search", async (c) => {
    const denied = requireScope(c, "accounting-entries:read");
    if (denied) return denied;
    const q = c.req.query();
    const companyId = q.company_id;
    if (companyId === undefined && q.organization_id === undefined) {
      return badRequest(c, "company_id or organization_id is required");
    }
    if (companyId !== undefined && !uuidSchema.safeParse(companyId).success) {
      return badRequest(c, "company_id must be a UUID");
    }
    const token = c.get("token");
    let targetCompany = companyId;
    if (targetCompany === undefined) {
      // Organisation-wide search: the sandbox's tokens are company-bound, so only the token's own
      // organisation is allowed and it resolves to the token's company.
      if (!uuidSchema.safeParse(q.organization_id).success) return badRequest(c, "organization_id must be a UUID");
      const own = state.company(token.companyId);
      if (!own || own.data.fixture.organizationId !== q.organization_id) {
        return forbidden(c, `Access denied to organization ${q.organization_id}`);
      }
      targetCompany = token.companyId;
    }
    const wrong = requireCompany(c, targetCompany);
    if (wrong) return wrong;

    const limit = parseLimit(q.limit);
    if (typeof limit === "string") return badRequest(c, limit);
    if (q.before !== undefined && q.after !== undefined)
      return badRequest(c, "before and after cannot be used together");
    if (q.offset !== undefined)
      return badRequest(c, "offset is not supported by this endpoint; use before/after cursors");

    const keys = c.req.queries("sorting_keys") ?? [DEFAULT_SORT];
    const orders =
      c.req.queries("sorting_order") ?? (c.req.queries("sorting_keys") ? keys.map(() => "ASC") : [DEFAULT_ORDER]);
    for (const k of keys)
      if (!(SORT_KEYS as readonly string[]).includes(k)) return badRequest(c, `Unknown sorting key '${k}'`);
    for (const o of orders)
      if (!(PAGE_ORDERS as readonly string[]).includes(o)) return badRequest(c, `Unknown sorting order '${o}'`);
    if (orders.length !== keys.length) return badRequest(c, "sorting_order must have the same length as sorting_keys");
    // Entries are always tie-broken by id, so a trailing "id" key adds nothing; other combinations
    // would need more precomputed orders than the sandbox keeps.
    const effective = keys.length === 2 && keys[1] === "id" && keys[0] !== "id" ? 1 : keys.length;
    if (effective > 1) return badRequest(c, "The sandbox supports one sorting key (optionally followed by id)");

    const parsed = parseJsonBody(await c.req.text(), SearchBodySchema);
    if (!parsed.ok) {
      return badRequest(
        c,
        parsed.reason === "json" ? "Request body is not valid JSON" : `Invalid request body: ${parsed.message}`,
      );
    }
    const range = dateRangeOf(parsed.data);
    if (range === "conflict") return badRequest(c, "Only one date filter pair may be used at a time");

    const company = state.company(targetCompany);
    if (!company) return notFound(c, `Company ${targetCompany} not found`);
    try {
      const view = strictView(state);
      const result = searchEntries(company, {
        body: parsed.data,
        range,
        sortKey: keys[0] as SortKey,
        order: orders[0] as PageOrder,
        limit,
        after: q.after,
        before: q.before,
      });
      return c.json({
        data: result.entries.map((e) => renderEntry(company, e, view)),
        pagination: {
          currentRequestPagination: {
            parameters: requestParameters(c),
            ...(q.after !== undefined ? { after: q.after } : {}),
            ...(q.before !== undefined ? { before: q.before } : {}),
            limit,
            sortingKeys: keys,
            sortingOrder: orders,
          },
          hasNextPage: result.hasNextPage,
          hasPreviousPage: result.hasPreviousPage,
          ...(result.startCursor ? { startCursor: result.startCursor, endCursor: result.endCursor } : {}),
          total: result.total,
        },
      });
    } catch (err) {
      if (err instanceof CursorError) return badRequest(c, err.message);
      throw err;
    }
  });

  app.get("/v1/accounting-entries/:id", (c) => {
    const denied = requireScope(c, "accounting-entries:read");
    if (denied) return denied;
    const id = c.req.param("id");
    if (!uuidSchema.safeParse(id).success) return badRequest(c, "accountingEntryId must be a UUID");
    const includeDeleted = c.req.query("include_deleted");
    if (includeDeleted !== undefined && includeDeleted !== "true" && includeDeleted !== "false") {
      return badRequest(c, "include_deleted must be true or false");
    }
    const found = state.findEntry(id);
    if (!found) return notFound(c, `Accounting entry ${id} not found`);
    const wrong = requireCompany(c, found.company.id);
    if (wrong) return wrong;
    const e = found.company.data.entries[found.pos];
    if (e.deletedAt !== null && includeDeleted !== "true") return notFound(c, `Accounting entry ${id} not found`);
    return c.json({ data: renderEntry(found.company, e, strictView(state)) });
  });

  return app;
}
