/**
 * lib/sync/sql.ts: the batch helpers the sync's writes are built on, against a real PGlite database
 * (a scratch table whose names need quoting): a recordset reads every column type back as sent,
 * bulkUpsert inserts, rewrites only what changed and only where `onlyIf` holds.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import {
  bulkUpsert,
  NOW_UTC,
  quoteIdent,
  recordset,
  toRecordsetJson,
  type Column,
  type SqlRunner,
} from "@/lib/sync/sql";
import { createTestDatabase, type TestDatabase } from "@/tests/support/db";

const COLUMNS: Column[] = [
  { name: "id", type: "uuid" },
  { name: 'na"me', type: "text" },
  { name: "labels", type: "text[]" },
  { name: "big", type: "bigint" },
  { name: "small", type: "integer" },
  { name: "rate", type: "numeric" },
  { name: "flag", type: "boolean" },
  { name: "at", type: "timestamp" },
  { name: "doc", type: "jsonb" },
];

describe("sql helpers (pglite)", () => {
  let tdb: TestDatabase;
  let prisma: PrismaClient;
  beforeAll(async () => {
    tdb = await createTestDatabase("pglite-copy");
    prisma = tdb.prisma;
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  it("quoteIdent doubles embedded quotes; recordset names each typed column", () => {
    expect(quoteIdent("plain")).toBe('"plain"');
    expect(quoteIdent('a"b"c')).toBe('"a""b""c"');
    expect(recordset([{ name: "id", type: "uuid" }])).toBe('jsonb_to_recordset($1::jsonb) AS x("id" uuid)');
    expect(
      recordset(
        [
          { name: "a", type: "timestamp" },
          { name: "b", type: "text[]" },
        ],
        3,
        "y",
      ),
    ).toBe('jsonb_to_recordset($3::jsonb) AS y("a" timestamp(3), "b" text[])');
    expect(NOW_UTC).toBe("(now() AT TIME ZONE 'UTC')");
  });

  it("toRecordsetJson writes bigints as strings and dates as ISO", () => {
    expect(toRecordsetJson([{ n: 12345678901234567890n, d: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), s: "x" }])).toBe(
      '[{"n":"12345678901234567890","d":"2026-01-02T03:04:05.006Z","s":"x"}]',
    );
  });

  it("a recordset reads every column type back as sent", async () => {
    const row = {
      id: randomUUID(),
      'na"me': "Ærø",
      labels: ["a", "b"],
      big: 9007199254740993n,
      small: 7,
      rate: "0.125",
      flag: true,
      at: new Date(Date.UTC(2026, 4, 6, 7, 8, 9, 10)),
      doc: { k: [1, "two"] },
    };
    const [back] = await prisma.$queryRawUnsafe<Record<string, unknown>[]>(
      `SELECT "id"::text, "na""me" AS name, labels, big::text, small, rate::text, flag, at::text, doc FROM ${recordset(COLUMNS)}`,
      toRecordsetJson([row]),
    );
    expect(back).toEqual({
      id: row.id,
      name: "Ærø",
      labels: ["a", "b"],
      big: "9007199254740993",
      small: 7,
      rate: "0.125",
      flag: true,
      at: "2026-05-06 07:08:09.01",
      doc: { k: [1, "two"] },
    });
  });

  describe("bulkUpsert", () => {
    const table = 'Scratch "upsert"';
    beforeAll(async () => {
      await prisma.$executeRawUnsafe(
        `CREATE TABLE ${quoteIdent(table)} (id uuid PRIMARY KEY, "na""me" text, labels text[], big bigint, small integer,
           rate numeric, flag boolean, at timestamp(3), doc jsonb, owner text, touched integer NOT NULL DEFAULT 0)`,
      );
    });
    const cols: Column[] = [...COLUMNS, { name: "owner", type: "text" }];
    const read = (id: string) =>
      prisma.$queryRawUnsafe<{ name: string; owner: string; touched: number; big: string }[]>(
        `SELECT "na""me" AS name, owner, touched, big::text FROM ${quoteIdent(table)} WHERE id = $1::uuid`,
        id,
      );
    const base = (over: Record<string, unknown> = {}) => ({
      id: randomUUID(),
      'na"me': "n",
      labels: ["x"],
      big: 1n,
      small: 1,
      rate: "1.5",
      flag: false,
      at: new Date(Date.UTC(2026, 0, 1)),
      doc: { a: 1 },
      owner: "me",
      ...over,
    });

    it("writes nothing for no rows, without a round trip", async () => {
      expect(await bulkUpsert(prisma, table, cols, [])).toBe(0);
      // An empty batch never reaches the database (a caller may be inside a transaction that has ended).
      const closed: SqlRunner = {
        $queryRawUnsafe: () => Promise.reject(new Error("no statement expected")),
        $executeRawUnsafe: () => Promise.reject(new Error("no statement expected")),
      } as unknown as SqlRunner;
      expect(await bulkUpsert(closed, table, cols, [])).toBe(0);
      await expect(bulkUpsert(closed, table, cols, [base()])).rejects.toThrow("no statement expected");
    });

    it("inserts new rows, rewrites changed ones only, and applies extra SET items", async () => {
      const a = base();
      const b = base();
      const touch = { extraSet: [`"touched" = ${quoteIdent(table)}."touched" + 1`] };
      expect(await bulkUpsert(prisma, table, cols, [a, b], touch)).toBe(2);
      expect(await bulkUpsert(prisma, table, cols, [a, b], touch)).toBe(0);
      expect(await bulkUpsert(prisma, table, cols, [a, { ...b, big: 2n }], touch)).toBe(1);
      expect(await read(b.id)).toEqual([{ name: "n", owner: "me", touched: 1, big: "2" }]);
      expect(await read(a.id)).toEqual([{ name: "n", owner: "me", touched: 0, big: "1" }]);
      // Without extra SET items.
      expect(await bulkUpsert(prisma, table, cols, [{ ...a, 'na"me': "renamed" }])).toBe(1);
      expect(await read(a.id)).toEqual([{ name: "renamed", owner: "me", touched: 0, big: "1" }]);
    });

    it("rewrites a row only where onlyIf holds", async () => {
      const a = base({ owner: "me" });
      const b = base({ owner: "other" });
      await bulkUpsert(prisma, table, cols, [a, b]);
      const onlyIf = `${quoteIdent(table)}."owner" = EXCLUDED."owner"`;
      const written = await bulkUpsert(
        prisma,
        table,
        cols,
        [
          { ...a, 'na"me': "changed" },
          { ...b, 'na"me': "changed", owner: "me" },
        ],
        { onlyIf },
      );
      expect(written).toBe(1);
      expect(await read(a.id)).toMatchObject([{ name: "changed", owner: "me" }]);
      expect(await read(b.id)).toMatchObject([{ name: "n", owner: "other" }]);
      // onlyIf is one condition: an OR inside it does not escape the change check.
      expect(await bulkUpsert(prisma, table, cols, [a], { onlyIf: "true OR true" })).toBe(1);
      expect(await bulkUpsert(prisma, table, cols, [a], { onlyIf: "true OR true" })).toBe(0);
    });
  });
});
