/**
 * A fresh, migrated database for one test file (or one benchmark run): an in-memory PGlite, a PGlite in
 * a temporary directory (another process, e.g. `next start`, can open it once this one has closed it),
 * or a brand-new PostgreSQL database created and dropped here (needs TEST_DATABASE_URL).
 */
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { setDatabaseForProcess } from "@/lib/db";
import { createDatabase, openPGlite, type Database } from "@/lib/db/connect";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { migratePGlite, migratePostgres, readMigrations } from "@/lib/db/migrate";
import { createScratchPostgres } from "./scratch-postgres";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

/** `describe.skipIf(databaseUnavailable(kind))` … and say so: suites print why they were skipped. */
export const hasPostgres = Boolean(TEST_DATABASE_URL);
if (!hasPostgres && !(globalThis as { __pgSkipNoted?: boolean }).__pgSkipNoted) {
  (globalThis as { __pgSkipNoted?: boolean }).__pgSkipNoted = true;
  console.info("[tests] TEST_DATABASE_URL not set: PostgreSQL suites are skipped (PGlite suites still run).");
}

/**
 * `pglite-copy`: a PGlite in a temporary directory copied from a migrated template (made once per set of
 * migrations, shared by processes): a second or two to open instead of the ten initdb takes on a loaded
 * machine. For focused suites that mutation testing runs once per mutant (README → Mutation testing).
 */
export type TestDatabaseKind = "pglite" | "pglite-dir" | "pglite-copy" | "postgres";

/** The kinds the database-backed suites run on, each in its own describe block. */
export const DATABASE_KINDS = ["pglite", "postgres"] as const;
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

/** True when `kind` cannot run here (PostgreSQL without TEST_DATABASE_URL). */
export function databaseUnavailable(kind: TestDatabaseKind): boolean {
  return kind === "postgres" && !hasPostgres;
}

export type TestDatabase = Database & {
  kind: TestDatabaseKind;
  /** PostgreSQL only: the database's URL. */
  url?: string;
  /** pglite-dir only: the data directory. */
  dir?: string;
  /** PGlite kinds: the engine itself, for SQL sent straight to the driver (benchmarks' floor). */
  pglite?: PGlite;
  /** Close it and delete it (database, directory). */
  drop(): Promise<void>;
};

/**
 * A fresh database of `kind`. With `processDatabase: true` it is also the process database (lib/db's
 * `db`, which the data modules and the connect flow read and write through) until it is dropped.
 */
export async function createTestDatabase(
  kind: TestDatabaseKind,
  opts: { processDatabase?: boolean } = {},
): Promise<TestDatabase> {
  const db = await openTestDatabase(kind);
  if (!opts.processDatabase) return db;
  setDatabaseForProcess(db);
  return {
    ...db,
    async drop() {
      setDatabaseForProcess(undefined);
      await db.drop();
    },
  };
}

