import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

/**
 * Dependencies between lib/ folders point one way (README, "Layout"):
 *
 *   auth → connections → pleo → db        sync → connections, pleo, db        expenses → db
 *   settings → connections, sync, pleo, db (only app/ imports it)
 *   ops → db (any folder may import ops)
 *
 * Each folder lists the folders it must not import; the shared lib/*.ts modules (env, log, crypto, …)
 * and lib/util import none. The root auth.ts is next-auth itself, so it counts as lib/auth.
 */
const DOMAINS = ["auth", "connections", "pleo", "sync", "expenses", "settings", "ops"];
const FORBIDDEN_IMPORTS = {
  "lib/auth": ["sync", "expenses", "settings"],
  "lib/connections": ["auth", "sync", "expenses", "settings"],
  "lib/pleo": ["auth", "connections", "sync", "expenses", "settings"],
  "lib/sync": ["auth", "expenses", "settings"],
  "lib/expenses": ["auth", "connections", "pleo", "sync", "settings"],
  "lib/settings": ["auth", "expenses"],
  "lib/ops": ["auth", "connections", "pleo", "sync", "expenses", "settings"],
  "lib/db": DOMAINS,
  "lib/util": DOMAINS,
};

/**
 * Server code logs through pino only (lib/log.ts: one JSON line per event, secrets redacted), never
 * console.*: a stray console line is unstructured and unredacted. The sandbox (it stands for Pleo),
 * tests and developer scripts are not server code.
 */
const SERVER_CODE = [
  "lib/**/*.{ts,tsx}",
  "app/**/*.{ts,tsx}",
  "pages/**/*.{ts,tsx}",
  "components/**/*.{ts,tsx}",
  "auth.ts",
  "proxy.ts",
  "instrumentation.ts",
  "scripts/migrate.ts",
];

/** `relative`: how a relative import reaches the other folders from these files. */
function restrictImports(files, name, banned, relative = "(\\.\\./)+") {
  const message = `${name} must not import ${banned.map((d) => `lib/${d}`).join(", ")}: dependencies between lib/ folders point one way (eslint.config.mjs, README "Layout").`;
  const patterns = [{ regex: `^(@/lib/|${relative})(${banned.join("|")})(/|$)`, message }];
  if (banned.includes("auth")) patterns.push({ regex: "^@/auth$", message });
  return { files, rules: { "no-restricted-imports": ["error", { patterns }] } };
}

const config = [
  ...nextCoreWebVitals,
  ...nextTypescript,
  {
    ignores: [
      "node_modules/**",
      ".next/**",
      ".next-*/**",
      ".data/**",
      "lib/generated/**",
      "test-results/**",
      "playwright-report/**",
      "reports/**",
      ".stryker-tmp/**",
      "next-env.d.ts",
    ],
  },
  ...Object.entries(FORBIDDEN_IMPORTS).map(([folder, banned]) =>
    restrictImports([`${folder}/**/*.{ts,tsx}`], folder, banned),
  ),
  restrictImports(["lib/*.{ts,tsx}"], "The shared lib/*.ts modules", [...DOMAINS, "db"], "\\.\\.?/"),
  { files: SERVER_CODE, rules: { "no-console": "error" } },
  {
    // PGlite runs one transaction at a time: one begun with Prisma's default 2 s maxWait fails while a
    // sync page commits or a disconnect deletes (lib/db/transactions.ts).
    files: SERVER_CODE,
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.property.name='$transaction'][arguments.length<2]",
          message:
            "Pass the transaction's options ({ ...WAIT_FOR_TURN } at least, from lib/db/transactions.ts): with Prisma's 2 s default maxWait it fails on PGlite while another transaction runs.",
        },
      ],
    },
  },
];

export default config;
