/**
 * Installations API (FOUND, /v1/installations/me) and GET /v1/introspect (External Clients API).
 * Installation responses are not wrapped in `data` (FOUND in Pleo's spec). One installation per client
 * and company, created AUTHORIZED by the consent (oauth/grants.ts); `:activate` → ACTIVATED; DELETE
 * removes it and revokes every grant of the client for the company.
 *
 * GUESSED (Pleo is silent, README "GUESSED behaviour"): PUT replaces the installation's updatable fields,
 * as HTTP's PUT means, so a PUT without `metadata` clears it and one without `errorCode` clears that;
 * `metadata` is limited to METADATA_MAX_KEYS keys and METADATA_MAX_BYTES of JSON (400 beyond).
 */
import { Hono } from "hono";
import { z } from "zod";
import { revokeCompanyGrants } from "../oauth/grants";
import { SANDBOX_APPLICATION_ID, SANDBOX_APPLICATION_NAME, companyUrn } from "../seed/fixtures";
import type { Installation, SandboxState } from "../store";
import { badRequest, forbidden, notFound, uuidSchema, type ApiContext, type ApiEnv } from "./common";
import { iso } from "./render";

/** GUESSED limits (Pleo documents none): generous for a settings summary, small enough to notice abuse. */
export const METADATA_MAX_KEYS = 50;
export const METADATA_MAX_BYTES = 4096;

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
    const metadata = parsed.data.metadata ?? null;
    if (metadata && Object.keys(metadata).length > METADATA_MAX_KEYS) {
      return badRequest(c, `Invalid request body: metadata: at most ${METADATA_MAX_KEYS} keys`);
    }
    if (metadata && Buffer.byteLength(JSON.stringify(metadata)) > METADATA_MAX_BYTES) {
      return badRequest(c, `Invalid request body: metadata: at most ${METADATA_MAX_BYTES} bytes of JSON`);
    }
    // PUT replaces: what the body leaves out is cleared (GUESSED, see above).
    inst.status = parsed.data.status;
    inst.metadata = metadata;
    inst.errorCode = parsed.data.errorCode ?? null;
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
