/**
 * lib/sync/write-directory.ts: fetchDirectory against the real sandbox over HTTP (every list read
 * whole; a list the connection may not read or this Pleo does not offer is logged and left empty, any
 * other failure stops the run), and writeDirectory / bumpDataVersion / saveWalletCurrency against a
 * real PGlite database (what is written, what is counted as changed, what the tenant guard skips).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { createLogger } from "@/lib/log";
import { createPleoClient, PleoApiError, type PleoClient } from "@/lib/pleo/client";
import type { ListOptions } from "@/lib/pleo/endpoints";
import { bearerToken } from "@/lib/pleo/http";
import { collectAll } from "@/lib/pleo/paginate";
import type { Company, Employee, LedgerAccount, Tag, TagGroup, TaxCode, Team } from "@/lib/pleo/types";
import type { SyncSource } from "@/lib/sync/source";
import type { SqlRunner } from "@/lib/sync/sql";
import type { Directory } from "@/lib/sync/write-directory";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { createTestDatabase, type TestDatabase } from "@/tests/support/db";
import { captureLogger } from "@/tests/support/logs";
import { sandboxTokens, startTestSandbox, type InProcessSandbox } from "@/tests/support/sandbox";

/**
 * The module is imported (awaited) while the file is collected (so Stryker counts the code it runs at import as
 * static, reached by every test) but a failure there is handed to each test, not to the collection: a
 * mutant that breaks its column lists fails tests instead of the file (README → Mutation testing).
 */
const loaded = await import("@/lib/sync/write-directory").then(
  (module) => ({ module, error: null }),
  (error: unknown) => ({ module: null, error }),
);
let wd: NonNullable<typeof loaded.module>;
const load = async () => {
  if (!loaded.module) throw loaded.error;
  wd = loaded.module;
};

