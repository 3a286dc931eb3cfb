/**
 * `npm install` / `npm ci`: generates the Prisma client (lib/generated/prisma) with the Prisma CLI, a
 * devDependency. After `npm ci --omit=dev` on a built checkout the CLI is absent and nothing needs
 * generating (the client is compiled into the build), so this says so and succeeds.
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
let cli;
try {
  cli = require.resolve("prisma/build/index.js");
} catch {
  process.stdout.write("postinstall: Prisma CLI not installed (production install): client generation skipped.\n");
  process.exit(0);
}
const r = spawnSync(process.execPath, [cli, "generate"], { stdio: "inherit" });
process.exit(r.status ?? 1);
