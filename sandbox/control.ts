/**
 * Control API under /__sandbox/ (sandbox only, JSON): counters, clock, faults, grant revocation,
 * data activity, summaries for sync tests, live config and reset. Names are a stable contract.
 */
import { createHash } from "node:crypto";
import { Hono, type Context } from "hono";
import { z } from "zod";
import { parseJsonBody } from "./api/common";
import { iso } from "./api/render";
import { revokeCompanyGrants } from "./oauth/grants";
import { applyActivity } from "./seed/activity";
import { COMPANIES, CURRENCY_EXPONENT, USERS } from "./seed/fixtures";
import type { CompanyState, SandboxState } from "./store";

const FaultSchema = z
  .object({
    path: z.string().min(1).startsWith("/"),
    status: z.number().int().min(100).max(599).optional(),
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    rate: z.number().min(0).max(1).optional(),
    times: z.number().int().min(1).optional(),
    reset: z.literal(true).optional(),
  })
  .strict()
  .refine((f) => f.status !== undefined || f.latencyMs !== undefined || f.reset, {
    message: "a fault needs status, latencyMs or reset",
  })
  .refine((f) => !f.path.startsWith("/__sandbox"), { message: "faults never apply to /__sandbox paths" });

const ClockSchema = z.object({ advanceSeconds: z.number().finite() }).strict();
const RevokeSchema = z.object({ companyId: z.uuid(), keepInstallation: z.boolean().optional() }).strict();
const InstallationStatusSchema = z
  .object({
    companyId: z.uuid(),
    status: z.enum(["ACTIVATED", "INACTIVE", "AUTHORIZED", "PENDING_INTEGRATION", "ERROR"]),
    errorCode: z.enum(["NOT_ENTITLED", "AUTH_ERROR"]).nullish(),
  })
  .strict();
const count = z.number().int().min(0).max(100_000).optional();
const ActivitySchema = z
  .object({
    created: count,
    updated: count,
    deleted: count,
    // How far back new entries were performed (default 3 days): e.g. since this month began, for a spec
    // that reads "this month" (e2e/signed-in.setup.ts).
    performedWithinSeconds: z
      .number()
      .int()
      .min(1)
      .max(365 * 86_400)
      .optional(),
  })
  .strict();
const ConfigSchema = z
  .object({
    rateLimit: z.boolean().optional(),
    accessTokenTtlSeconds: z.number().int().min(1).optional(),
    refreshTokenTtlSeconds: z.number().int().min(1).optional(),
    strict: z.boolean().optional(),
  })
  .strict();

async function readJson<T>(c: Context, schema: z.ZodType<T>): Promise<T | Response> {
  const parsed = parseJsonBody(await c.req.text(), schema);
  if (!parsed.ok)
    return c.json({ error: parsed.reason === "json" ? "invalid_json" : "invalid_body", message: parsed.message }, 400);
  return parsed.data;
}

/**
 * Summary of a company's live (non-deleted) entries, for comparing a synced copy with the sandbox.
 * checksum = hex sha256 of the lines `${id}:${updatedAt}` (updatedAt as the API's ISO string), sorted
 * by id ascending, joined with "\n" (no trailing newline). `from` (ms): also count the live entries
 * performed at or after it (`countFrom`; a history window's start in any time zone).
 */
