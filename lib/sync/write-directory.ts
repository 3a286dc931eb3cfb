import "server-only";

import { PleoApiError } from "@/lib/pleo/errors";
import { collectAll } from "@/lib/pleo/paginate";
import type { Company, Employee, LedgerAccount, Tag, TagGroup, TaxCode, Team } from "@/lib/pleo/types";
import type { Logger } from "@/lib/log";
import type { SyncSource } from "@/lib/sync/source";
import { bulkUpsert, NOW_UTC, type Column, type SqlRunner } from "@/lib/sync/sql";

/**
 * Company details and the lookup tables entries refer to (employees, teams, chart of accounts, tag
 * groups and tags, tax codes). Small lists: fetched whole on each run, then written in one transaction
 * with one batch statement per table. Rows are never deleted here (entries keep their ids; an employee
 * who left still names their old expenses). The company's time zone (from its country) is written here
 * only: changing it re-cuts the monthly rollup in the same transaction (a trigger).
 */

export type Directory = {
  company: Company;
  employees: Employee[];
  teams: Team[];
  accounts: LedgerAccount[];
  tagGroups: TagGroup[];
  tags: Tag[];
  taxCodes: TaxCode[];
};

const PAGE = { limit: 100 };

/**
 * A list the connection cannot read (403: scope not granted) or that this Pleo does not offer (404:
 * teams are a sandbox extension, absent at Pleo) must not stop the expense sync: it is logged and left
 * empty.
 */
async function optional<T>(what: string, log: Logger, fetch: () => Promise<T[]>): Promise<T[]> {
  try {
    return await fetch();
  } catch (err) {
    if (err instanceof PleoApiError && (err.status === 403 || err.status === 404)) {
      log.warn({ list: what, status: err.status, type: err.type }, "sync: list not available, skipped");
      return [];
    }
    throw err;
  }
}

export async function fetchDirectory(source: SyncSource, log: Logger): Promise<Directory> {
  // Independent lists in parallel (the client's limiter still paces them): the first entries reach the
  // dashboard sooner.
  const [company, employees, teams, accounts, tagGroups, taxCodes] = await Promise.all([
    source.getCompany(),
    optional("employees", log, () => collectAll((after) => source.listEmployees({ ...PAGE, after }))),
    optional("teams", log, () => collectAll((after) => source.listTeams({ ...PAGE, after }))),
    optional("accounts", log, () => collectAll((after) => source.listAccounts({ ...PAGE, after }))),
    optional("tagGroups", log, () => collectAll((after) => source.listTagGroups({ ...PAGE, after }))),
    optional("taxCodes", log, () => collectAll((after) => source.listTaxCodes({ ...PAGE, after }))),
  ]);
  const tagLists = await Promise.all(
    tagGroups.map((g) => optional("tags", log, () => collectAll((after) => source.listTags(g.id, { ...PAGE, after })))),
  );
  return { company, employees, teams, accounts, tagGroups, tags: tagLists.flat(), taxCodes };
}

const EMPLOYEE: Column[] = [
  { name: "id", type: "uuid" },
  { name: "companyId", type: "uuid" },
  { name: "email", type: "text" },
  { name: "firstName", type: "text" },
  { name: "lastName", type: "text" },
  { name: "code", type: "text" },
  { name: "jobTitle", type: "text" },
];
const TEAM: Column[] = [
  { name: "id", type: "uuid" },
  { name: "companyId", type: "uuid" },
  { name: "name", type: "text" },
  { name: "code", type: "text" },
];
const ACCOUNT: Column[] = [
  { name: "id", type: "uuid" },
  { name: "companyId", type: "uuid" },
  { name: "code", type: "text" },
  { name: "name", type: "text" },
  { name: "externalId", type: "text" },
  { name: "archived", type: "boolean" },
];
const TAG_GROUP: Column[] = [
  { name: "id", type: "uuid" },
  { name: "companyId", type: "uuid" },
  { name: "name", type: "text" },
  { name: "code", type: "text" },
  { name: "archived", type: "boolean" },
];
const TAG: Column[] = [
  { name: "id", type: "uuid" },
  { name: "tagGroupId", type: "uuid" },
  { name: "companyId", type: "uuid" },
  { name: "name", type: "text" },
  { name: "code", type: "text" },
  { name: "archived", type: "boolean" },
];

