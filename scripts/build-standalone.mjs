/**
 * Second half of `npm run build` (after `next build`): completes <distDir>/standalone into the whole
 * production install (README, "Deploying"), so deploying is copying that one directory:
 *
 *   server.js, node_modules/, <distDir>/server   – from Next (output: "standalone", traced files only)
 *   <distDir>/static/, public/                   – copied here: Next leaves the browser assets out
 *   prisma/migrations/                           – copied here: migrate.mjs applies them, GET
 *                                                  /api/ready checks they were applied
 *   node_modules/@prisma/client/runtime          – pruned here to what the generated client loads
 *   migrate.mjs                                  – scripts/migrate.ts bundled here with esbuild, so
 *                                                  migrations run with plain `node` (no tsx, no
 *                                                  TypeScript); pg and PGlite come from the traced
 *                                                  node_modules next to it
 *   tokens-reseal.mjs                            – scripts/tokens-reseal.ts, bundled the same way
 *   start-check.mjs, server.js                   – scripts/start-check.ts bundled the same way, and a
 *                                                  server.js that runs it before Next's own server
 *                                                  (renamed next-server.js) listens: a configuration
 *                                                  that is not deployable stops the start, naming
 *                                                  every problem
 *
 * Plain Node, no TypeScript: it runs right after `next build` on the build machine.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const distDir = process.env.NEXT_DIST_DIR || ".next";
const standalone = path.join(root, distDir, "standalone");

if (!fs.existsSync(path.join(standalone, "server.js"))) {
  process.stderr.write(`${path.relative(root, standalone)}/server.js is missing: run \`next build\` first.\n`);
  process.exit(1);
}

function copyDir(from, to) {
  if (!fs.existsSync(from)) return false;
  fs.rmSync(to, { recursive: true, force: true });
  fs.cpSync(from, to, { recursive: true });
  return true;
}

// Next traces @prisma/client's whole runtime folder (~58 MB: every database's query engine and query
// compiler). The generated client (engineType "client", provider postgresql) loads client.js and the
// PostgreSQL query compiler only; the rest goes (outputFileTracingExcludes does not reach these traces
// under Turbopack). The e2e cluster suite runs the pruned install against every route.
const prismaRuntime = path.join(standalone, "node_modules", "@prisma", "client", "runtime");
const keep = /^(client\.|query_compiler_bg\.postgresql\.|index-browser\.)/;
if (fs.existsSync(prismaRuntime)) {
  for (const file of fs.readdirSync(prismaRuntime)) {
    if (!keep.test(file)) fs.rmSync(path.join(prismaRuntime, file), { recursive: true, force: true });
  }
}

copyDir(path.join(root, distDir, "static"), path.join(standalone, distDir, "static"));
copyDir(path.join(root, "public"), path.join(standalone, "public"));
copyDir(path.join(root, "prisma", "migrations"), path.join(standalone, "prisma", "migrations"));

/** A script bundled with esbuild into the install, so it runs with plain `node` from there. */
async function bundleScript(entry, outfile, external) {
  await build({
    entryPoints: [path.join(root, "scripts", entry)],
    outfile: path.join(standalone, outfile),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // `server-only` resolves to its empty module under this condition, as in Next's server bundles.
    conditions: ["react-server"],
    tsconfig: path.join(root, "tsconfig.json"),
    // Loaded from the standalone node_modules (traced there because the server uses them too).
    external,
    banner: {
      js: [
        'import { createRequire as __createRequire } from "node:module";',
        'import { dirname as __dirname_of } from "node:path";',
        'import { fileURLToPath as __file_of } from "node:url";',
        "const require = __createRequire(import.meta.url);",
        // Like server.js: relative paths (prisma/migrations, a relative PGLITE_DIR) mean the install's own.
        "process.chdir(__dirname_of(__file_of(import.meta.url)));",
      ].join("\n"),
    },
    // These scripts are part of a production build: lib/env.ts then applies production rules whatever
    // NODE_ENV the environment carries, as it does in Next's own server bundles.
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "warning",
    legalComments: "none",
  });
}

const DATABASE_DRIVERS = ["pg", "@electric-sql/pglite", "pino"];
await bundleScript("migrate.ts", "migrate.mjs", DATABASE_DRIVERS);
// Key rotation (README, "Deploying"): it uses the portal's Prisma client. Its runtime (pruned above) and
// the PGlite adapter are in the traced node_modules; the PostgreSQL adapter, which Next bundles into the
// server, is bundled here too.
await bundleScript("tokens-reseal.ts", "tokens-reseal.mjs", [
  ...DATABASE_DRIVERS,
  "@prisma/client",
  "pglite-prisma-adapter",
]);

await bundleScript("start-check.ts", "start-check.mjs", ["pino"]);

// server.js: the configuration check, then Next's server. `next build` writes a fresh server.js each
// time; a second run of this script finds its own wrapper there and leaves it.
const WRAPPER_MARK = "// portal: configuration check before Next's server";
const serverJs = path.join(standalone, "server.js");
if (!fs.readFileSync(serverJs, "utf8").startsWith(WRAPPER_MARK)) {
  fs.renameSync(serverJs, path.join(standalone, "next-server.js"));
  fs.writeFileSync(
    serverJs,
    [
      WRAPPER_MARK,
      "// (scripts/build-standalone.mjs): an invalid configuration exits 1 here, before anything listens.",
      'import { checkConfiguration } from "./start-check.mjs";',
      "",
      "if (!checkConfiguration()) process.exit(1);",
      'await import("./next-server.js");',
      "",
    ].join("\n"),
  );
}

process.stdout.write(
  `standalone install ready in ${path.relative(root, standalone)}/ (server.js, migrate.mjs, tokens-reseal.mjs, start-check.mjs, prisma/migrations, static assets)\n`,
);
