import "server-only";

import { PleoApiError } from "@/lib/pleo/errors";
import { collectAll } from "@/lib/pleo/paginate";
import type { Company, Employee, LedgerAccount, Tag, TagGroup, TaxCode, Team } from "@/lib/pleo/types";
import type { Logger } from "@/lib/log";
import { heldByOtherCompanies, withoutAnomalies, type Anomaly, type OwnedTable } from "@/lib/sync/anomalies";
import type { SyncSource } from "@/lib/sync/source";
import { bulkUpsert, NOW_UTC, quoteIdent, type Column, type SqlRunner } from "@/lib/sync/sql";

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
 * One table of the company's directory: rows whose id another company holds are skipped (tenant guard,
 * lib/sync/anomalies.ts), the rest upserted, never moving a row to another company.
 */
async function upsertOwned<T extends { id: string }>(
  sql: SqlRunner,
  table: OwnedTable,
  columns: Column[],
  companyId: string,
  rows: T[],
  anomalies: Anomaly[],
): Promise<{ changed: number; written: T[] }> {
  const foreign = await heldByOtherCompanies(
    sql,
    table,
    companyId,
    rows.map((r) => r.id),
  );
  anomalies.push(...foreign);
  const written = withoutAnomalies(rows, foreign);
  const changed = await bulkUpsert(sql, table, columns, written, {
    extraSet: synced,
    onlyIf: `${quoteIdent(table)}."companyId" = EXCLUDED."companyId"`,
  });
  return { changed, written };
}

/**
 * Write the directory (the PleoCompany row already exists: the connection references it). Returns the
 * number of rows it changed, so the caller knows whether the dashboard's data version moves, and the
 * rows it skipped because another company holds their id (the caller logs and counts them).
 */
export async function writeDirectory(
  sql: SqlRunner,
  companyId: string,
  d: Directory,
): Promise<{ changed: number; anomalies: Anomaly[] }> {
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
  const anomalies: Anomaly[] = [];
  const own = <T extends { companyId: string }>(rows: T[]) => rows.filter((r) => r.companyId === companyId);
  const upsert = async <T extends { id: string }>(table: OwnedTable, columns: Column[], rows: T[]) => {
    const r = await upsertOwned(sql, table, columns, companyId, rows, anomalies);
    changed += r.changed;
    return r.written;
  };
  await upsert("Employee", EMPLOYEE, own(d.employees));
  await upsert("Team", TEAM, own(d.teams));
  await upsert("LedgerAccount", ACCOUNT, own(d.accounts));
  const groups = await upsert("TagGroup", TAG_GROUP, own(d.tagGroups));
  // Tags of a group the company does not hold (not listed, or skipped above) are not written either.
  const groupIds = new Set(groups.map((g) => g.id));
  await upsert(
    "Tag",
    TAG,
    d.tags.filter((t) => groupIds.has(t.tagGroupId)).map((t) => ({ ...t, companyId })),
  );
  await upsert("TaxCode", TAX_CODE, own(d.taxCodes));
  return { changed, anomalies };
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
