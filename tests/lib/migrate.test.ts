import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openPGlite } from "@/lib/db/connect";
import { migratePGlite, migratePostgres, readMigrations } from "@/lib/db/migrate";
import { createTestDatabase, hasPostgres } from "@/tests/support/db";

describe("migrations on PGlite", () => {
  it("apply once, record Prisma-compatible history, and are idempotent", async () => {
    const db = openPGlite(null);
    const first = await migratePGlite(db);
    expect(first.applied).toEqual(readMigrations().map((m) => m.name));
    const again = await migratePGlite(db);
    expect(again.applied).toEqual([]);
    const rows = (
      await db.query<{ migration_name: string; checksum: string; finished_at: Date }>(
        `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations"`,
      )
    ).rows;
    expect(rows.map((r) => r.checksum)).toEqual(readMigrations().map((m) => m.checksum));
    expect(rows.every((r) => r.finished_at instanceof Date)).toBe(true);
    await db.close();
  });

  it("roll back a failing migration entirely and refuse an edited one", async () => {
    const db = openPGlite(null);
    const base = readMigrations();
    await migratePGlite(db, base);
    const broken = [
      ...base,
      { name: "99999999999999_broken", sql: `CREATE TABLE "Half" (id int); SELECT nope FROM nowhere;`, checksum: "x" },
    ];
    await expect(migratePGlite(db, broken)).rejects.toThrow();
    const half = await db.query(`SELECT to_regclass('"Half"') AS t`);
    expect((half.rows[0] as { t: unknown }).t).toBeNull();
    const edited = [{ ...base[0], checksum: "0".repeat(64) }];
    await expect(migratePGlite(db, edited)).rejects.toThrow(/checksum mismatch/);
    await db.close();
  });

  it("work on a PGlite directory that is reopened", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pglite-"));
    const a = openPGlite(dir);
    await migratePGlite(a);
    await a.close();
    const b = openPGlite(dir);
    expect((await migratePGlite(b)).applied).toEqual([]);
    await b.close();
  });
});

describe.skipIf(!hasPostgres)("migrations on PostgreSQL (TEST_DATABASE_URL)", () => {
  it("apply to a fresh database and stay idempotent under concurrent starts", async () => {
    const t = await createTestDatabase("postgres");
    try {
      const results = await Promise.all([migratePostgres(t.url!), migratePostgres(t.url!)]);
      expect(results.flatMap((r) => r.applied)).toEqual([]);
      const count = await t.prisma.user.count();
      expect(count).toBe(0);
    } finally {
      await t.drop();
    }
  });
});
