/**
 * `npm run db:new-migration -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql with
 * the SQL that takes the schema at the last migration to prisma/schema.prisma. Offline replacement for
 * `prisma migrate dev` (which needs a shadow database). The "from" side is
 * prisma/migrations/schema.snapshot.prisma, the schema as of the latest migration, because
 * `migrate diff --from-migrations` fails on PGlite; the script updates the snapshot after writing.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const name = (process.argv[2] ?? "").replace(/[^a-z0-9_]/gi, "_").toLowerCase();
if (!name) {
  console.error("usage: npm run db:new-migration -- <name>");
  process.exit(2);
}

const root = process.cwd();
const snapshot = path.join(root, "prisma", "migrations", "schema.snapshot.prisma");
if (!fs.existsSync(snapshot)) {
  console.error(`missing ${snapshot}: it records the schema the latest migration produces.`);
  process.exit(1);
}
const sql = execFileSync(
  "npx",
  [
    "prisma",
    "migrate",
    "diff",
    "--from-schema-datamodel",
    snapshot,
    "--to-schema-datamodel",
    "prisma/schema.prisma",
    "--script",
  ],
  { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
);
if (/^-- This is an empty migration\.\s*$/m.test(sql)) {
  console.log("schema unchanged: no migration written");
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const dir = path.join(root, "prisma", "migrations", `${stamp}_${name}`);
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, "migration.sql"), sql);
fs.copyFileSync(path.join(root, "prisma", "schema.prisma"), snapshot);
console.log(`wrote ${path.relative(root, dir)}/migration.sql (and updated the schema snapshot)`);
