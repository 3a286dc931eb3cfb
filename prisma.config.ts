// Prisma CLI configuration. Only `prisma generate` and `prisma migrate diff` are used, both offline:
// the JS schema engine on an in-memory PGlite replaces the schema-engine binary Prisma would
// otherwise download. Migrations are applied by scripts/migrate.ts (PGlite and PostgreSQL alike).
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { defineConfig } from "prisma/config";

// The CLI validates `env("DATABASE_URL")` even for `generate`, which never connects: give it a
// placeholder so a fresh `npm install` works with no configuration.
process.env.DATABASE_URL ??= "postgresql://unused@localhost:5432/unused";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the PGlite adapter is typed against an older @prisma/driver-adapter-utils
  adapter: async () => new PrismaPGlite(new PGlite()) as any,
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
});
