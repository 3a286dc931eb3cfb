/**
 * Companies (companies:read), employees and teams (users:read) — the "who/where" endpoints.
 */
import { Hono } from "hono";
import type { Employee, Team } from "../model";
import type { SandboxState } from "../store";
import {
  type ApiEnv,
  badRequest,
  forbidden,
  notFound,
  paginateList,
  requireCompany,
  requireCompanyParam,
  requireScope,
  uuidSchema,
} from "./common";
import type { CompanyFixture } from "../seed/fixtures";
import { ABSENT_RATE, strictView, type StrictView } from "../strict";

function renderCompany(f: CompanyFixture, view: StrictView) {
  // ExternalCompanyResponseModel (FOUND). No currency or time zone field exists in Pleo's model, and the
  // format of address.country is not documented: strict mode varies it (fixtures.ts, strictCountry).
  return {
    id: f.id,
    name: f.name,
    address: view.strict ? { ...f.address, country: f.strictCountry } : f.address,
    organizationId: f.organizationId,
    registrationNumber: f.registrationNumber,
  };
}

function renderEmployee(e: Employee, view: StrictView) {
  // ExternalEmployeeResponseModel (FOUND): code, jobTitle and phone are optional.
  const rate = ABSENT_RATE.employee;
  return {
    id: e.id,
    companyId: e.companyId,
    email: e.email,
    firstName: e.firstName,
    lastName: e.lastName,
    ...(view.absent(e.id, "code", rate.code) ? {} : { code: e.code }),
    ...(view.absent(e.id, "jobTitle", rate.jobTitle) ? {} : { jobTitle: e.jobTitle }),
    ...(view.absent(e.id, "phone", rate.phone) ? {} : { phone: e.phone }),
  };
}

function renderTeam(t: Team) {
  return { id: t.id, companyId: t.companyId, name: t.name, code: t.code };
}

export function directoryRoutes(state: SandboxState) {
  const app = new Hono<ApiEnv>();

  app.get("/v1/companies/:companyId", (c) => {
    const denied = requireScope(c, "companies:read");
    if (denied) return denied;
    const id = c.req.param("companyId");
    if (!uuidSchema.safeParse(id).success) return badRequest(c, "companyId must be a UUID");
    const wrong = requireCompany(c, id);
    if (wrong) return wrong;
    const company = state.company(id);
    if (!company) return notFound(c, `Company ${id} not found`);
    return c.json({ data: renderCompany(company.data.fixture, strictView(state)) });
  });

  app.get("/v1/companies", (c) => {
    const denied = requireScope(c, "companies:read");
    if (denied) return denied;
    const org = c.req.query("organization_id");
    if (org !== undefined && !uuidSchema.safeParse(org).success) return badRequest(c, "organization_id must be a UUID");
    const own = state.company(c.get("token").companyId)!;
    if (org !== undefined && own.data.fixture.organizationId !== org) {
      return forbidden(c, `Access denied to organization ${org}`);
    }
    // A company-bound token sees exactly its own company.
    return paginateList(c, [own.data.fixture], (f) => renderCompany(f, strictView(state)));
  });

  app.get("/v2/employees", (c) => {
    const denied = requireScope(c, "users:read");
    if (denied) return denied;
    const q = c.req.query();
    const companyId = q.companyId ?? c.get("token").companyId; // FOUND: omit to get all accessible
    if (!uuidSchema.safeParse(companyId).success) return badRequest(c, "companyId must be a UUID");
    const wrong = requireCompany(c, companyId);
    if (wrong) return wrong;
    let list = state.company(companyId)!.data.employees;
    if (q.email !== undefined) list = list.filter((e) => e.email.toLowerCase() === q.email.toLowerCase());
    if (q.code !== undefined) list = list.filter((e) => e.code === q.code);
    const view = strictView(state);
    return paginateList(c, list, (e) => renderEmployee(e, view));
  });

  app.get("/v2/employees/:employeeId", (c) => {
    const denied = requireScope(c, "users:read");
    if (denied) return denied;
    const id = c.req.param("employeeId");
    if (!uuidSchema.safeParse(id).success) return badRequest(c, "employeeId must be a UUID");
    for (const company of state.companies.values()) {
      const emp = company.data.employees.find((e) => e.id === id);
      if (emp) {
        const wrong = requireCompany(c, company.id);
        return wrong ?? c.json({ data: renderEmployee(emp, strictView(state)) });
      }
    }
    return notFound(c, `Employee ${id} not found`);
  });

  // GUESSED endpoint: entries carry `teamId` but Pleo documents no teams API; the sandbox serves
  // GET /v1/teams?company_id= so the portal can name teams. Scope users:read (GUESSED). Not in strict mode.
  app.get("/v1/teams", (c) => {
    if (strictView(state).strict) return notFound(c, `No route for GET ${c.req.path}`);
    const companyId = requireCompanyParam(c, "users:read");
    if (companyId instanceof Response) return companyId;
    return paginateList(c, state.company(companyId)!.data.teams, renderTeam);
  });

  return app;
}
