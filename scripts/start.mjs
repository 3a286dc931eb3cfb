/**
 * `npm start` on a checkout, after `npm run build`: the production install run in place, as a
 * deployment runs it (README, "Deploying"): `node migrate.mjs`, then `node server.js`, both from
 * <distDir>/standalone. Plain Node with no dependencies, so it works after `npm ci --omit=dev`.
 *
 * The standalone scripts resolve relative paths against their own directory; a checkout keeps its
 * embedded database in ./.data/pglite (shared with `npm run dev`), so PGLITE_DIR is made absolute here.
 * PORT defaults to 3000. The server runs in this process (signals reach Next.js's own handlers).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const standalone = path.resolve(process.env.NEXT_DIST_DIR || ".next", "standalone");
const server = path.join(standalone, "server.js");
const migrate = path.join(standalone, "migrate.mjs");
if (!fs.existsSync(server) || !fs.existsSync(migrate)) {
  process.stderr.write(`No production build in ${standalone}: run \`npm run build\` first.\n`);
  process.exit(1);
}

process.env.NODE_ENV ||= "production";
process.env.PORT ||= "3000";
if (!process.env.DATABASE_URL) process.env.PGLITE_DIR = path.resolve(process.env.PGLITE_DIR || ".data/pglite");

// Migrations first, in their own process: PGlite allows one process per directory at a time, and a
// failed migration (or invalid configuration) must stop the start.
const migrated = spawnSync(process.execPath, [migrate], { stdio: "inherit", env: process.env });
if (migrated.status !== 0) process.exit(migrated.status ?? 1);

await import(pathToFileURL(server).href);