describe("fetchDirectory (sandbox)", () => {
  beforeEach(load);
  let sb: InProcessSandbox;
  let client: PleoClient;
  beforeAll(async () => {
    sb = await startTestSandbox({ entries: 10, rateLimit: false });
  });
  afterAll(async () => {
    await sb?.close();
  });
  /** The sandbox back to its seed (which revokes tokens), with `faults`, and a client with a new token. */
  async function reset(...faults: { path: string; status: number }[]) {
    await sb.control.reset();
    for (const f of faults) await sb.control.fault(f);
    const tokens = await sandboxTokens(sb, LARGE_COMPANY_ID);
    client = createPleoClient({
      apiUrl: sb.url,
      companyId: LARGE_COMPANY_ID,
      tokens: bearerToken(tokens.access_token),
      logger: createLogger({ level: "silent" }),
      retry: { baseDelayMs: 5, maxDelayMs: 10 },
    });
  }

  /** A list read one item per page: independent of the page size fetchDirectory asks for. */
  const oneByOne = <T>(list: (o: { limit: number; after?: string }) => Promise<{ items: T[] } & object>) =>
    collectAll((after) => list({ limit: 1, after }) as never) as Promise<T[]>;

  it("reads the company and every list whole, tags of every group", async () => {
    await reset();
    const log = captureLogger();
    const d = await wd.fetchDirectory(client, log.logger);
    const state = sb.state.company(LARGE_COMPANY_ID)!.data;
    expect(d.company).toMatchObject({ id: LARGE_COMPANY_ID, name: state.fixture.name });
    expect(d.employees.length).toBe(state.employees.length);
    expect(d.teams.length).toBe(state.teams.length);
    expect(d.employees.length).toBeGreaterThan(0);
    expect(d.teams.length).toBeGreaterThan(0);
    expect(d.employees).toEqual(await oneByOne((o) => client.listEmployees(o)));
    expect(d.teams).toEqual(await oneByOne((o) => client.listTeams(o)));
    expect(d.accounts.length).toBeGreaterThan(0);
    expect(d.accounts).toEqual(await oneByOne((o) => client.listAccounts(o)));
    expect(d.taxCodes.length).toBeGreaterThan(0);
    expect(d.taxCodes).toEqual(await oneByOne((o) => client.listTaxCodes(o)));
    expect(d.tagGroups.length).toBeGreaterThan(1);
    expect(d.tagGroups).toEqual(await oneByOne((o) => client.listTagGroups(o)));
    const tags: Tag[] = [];
    for (const g of d.tagGroups) tags.push(...(await oneByOne((o) => client.listTags(g.id, o))));
    expect(tags.length).toBeGreaterThan(d.tagGroups.length);
    expect(d.tags).toEqual(tags);
    expect(log.lines().filter((l) => l.level === 40)).toEqual([]);
  });

  it("a list refused (403) or not offered (404) is logged and left empty; the others still arrive", async () => {
    await reset(
      { path: "/v2/employees", status: 403 },
      { path: "/v1/teams", status: 404 },
      { path: "/v0/tag-groups/*", status: 403 },
    );
    const log = captureLogger();
    const d = await wd.fetchDirectory(client, log.logger);
    expect(d.employees).toEqual([]);
    expect(d.teams).toEqual([]);
    expect(d.tags).toEqual([]);
    expect(d.tagGroups.length).toBeGreaterThan(1);
    expect(d.accounts.length).toBeGreaterThan(0);
    expect(d.taxCodes.length).toBeGreaterThan(0);
    const warnings = log.lines().filter((l) => l.level === 40);
    expect(warnings.map(({ list, status, type, msg }) => ({ list, status, type, msg }))).toEqual([
      { list: "employees", status: 403, type: "ACCESS_DENIED", msg: "sync: list not available, skipped" },
      { list: "teams", status: 404, type: "NOT_FOUND", msg: "sync: list not available, skipped" },
      ...d.tagGroups.map(() => ({
        list: "tags",
        status: 403,
        type: "ACCESS_DENIED",
        msg: "sync: list not available, skipped",
      })),
    ]);
  });

  it("the other lists refused or not offered are named in the log the same way", async () => {
    await reset(
      { path: "/v1-beta/accounts:search", status: 403 },
      { path: "/v0/tag-groups", status: 404 },
      { path: "/v0/tax-codes:search", status: 403 },
    );
    const log = captureLogger();
    const d = await wd.fetchDirectory(client, log.logger);
    expect(d).toMatchObject({ accounts: [], tagGroups: [], tags: [], taxCodes: [] });
    expect(d.employees.length).toBeGreaterThan(0);
    const warnings = log.lines().filter((l) => l.level === 40);
    expect(
      warnings
        .map(({ list, status }) => ({ list, status }))
        .sort((x, y) => String(x.list).localeCompare(String(y.list))),
    ).toEqual([
      { list: "accounts", status: 403 },
      { list: "tagGroups", status: 404 },
      { list: "taxCodes", status: 403 },
    ]);
  });

  it("asks for pages of 100", async () => {
    await reset();
    const limits: number[] = [];
    const asked = (o?: ListOptions) => limits.push(o?.limit ?? 0);
    const source: SyncSource = {
      ...client,
      listEmployees: (o) => (asked(o), client.listEmployees(o)),
      listTeams: (o) => (asked(o), client.listTeams(o)),
      listAccounts: (o) => (asked(o), client.listAccounts(o)),
      listTagGroups: (o) => (asked(o), client.listTagGroups(o)),
      listTaxCodes: (o) => (asked(o), client.listTaxCodes(o)),
      listTags: (id, o) => (asked(o), client.listTags(id, o)),
    };
    const d = await wd.fetchDirectory(source, captureLogger().logger);
    expect(limits.length).toBeGreaterThanOrEqual(5 + d.tagGroups.length);
    expect(new Set(limits)).toEqual(new Set([100]));
  });

  it("only Pleo's own 403/404 skip a list: another failure carrying such a status fails the read", async () => {
    await reset();
    const notPleo = Object.assign(new Error("proxy said no"), { status: 404 });
    const source: SyncSource = { ...client, listTeams: () => Promise.reject(notPleo) };
    await expect(wd.fetchDirectory(source, captureLogger().logger)).rejects.toBe(notPleo);
  });

  it("any other failure of a list, or of the company, fails the read", async () => {
    for (const path of ["/v1-beta/accounts:search", `/v1/companies/${LARGE_COMPANY_ID}`]) {
      await reset({ path, status: 400 });
      const err = await wd.fetchDirectory(client, captureLogger().logger).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PleoApiError);
      expect(err).toMatchObject({ status: 400 });
    }
  });
});

