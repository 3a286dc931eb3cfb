/**
 * Installations API (FOUND, /v1/installations/me) and GET /v1/introspect (External Clients API).
 * Installation responses are not wrapped in `data` (FOUND in Pleo's spec).
 */
import { Hono } from "hono";
import { z } from "zod";
import { revokeCompanyGrants } from "../oauth/grants";
import { SANDBOX_APPLICATION_ID, SANDBOX_APPLICATION_NAME, companyUrn } from "../seed/fixtures";
import type { Installation, SandboxState } from "../store";
import { badRequest, forbidden, notFound, uuidSchema, type ApiContext, type ApiEnv } from "./common";
import { iso } from "./render";

const UpdateSchema = z
  .object({
    status: z.enum(["ACTIVATED", "INACTIVE", "AUTHORIZED", "PENDING_INTEGRATION", "ERROR"]),
    metadata: z.record(z.string(), z.unknown()).nullish(),
    errorCode: z.enum(["NOT_ENTITLED", "AUTH_ERROR"]).nullish(),
  })
  .strict();

function render(i: Installation) {
  return {
    id: i.id,
    applicationId: SANDBOX_APPLICATION_ID,
    resource: companyUrn(i.companyId),
    status: i.status,
    ...(i.errorCode ? { errorCode: i.errorCode } : {}),
    metadata: i.metadata ?? {},
    createdAt: iso(i.createdAt),
    updatedAt: iso(i.updatedAt),
  };
}

export function installationRoutes(state: SandboxState) {
  const app = new Hono<ApiEnv>();

  app.get("/v1/introspect", (c) => {
    const t = c.get("token");
    return c.json({
      data: {
        authMethod: "OAUTH2",
        clientId: t.clientId,
        scope: t.scope.join(" "),
        applicationName: SANDBOX_APPLICATION_NAME,
        subjectURN: companyUrn(t.companyId),
      },
    });
  });

  /** The calling client's installation for the token's company; optional company_id must match. */
  const lookup = (c: ApiContext): Installation | Response => {
    const t = c.get("token");
    const companyId = c.req.query("company_id");
    if (companyId !== undefined) {
      if (!uuidSchema.safeParse(companyId).success) return badRequest(c, "company_id must be a UUID");
      if (companyId !== t.companyId) return forbidden(c, `Access denied to company ${companyId}`);
    }
    const inst = state.installations.get(state.installationKey(t.clientId, t.companyId));
    return inst ?? notFound(c, "Installation not found");
  };

  app.get("/v1/installations/me", (c) => {
    const inst = lookup(c);
    return inst instanceof Response ? inst : c.json(render(inst));
  });

  app.put("/v1/installations/me", async (c) => {
    const inst = lookup(c);
    if (inst instanceof Response) return inst;
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return badRequest(c, "Request body must be JSON");
    }
    const parsed = UpdateSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return badRequest(c, `Invalid request body: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
    }
    inst.status = parsed.data.status;
    if (parsed.data.metadata !== undefined) inst.metadata = parsed.data.metadata;
    if (parsed.data.errorCode !== undefined) inst.errorCode = parsed.data.errorCode;
    inst.updatedAt = state.clock.now();
    return c.json(render(inst));
  });

  app.post("/v1/installations/me:activate", (c) => {
    const inst = lookup(c);
    if (inst instanceof Response) return inst;
    inst.status = "ACTIVATED";
    inst.errorCode = null;
    inst.updatedAt = state.clock.now();
    return c.json(render(inst));
  });

  // FOUND: uninstall "will revoke all access and refresh tokens for the client".
  app.delete("/v1/installations/me", (c) => {
    const inst = lookup(c);
    if (inst instanceof Response) return inst;
    revokeCompanyGrants(state, inst.companyId, inst.clientId);
    state.installations.delete(state.installationKey(inst.clientId, inst.companyId));
    return c.body(null, 204);
  });

  return app;
}