const TAX_CODE: Column[] = [
  { name: "id", type: "uuid" },
  { name: "companyId", type: "uuid" },
  { name: "name", type: "text" },
  { name: "code", type: "text" },
  { name: "rate", type: "numeric" },
  { name: "type", type: "text" },
  { name: "archived", type: "boolean" },
];

const synced = [`"syncedAt" = ${NOW_UTC}`];

/**
 * Write the directory (the PleoCompany row already exists: the connection references it). Returns the
 * number of rows it changed, so the caller knows whether the dashboard's data version moves.
 */
export async function writeDirectory(sql: SqlRunner, companyId: string, d: Directory): Promise<number> {
  const a = d.company.address;
  let changed = await sql.$executeRawUnsafe(
    `UPDATE "PleoCompany" SET "name" = $2, "organizationId" = $3, "registrationNumber" = $4, "country" = $5,
       "address" = $6::jsonb, "timeZone" = $7, "updatedAt" = ${NOW_UTC}
     WHERE "id" = $1::uuid AND ("name", "organizationId", "registrationNumber", "country", "address", "timeZone")
       IS DISTINCT FROM ($2, $3, $4, $5, $6::jsonb, $7)`,
    companyId,
    d.company.name,
    d.company.organizationId,
    d.company.registrationNumber,
    a?.country ?? null,
    a ? JSON.stringify(a) : null,
    d.company.timeZone,
  );
  const own = <T extends { companyId: string }>(rows: T[]) => rows.filter((r) => r.companyId === companyId);
  changed += await bulkUpsert(sql, "Employee", EMPLOYEE, own(d.employees), { extraSet: synced });
  changed += await bulkUpsert(sql, "Team", TEAM, own(d.teams), { extraSet: synced });
  changed += await bulkUpsert(sql, "LedgerAccount", ACCOUNT, own(d.accounts), { extraSet: synced });
  const groups = own(d.tagGroups);
  changed += await bulkUpsert(sql, "TagGroup", TAG_GROUP, groups, { extraSet: synced });
  const groupIds = new Set(groups.map((g) => g.id));
  changed += await bulkUpsert(
    sql,
    "Tag",
    TAG,
    d.tags.filter((t) => groupIds.has(t.tagGroupId)).map((t) => ({ ...t, companyId })),
    { extraSet: synced },
  );
  changed += await bulkUpsert(sql, "TaxCode", TAX_CODE, own(d.taxCodes), { extraSet: synced });
  return changed;
}

/**
 * Moves the company's data version, in the transaction of a write that changed what the dashboard
 * shows; the dashboard caches its widget reads per version (lib/expenses/cache.ts). It moves to at
 * least the clock in ms, so a company whose row is deleted and created again never reuses a version.
 */
export async function bumpDataVersion(sql: SqlRunner, companyId: string): Promise<void> {
  await sql.$executeRawUnsafe(
    `UPDATE "PleoCompany" SET "dataVersion" = GREATEST("dataVersion" + 1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)
     WHERE "id" = $1::uuid`,
    companyId,
  );
}

/** The wallet currency learnt from a page of entries (Pleo's company record has none). */
export async function saveWalletCurrency(sql: SqlRunner, companyId: string, currency: string): Promise<number> {
  return sql.$executeRawUnsafe(
    `UPDATE "PleoCompany" SET "currency" = $2, "updatedAt" = ${NOW_UTC} WHERE "id" = $1::uuid AND "currency" IS DISTINCT FROM $2`,
    companyId,
    currency,
  );
}