export function companySummary(company: CompanyState, from: number | null = null) {
  const wallet = company.data.fixture.currency;
  const live = company.data.entries.filter((e) => e.deletedAt === null);
  const lines = live.map((e) => `${e.id}:${iso(e.updatedAt)}`).sort();
  const byMonth: Record<string, { count: number; totalBillMinors: number }> = {};
  const byFamily: Record<string, number> = {};
  let total = 0;
  for (const e of live) {
    total += e.billMinors;
    const month = iso(e.performedAt).slice(0, 7);
    const m = (byMonth[month] ??= { count: 0, totalBillMinors: 0 });
    m.count++;
    m.totalBillMinors += e.billMinors;
    byFamily[e.family] = (byFamily[e.family] ?? 0) + 1;
  }
  return {
    companyId: company.id,
    name: company.data.fixture.name,
    currency: wallet,
    currencyExponent: CURRENCY_EXPONENT[wallet],
    count: live.length,
    countFrom: from === null ? null : live.filter((e) => e.performedAt >= from).length,
    deletedCount: company.deletedCount,
    countIncludingDeleted: company.data.entries.length,
    checksum: createHash("sha256").update(lines.join("\n")).digest("hex"),
    checksumDefinition: "sha256 hex of sorted `${id}:${updatedAt}` lines of non-deleted entries joined by \\n",
    totalBillValue: { currency: wallet, minors: total },
    byFamily,
    byMonth,
    employees: company.data.employees.length,
    teams: company.data.teams.length,
    accounts: company.data.accounts.length,
    tagGroups: company.data.tagGroups.length,
    tags: company.data.tags.length,
    version: company.version,
  };
}