describe("writeDirectory, bumpDataVersion, saveWalletCurrency (pglite)", () => {
  beforeEach(load);
  let tdb: TestDatabase;
  let prisma: PrismaClient;
  beforeAll(async () => {
    tdb = await createTestDatabase("pglite-copy");
    prisma = tdb.prisma;
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  async function company(): Promise<string> {
    const id = randomUUID();
    await prisma.pleoCompany.create({ data: { id, name: "Before sync" } });
    return id;
  }

  function directory(companyId: string): Directory {
    const group: TagGroup = { id: randomUUID(), companyId, name: "Projects", code: "PRJ", archived: false };
    const company: Company = {
      id: companyId,
      name: "Nordlys ApS",
      organizationId: randomUUID(),
      registrationNumber: "DK12345678",
      address: {
        addressLine1: "Havnegade 1",
        addressLine2: null,
        locality: "København",
        region: null,
        postalCode: "1058",
        country: "DK",
      },
      timeZone: "Europe/Copenhagen",
    };
    const employees: Employee[] = [
      {
        id: randomUUID(),
        companyId,
        email: "mette@example.com",
        firstName: "Mette",
        lastName: "Jensen",
        code: "E1",
        jobTitle: "CFO",
      },
    ];
    const teams: Team[] = [{ id: randomUUID(), companyId, name: "Sales", code: "S" }];
    const accounts: LedgerAccount[] = [
      { id: randomUUID(), companyId, code: "6000", name: "Travel", externalId: "x-6000", archived: true },
    ];
    const tags: Tag[] = [{ id: randomUUID(), tagGroupId: group.id, name: "Apollo", code: "AP", archived: false }];
    const taxCodes: TaxCode[] = [
      { id: randomUUID(), companyId, name: "VAT 25", code: "V25", rate: "0.25", type: "PURCHASE", archived: false },
    ];
    return { company, employees, teams, accounts, tagGroups: [group], tags, taxCodes };
  }

  it("writes the company and every list; written again it changes nothing", async () => {
    const c = await company();
    const d = directory(c);
    const result = await wd.writeDirectory(prisma, c, d);
    // The company row and one row of each of the six tables.
    expect(result).toEqual({ changed: 7, anomalies: [] });
    expect(await prisma.pleoCompany.findUniqueOrThrow({ where: { id: c } })).toMatchObject({
      name: "Nordlys ApS",
      organizationId: d.company.organizationId,
      registrationNumber: "DK12345678",
      country: "DK",
      address: d.company.address,
      timeZone: "Europe/Copenhagen",
    });
    const { syncedAt: employeeSynced, ...employee } = await prisma.employee.findUniqueOrThrow({
      where: { id: d.employees[0].id },
    });
    expect(employee).toEqual(d.employees[0]);
    expect(await prisma.team.findUniqueOrThrow({ where: { id: d.teams[0].id } })).toMatchObject(d.teams[0]);
    expect(await prisma.ledgerAccount.findUniqueOrThrow({ where: { id: d.accounts[0].id } })).toMatchObject(
      d.accounts[0],
    );
    expect(await prisma.tagGroup.findUniqueOrThrow({ where: { id: d.tagGroups[0].id } })).toMatchObject(d.tagGroups[0]);
    expect(await prisma.tag.findUniqueOrThrow({ where: { id: d.tags[0].id } })).toMatchObject({
      ...d.tags[0],
      companyId: c,
    });
    const tax = await prisma.taxCode.findUniqueOrThrow({ where: { id: d.taxCodes[0].id } });
    expect({ ...tax, rate: tax.rate.toString() }).toMatchObject(d.taxCodes[0]);

    expect(await wd.writeDirectory(prisma, c, d)).toEqual({ changed: 0, anomalies: [] });
    expect((await prisma.employee.findUniqueOrThrow({ where: { id: d.employees[0].id } })).syncedAt).toEqual(
      employeeSynced,
    );

    // Each change counts once; the synced time moves with it.
    const longAgo = new Date(Date.UTC(2020, 0, 1));
    await prisma.employee.update({ where: { id: d.employees[0].id }, data: { syncedAt: longAgo } });
    const changedAgain = await wd.writeDirectory(prisma, c, {
      ...d,
      company: { ...d.company, address: null, timeZone: null },
      employees: [{ ...d.employees[0], jobTitle: "CEO" }],
      tags: [{ ...d.tags[0], archived: true }],
    });
    expect(changedAgain).toEqual({ changed: 3, anomalies: [] });
    expect(await prisma.pleoCompany.findUniqueOrThrow({ where: { id: c } })).toMatchObject({
      country: null,
      address: null,
      timeZone: null,
    });
    // No address is SQL NULL, not a JSON null (which Prisma would read back as null all the same).
    expect(
      await prisma.$queryRawUnsafe(`SELECT "address" IS NULL AS "none" FROM "PleoCompany" WHERE "id" = $1::uuid`, c),
    ).toEqual([{ none: true }]);
    const updated = await prisma.employee.findUniqueOrThrow({ where: { id: d.employees[0].id } });
    expect(updated.jobTitle).toBe("CEO");
    expect(updated.syncedAt.getTime()).toBeGreaterThan(Date.UTC(2021, 0, 1));
    expect(await prisma.tag.findUniqueOrThrow({ where: { id: d.tags[0].id } })).toMatchObject({ archived: true });

    // Every other column of every list is written on a change (each row counts once).
    const flipped: Directory = {
      ...d,
      company: { ...d.company, address: null, timeZone: null },
      employees: [{ ...d.employees[0], jobTitle: "CEO" }],
      teams: [{ ...d.teams[0], name: "Field sales", code: "FS" }],
      accounts: [{ ...d.accounts[0], code: "6001", name: "Travel abroad", externalId: "x-6001", archived: false }],
      tagGroups: [{ ...d.tagGroups[0], name: "Clients", code: "CLI", archived: true }],
      tags: [{ ...d.tags[0], name: "Zeus", code: "ZS", archived: false }],
      taxCodes: [{ ...d.taxCodes[0], name: "VAT 12", code: "V12", rate: "0.12", type: "SALE", archived: true }],
    };
    expect(await wd.writeDirectory(prisma, c, flipped)).toEqual({ changed: 5, anomalies: [] });
    expect(await prisma.team.findUniqueOrThrow({ where: { id: d.teams[0].id } })).toMatchObject(flipped.teams[0]);
    expect(await prisma.ledgerAccount.findUniqueOrThrow({ where: { id: d.accounts[0].id } })).toMatchObject(
      flipped.accounts[0],
    );
    expect(await prisma.tagGroup.findUniqueOrThrow({ where: { id: d.tagGroups[0].id } })).toMatchObject(
      flipped.tagGroups[0],
    );
    expect(await prisma.tag.findUniqueOrThrow({ where: { id: d.tags[0].id } })).toMatchObject(flipped.tags[0]);
    const taxAfter = await prisma.taxCode.findUniqueOrThrow({ where: { id: d.taxCodes[0].id } });
    expect({ ...taxAfter, rate: taxAfter.rate.toString() }).toMatchObject(flipped.taxCodes[0]);
  });

  it("each company field change counts as a change", async () => {
    const c = await company();
    const d = directory(c);
    await wd.writeDirectory(prisma, c, d);
    const changes: Partial<Company>[] = [
      { name: "Renamed" },
      { organizationId: null },
      { registrationNumber: "DK0" },
      { address: { ...d.company.address!, locality: "Aarhus" } },
      { address: { ...d.company.address!, country: "SE" } },
      { timeZone: "Europe/Stockholm" },
    ];
    let current = d.company;
    for (const change of changes) {
      current = { ...current, ...change };
      const { changed } = await wd.writeDirectory(prisma, c, { ...d, company: current });
      expect({ change, changed }).toEqual({ change, changed: 1 });
    }
    expect(await prisma.pleoCompany.findUniqueOrThrow({ where: { id: c } })).toMatchObject({
      name: "Renamed",
      organizationId: null,
      registrationNumber: "DK0",
      country: "SE",
      address: current.address,
      timeZone: "Europe/Stockholm",
    });
  });

  it("rows of another company in a list, or whose id another company holds, are not written; nothing is moved", async () => {
    const a = await company();
    const b = await company();
    const da = directory(a);
    await wd.writeDirectory(prisma, a, da);
    const db = directory(b);
    // Pleo answers B's lists with A's ids (a shared id), and a list row that names another company.
    const stray: Employee = { ...db.employees[0], id: randomUUID(), companyId: a };
    const clash = {
      employees: [{ ...db.employees[0], id: da.employees[0].id.toUpperCase(), firstName: "B" }, stray],
      teams: [{ ...db.teams[0], id: da.teams[0].id }],
      accounts: [{ ...db.accounts[0], id: da.accounts[0].id }],
      tagGroups: [...db.tagGroups, { ...da.tagGroups[0], companyId: b }],
      tags: [
        ...db.tags,
        { ...db.tags[0], id: da.tags[0].id },
        // A tag of the group skipped above is not written either.
        { ...da.tags[0], id: randomUUID(), tagGroupId: da.tagGroups[0].id },
        // Nor one of a group this directory does not list.
        { ...db.tags[0], id: randomUUID(), tagGroupId: randomUUID() },
      ],
      taxCodes: [{ ...db.taxCodes[0], id: da.taxCodes[0].id }],
    };
    const before = {
      employee: await prisma.employee.findUniqueOrThrow({ where: { id: da.employees[0].id } }),
      tags: await prisma.tag.count(),
    };
    const result = await wd.writeDirectory(prisma, b, { ...db, ...clash });
    expect(result.anomalies).toEqual([
      { table: "Employee", id: da.employees[0].id, heldBy: a },
      { table: "Team", id: da.teams[0].id, heldBy: a },
      { table: "LedgerAccount", id: da.accounts[0].id, heldBy: a },
      { table: "TagGroup", id: da.tagGroups[0].id, heldBy: a },
      { table: "Tag", id: da.tags[0].id, heldBy: a },
      { table: "TaxCode", id: da.taxCodes[0].id, heldBy: a },
    ]);
    // B's company row, its own tag group and its tag.
    expect(result.changed).toBe(3);
    expect(await prisma.employee.findUniqueOrThrow({ where: { id: da.employees[0].id } })).toEqual(before.employee);
    expect(await prisma.employee.count({ where: { id: stray.id } })).toBe(0);
    expect(await prisma.tag.count()).toBe(before.tags + 1);
    expect(await prisma.tag.findUniqueOrThrow({ where: { id: db.tags[0].id } })).toMatchObject({ companyId: b });
    for (const [table, id] of [
      ["team", da.teams[0].id],
      ["ledgerAccount", da.accounts[0].id],
      ["tagGroup", da.tagGroups[0].id],
      ["tag", da.tags[0].id],
      ["taxCode", da.taxCodes[0].id],
    ] as const) {
      const row = await (
        prisma[table] as unknown as { findUniqueOrThrow: (q: object) => Promise<object> }
      ).findUniqueOrThrow({ where: { id } });
      expect({ table, row }).toMatchObject({ table, row: { companyId: a } });
    }
  });

  it("a row another company's sync writes after the ownership check is still not taken over", async () => {
    const a = await company();
    const b = await company();
    const db = directory(b);
    // Another company's sync inserts the same employee id between B's check and B's upsert: only the
    // upsert's own condition stands between them.
    let raced = 0;
    const racing: SqlRunner = {
      $queryRawUnsafe: prisma.$queryRawUnsafe.bind(prisma),
      $executeRawUnsafe: (async (query: string, ...values: unknown[]) => {
        if (query.startsWith('INSERT INTO "Employee"')) {
          raced += 1;
          await prisma.employee.create({ data: { ...db.employees[0], companyId: a, firstName: "A's" } });
        }
        return prisma.$executeRawUnsafe(query, ...values);
      }) as SqlRunner["$executeRawUnsafe"],
    };
    // The company row, the team, account, tag group, tag and tax code: not the employee.
    expect(await wd.writeDirectory(racing, b, db)).toEqual({ changed: 6, anomalies: [] });
    expect(raced).toBe(1);
    expect(await prisma.employee.findUniqueOrThrow({ where: { id: db.employees[0].id } })).toMatchObject({
      companyId: a,
      firstName: "A's",
    });
  });

  it("bumpDataVersion moves the version past both the last one and the clock; only for that company", async () => {
    const a = await company();
    const b = await company();
    const version = async (id: string) => (await prisma.pleoCompany.findUniqueOrThrow({ where: { id } })).dataVersion;
    const before = Date.now();
    await wd.bumpDataVersion(prisma, a);
    const first = await version(a);
    expect(first).toBeGreaterThanOrEqual(BigInt(before - 5_000));
    expect(first).toBeLessThanOrEqual(BigInt(Date.now() + 5_000));
    expect(await version(b)).toBe(0n);
    // A version ahead of the clock moves on by one.
    const ahead = BigInt(Date.now() + 3_600_000);
    await prisma.pleoCompany.update({ where: { id: a }, data: { dataVersion: ahead } });
    await wd.bumpDataVersion(prisma, a);
    expect(await version(a)).toBe(ahead + 1n);
  });

  it("saveWalletCurrency writes the currency once; the same again changes nothing", async () => {
    const a = await company();
    const b = await company();
    await prisma.pleoCompany.update({ where: { id: a }, data: { updatedAt: new Date(Date.UTC(2020, 0, 1)) } });
    expect(await wd.saveWalletCurrency(prisma, a, "DKK")).toBe(1);
    const row = await prisma.pleoCompany.findUniqueOrThrow({ where: { id: a } });
    expect(row.currency).toBe("DKK");
    expect(row.updatedAt.getTime()).toBeGreaterThan(Date.UTC(2021, 0, 1));
    expect(await wd.saveWalletCurrency(prisma, a, "DKK")).toBe(0);
    expect(await wd.saveWalletCurrency(prisma, a, "SEK")).toBe(1);
    expect((await prisma.pleoCompany.findUniqueOrThrow({ where: { id: b } })).currency).toBeNull();
  });
});