async function openTestDatabase(kind: TestDatabaseKind): Promise<TestDatabase> {
  if (kind === "pglite") {
    const pglite = openPGlite(null);
    await migratePGlite(pglite);
    const db = createDatabase({ kind: "pglite", dir: null }, pglite);
    return { ...db, kind, pglite, drop: () => db.close() };
  }
  if (kind === "pglite-dir" || kind === "pglite-copy") {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portal-test-pglite-"));
    if (kind === "pglite-copy") fs.cpSync(await migratedTemplate(), dir, { recursive: true });
    const pglite = openPGlite(dir);
    await migratePGlite(pglite);
    const db = createDatabase({ kind: "pglite", dir }, pglite);
    return {
      ...db,
      kind,
      dir,
      pglite,
      async drop() {
        await db.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (!TEST_DATABASE_URL) throw new Error("TEST_DATABASE_URL is not set");
  const scratch = await createScratchPostgres(TEST_DATABASE_URL, "portal_test");
  await migratePostgres(scratch.url);
  const db = createDatabase({ kind: "postgres", url: scratch.url });
  return {
    ...db,
    kind,
    url: scratch.url,
    async drop() {
      await db.close();
      await scratch.drop();
    },
  };
}

/** The migrated PGlite data directory `pglite-copy` starts from, made on first use (a new one per set of migrations). */
async function migratedTemplate(): Promise<string> {
  const migrations = readMigrations();
  const hash = createHash("sha256")
    .update(migrations.map((m) => `${m.name}:${m.checksum}`).join("\n"))
    .digest("hex")
    .slice(0, 16);
  const template = path.join(os.tmpdir(), `portal-test-pglite-template-${hash}`);
  if (fs.existsSync(template)) return template;
  // Built aside and renamed into place, so a process never copies a half-made template.
  const building = `${template}.${randomUUID()}`;
  const pglite = openPGlite(building);
  await migratePGlite(pglite, migrations);
  await pglite.close();
  try {
    fs.renameSync(building, template);
  } catch (err) {
    // Another process got there first: theirs is as good.
    fs.rmSync(building, { recursive: true, force: true });
    if (!fs.existsSync(template)) throw err;
  }
  return template;
}

/** A transaction holding the database for `ms`; resolves once it has started, `done` when it ends. */
async function holdTransaction(prisma: PrismaClient, ms: number): Promise<{ done: Promise<void> }> {
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const done = prisma.$transaction(
    async (tx) => {
      await tx.$queryRaw`SELECT 1`;
      started();
      await new Promise((resolve) => setTimeout(resolve, ms));
    },
    { timeout: ms + 10_000 },
  );
  await Promise.race([running, done]);
  return { done };
}

/**
 * `target` (a Prisma client, or one of its models) with the member `key` replaced by `value`; every other
 * member is the target's own, its methods bound to it. How a test puts a wait, a count or a failure at
 * one call of the real database: `withMember(prisma, "$transaction", (...args) => …)`, or for a model's
 * method `withMember(prisma, "pleoConnection", withMember(prisma.pleoConnection, "updateMany", …))`.
 */
export function withMember<T extends object>(target: T, key: keyof T, value: unknown): T {
  return new Proxy(target, {
    get(t, k) {
      if (k === key) return value;
      const member = Reflect.get(t, k, t) as unknown;
      return typeof member === "function" ? (member as (...a: unknown[]) => unknown).bind(t) : member;
    },
  });
}

/** `prisma.$transaction`, untyped: for replacements that pass their arguments on as they came. */
export const transactionOf = (prisma: PrismaClient) =>
  prisma.$transaction.bind(prisma) as (...args: unknown[]) => Promise<unknown>;

/**
 * `prisma` whose every `$transaction` begins while another one (a long sync page commit, say) holds the
 * database for `ms`. PGlite runs one transaction at a time, so it waits, and Prisma gives up on it after
 * its `maxWait` (2 s by default): what the portal's longer `maxWait`s are for. On PostgreSQL the other
 * transaction holds only a pooled connection, so nothing waits.
 */
export function busyBeforeTransactions(prisma: PrismaClient, ms: number): PrismaClient {
  return withMember(prisma, "$transaction", async (...args: unknown[]) => {
    const hold = await holdTransaction(prisma, ms);
    try {
      return await transactionOf(prisma)(...args);
    } finally {
      await hold.done;
    }
  });
}

/**
 * `prisma` whose raw statements (`$executeRawUnsafe`) matching `pattern` fail, as a database error at
 * that very statement would; every other call goes to the real database.
 */
export function failingStatements(prisma: PrismaClient, pattern: RegExp): PrismaClient {
  return withMember(prisma, "$executeRawUnsafe", async (query: string, ...values: unknown[]) => {
    if (pattern.test(query)) throw new Error(`injected failure: ${query.slice(0, 40)}`);
    return prisma.$executeRawUnsafe(query, ...values);
  });
}

/** Run `fn` with the process database's client replaced by `prisma` (one of the above), then restore it. */
export async function withProcessPrisma<T>(database: Database, prisma: PrismaClient, fn: () => Promise<T>): Promise<T> {
  setDatabaseForProcess({ ...database, prisma });
  try {
    return await fn();
  } finally {
    setDatabaseForProcess(database);
  }
}

/** Run `fn` with the process database busy before each transaction (busyBeforeTransactions), then restore it. */
export function withBusyProcessDatabase<T>(database: Database, ms: number, fn: () => Promise<T>): Promise<T> {
  return withProcessPrisma(database, busyBeforeTransactions(database.prisma, ms), fn);
}