export function controlRoutes(state: SandboxState) {
  const app = new Hono();
  const noCompany = (c: Context, id: string) => c.json({ error: "not_found", message: `Unknown company ${id}` }, 404);

  app.get("/__sandbox", (c) =>
    c.json({
      companies: COMPANIES.map((f) => ({
        id: f.id,
        name: f.name,
        currency: f.currency,
        entries: state.company(f.id)!.data.entries.length,
      })),
      users: USERS.map((u) => ({ email: u.email, password: u.password, companyIds: u.companyIds })),
      clientId: state.config.clientId,
      redirectUris: state.config.redirectUris,
    }),
  );

  app.get("/__sandbox/stats", (c) =>
    c.json({
      ...state.stats,
      requestsByToken: Object.fromEntries(
        [...state.tokenMinutes].map(([jti, t]) => [
          jti,
          { companyId: t.companyId, requests: t.window.requests, maxInAnyMinute: t.window.maxInAnyMinute },
        ]),
      ),
      requestsByCompany: Object.fromEntries(
        [...state.companyMinutes].map(([companyId, w]) => [
          companyId,
          { requests: w.requests, maxInAnyMinute: w.maxInAnyMinute },
        ]),
      ),
      activeGrants: [...state.grants.values()].filter((g) => !g.revoked).length,
      installations: state.installations.size,
      faults: state.faults.length,
      clock: { now: iso(state.clock.now()), offsetSeconds: state.clock.offsetSeconds },
    }),
  );

  app.get("/__sandbox/clock", (c) => c.json({ now: iso(state.clock.now()), offsetSeconds: state.clock.offsetSeconds }));
  app.post("/__sandbox/clock", async (c) => {
    const body = await readJson(c, ClockSchema);
    if (body instanceof Response) return body;
    state.clock.advance(body.advanceSeconds);
    return c.json({ now: iso(state.clock.now()), offsetSeconds: state.clock.offsetSeconds });
  });

  app.get("/__sandbox/faults", (c) => c.json({ faults: state.faults }));
  app.post("/__sandbox/faults", async (c) => {
    const body = await readJson(c, FaultSchema);
    if (body instanceof Response) return body;
    const fault = {
      id: state.nextFaultId++,
      path: body.path,
      status: body.status,
      latencyMs: body.latencyMs,
      rate: body.rate ?? 1,
      timesLeft: body.times,
      reset: body.reset ?? false,
    };
    state.faults.push(fault);
    return c.json(fault, 201);
  });
  app.delete("/__sandbox/faults", (c) => {
    const cleared = state.faults.length;
    state.faults = [];
    return c.json({ cleared });
  });

  // "Uninstalled from Pleo's side": as if an admin removed the app in Pleo, tokens die and the installation
  // goes away. With keepInstallation, only the grants are revoked (Pleo revoking access, app still listed).
  app.post("/__sandbox/grants/revoke", async (c) => {
    const body = await readJson(c, RevokeSchema);
    if (body instanceof Response) return body;
    if (!state.company(body.companyId)) return noCompany(c, body.companyId);
    const revokedGrants = revokeCompanyGrants(state, body.companyId);
    let removedInstallations = 0;
    for (const [key, inst] of state.installations) {
      if (inst.companyId === body.companyId && !body.keepInstallation) {
        state.installations.delete(key);
        removedInstallations++;
      }
    }
    return c.json({ revokedGrants, removedInstallations });
  });

  app.get("/__sandbox/installations", (c) =>
    c.json({
      installations: [...state.installations.values()].map((i) => ({
        id: i.id,
        clientId: i.clientId,
        companyId: i.companyId,
        status: i.status,
        errorCode: i.errorCode,
        metadata: i.metadata,
        createdAt: iso(i.createdAt),
        updatedAt: iso(i.updatedAt),
      })),
    }),
  );

  // Pleo changing an installation's status on its side (e.g. ERROR with NOT_ENTITLED).
  app.post("/__sandbox/installations/status", async (c) => {
    const body = await readJson(c, InstallationStatusSchema);
    if (body instanceof Response) return body;
    const found = [...state.installations.values()].filter((i) => i.companyId === body.companyId);
    if (found.length === 0)
      return c.json({ error: "not_found", message: `No installation for ${body.companyId}` }, 404);
    for (const inst of found) {
      inst.status = body.status;
      inst.errorCode = body.errorCode ?? null;
      inst.updatedAt = state.clock.now();
    }
    return c.json({ updated: found.length });
  });

  app.post("/__sandbox/companies/:companyId/activity", async (c) => {
    const company = state.company(c.req.param("companyId"));
    if (!company) return noCompany(c, c.req.param("companyId"));
    const body = await readJson(c, ActivitySchema);
    if (body instanceof Response) return body;
    return c.json(applyActivity(state, company, body));
  });

  app.get("/__sandbox/companies/:companyId/summary", (c) => {
    const company = state.company(c.req.param("companyId"));
    if (!company) return noCompany(c, c.req.param("companyId"));
    const from = c.req.query("from");
    const fromMs = from ? Date.parse(from) : null;
    if (fromMs !== null && Number.isNaN(fromMs)) return c.json({ error: "from must be an ISO 8601 instant" }, 400);
    return c.json(companySummary(company, fromMs));
  });

  app.get("/__sandbox/config", (c) => c.json(publicConfig(state)));
  app.post("/__sandbox/config", async (c) => {
    const body = await readJson(c, ConfigSchema);
    if (body instanceof Response) return body;
    if (body.rateLimit !== undefined) state.config.rateLimit = body.rateLimit;
    if (body.accessTokenTtlSeconds !== undefined) state.config.accessTokenTtlSeconds = body.accessTokenTtlSeconds;
    if (body.refreshTokenTtlSeconds !== undefined) state.config.refreshTokenTtlSeconds = body.refreshTokenTtlSeconds;
    if (body.strict !== undefined) state.config.strict = body.strict;
    return c.json(publicConfig(state));
  });

  // Test-only: the secret values of every token issued since the process started (also before a reset),
  // for the e2e secret scan. Pleo has nothing like it; a real authorization server never lists tokens.
  app.get("/__sandbox/issued-tokens", (c) => c.json({ tokens: state.issuedTokens }));

  app.post("/__sandbox/reset", (c) => {
    state.reset();
    return c.json({ reset: true, now: iso(state.clock.now()) });
  });

  return app;
}

function publicConfig(state: SandboxState) {
  const { rateLimit, accessTokenTtlSeconds, refreshTokenTtlSeconds, clientId, redirectUris, seed, entries, strict } =
    state.config;
  return { rateLimit, accessTokenTtlSeconds, refreshTokenTtlSeconds, clientId, redirectUris, seed, entries, strict };
}
