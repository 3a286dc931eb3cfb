/**
 * A new, empty PostgreSQL database on the server of `adminUrl` (TEST_DATABASE_URL), and a way to drop it
 * (forcing other connections off). Plain `pg`, nothing server-only: the unit suites and the e2e cluster
 * specs both use it.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export type ScratchPostgres = { url: string; drop(): Promise<void> };

async function admin(adminUrl: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export async function createScratchPostgres(adminUrl: string, prefix: string): Promise<ScratchPostgres> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  await admin(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
