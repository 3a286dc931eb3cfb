import "server-only";

import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

import { SANDBOX_DEFAULTS } from "@/lib/sandbox-defaults";

/**
 * Portal configuration, validated once. In development a missing secret is generated once into
 * `.data/dev-secrets.json` and Pleo defaults to the sandbox, so `npm run dev` needs no `.env`. A
 * production build gets no defaults and refuses what is only safe on a developer's machine (http
 * URLs, the sandbox's public client secret, no AUTH_URL), naming every problem in one error; the
 * production start checks this before the server listens (scripts/start-check.ts).
 */

export { SANDBOX_DEFAULTS };

/**
 * Whether this code runs as a production build. Next's build and the install's bundled scripts
 * replace `process.env.NODE_ENV` here with "production" at build time, so a NODE_ENV the environment
 * sets at run time cannot turn a production build back into a development one; unbundled code
 * (`npm run dev`, tests, tsx scripts) reads the variable.
 */
export function isProductionBuild(): boolean {
  return process.env.NODE_ENV === "production";
}

/** Production rules apply: a production build, or an environment that says NODE_ENV=production. */
export function runsAsProduction(raw: { NODE_ENV?: string }): boolean {
  return isProductionBuild() || raw.NODE_ENV === "production";
}

export const DEFAULT_PLEO_SCOPES =
  "accounting-entries:read users:read companies:read accounts:read tag-groups:read export-jobs:read export-items:read tax-codes:read";

const keyListPattern = /^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/_-]{43}=?(,[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/_-]{43}=?)*$/;

const httpUrl = z
  .string()
  .url("must be an http(s) URL")
  .refine((v) => /^https?:\/\//.test(v), "must be an http(s) URL")
  .transform((v) => v.replace(/\/+$/, ""));

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  // The portal's public URL (next-auth reads it too): every URL it builds, the redirect_uri sent to Pleo
  // included, uses this origin instead of the request's Host header. Required in production.
  AUTH_URL: httpUrl.optional(),
  // Production only: accept http URLs, for evaluating a production build against the local sandbox.
  ALLOW_INSECURE_HTTP: z.enum(["true", "false"]).default("false"),
  AUTH_SECRET: z.string().min(32, "must be at least 32 characters (e.g. `openssl rand -base64 32`)"),
  TOKEN_ENCRYPTION_KEYS: z
    .string()
    .regex(keyListPattern, "must be `keyId:base64-32-byte-key[,keyId:key…]`, newest first"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL")
    .optional(),
  PGLITE_DIR: z.string().min(1).default(".data/pglite"),
  PLEO_AUTH_URL: httpUrl,
  PLEO_API_URL: httpUrl,
  PLEO_CLIENT_ID: z.string().min(1),
  PLEO_CLIENT_SECRET: z.string().min(1),
  PLEO_SCOPES: z
    .string()
    .regex(/^[a-z0-9:._-]+( [a-z0-9:._-]+)*$/i, "must be space-separated scopes")
    .default(DEFAULT_PLEO_SCOPES),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  BACKGROUND_JOBS: z.enum(["on", "off"]).default("on"),
  // Refresh connections whose refresh token is older than this, so an idle 60-day token never lapses.
  TOKEN_KEEPALIVE_DAYS: z.coerce.number().int().min(1).max(50).default(7),
  // Portal sessions end after this long without a request (idle) and this long after sign-in (absolute).
  SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(5)
    .max(7 * 24 * 60)
    .default(120),
  SESSION_MAX_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 24)
    .default(12),
  // Client-side limit per connection (Pleo allows 600/min and asks for at most 500).
  PLEO_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(600).default(500),
  // On SIGTERM: stop taking work, let running work finish, exit within this (README → Deploying).
  SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(25),
  // Dashboard widget reads cached per company data version (lib/expenses/cache.ts); off for diagnostics.
  DASHBOARD_CACHE: z.enum(["on", "off"]).default("on"),
  // Abuse limits (README → Security → Abuse limits): hits allowed per window, per client address for the
  // sign-in routes and per session for the signed-in actions. Far above what a person does by hand.
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  RATE_LIMIT_CONNECT: z.coerce.number().int().min(1).max(100_000).default(20),
  RATE_LIMIT_CALLBACK: z.coerce.number().int().min(1).max(100_000).default(20),
  RATE_LIMIT_EXPORT: z.coerce.number().int().min(1).max(100_000).default(30),
  RATE_LIMIT_SYNC: z.coerce.number().int().min(1).max(100_000).default(6),
  RATE_LIMIT_SETTINGS: z.coerce.number().int().min(1).max(100_000).default(20),
  // How many reverse proxies in front of the portal append to X-Forwarded-For; 0 = clients connect
  // directly and the header is not trusted (lib/limits/client-address.ts).
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
});

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}\n` + "See README.md → Configuration.");
    this.name = "ConfigError";
  }
}

type RawEnv = Record<string, string | undefined>;

/**
 * What a production start refuses beyond the schema (README, "Security"): a deployment must name its
 * public URL, talk https, and not use the sandbox's client secret, which is published in this
 * repository. `ALLOW_INSECURE_HTTP=true` lets http through for a local evaluation (the start logs it);
 * only then, and only towards a Pleo on http (the local sandbox), is the sandbox's secret accepted.
 */
export function productionProblems(raw: RawEnv): string[] {
  const problems: string[] = [];
  const insecureAllowed = raw.ALLOW_INSECURE_HTTP === "true";
  if (!raw.AUTH_URL) problems.push("AUTH_URL is missing (the portal's public https URL; required in production)");
  for (const name of ["AUTH_URL", "PLEO_AUTH_URL", "PLEO_API_URL"] as const) {
    const value = raw[name];
    if (value && /^http:\/\//i.test(value) && !insecureAllowed) {
      problems.push(
        `${name} must be an https URL in production (ALLOW_INSECURE_HTTP=true allows http for a local evaluation)`,
      );
    }
  }
  const towardsLocalSandbox = insecureAllowed && /^http:\/\//i.test(raw.PLEO_AUTH_URL ?? "");
  if (raw.PLEO_CLIENT_SECRET === SANDBOX_DEFAULTS.PLEO_CLIENT_SECRET && !towardsLocalSandbox) {
    problems.push("PLEO_CLIENT_SECRET is the sandbox's public secret: use the secret Pleo issued for your client");
  }
  return problems;
}

/**
 * Pure: validate a raw environment. Throws ConfigError naming every bad variable; with `production`
 * (default: this is a production build, or NODE_ENV says so) also every `productionProblems`.
 */
export function parseEnv(raw: RawEnv, opts: { production?: boolean } = {}): Env {
  const production = opts.production ?? runsAsProduction(raw);
  const cleaned = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ""));
  const result = envSchema.safeParse(cleaned);
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => {
        const name = issue.path.join(".");
        return raw[name] === undefined || raw[name] === "" ? `${name} is missing` : `${name} ${issue.message}`;
      });
  if (production) problems.push(...productionProblems(cleaned));
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data;
}

const DEV_SECRETS_FILE = "dev-secrets.json";

/** Development only: secrets generated once per checkout and kept (gitignored) under `.data/`. */
export function loadOrCreateDevSecrets(dataDir: string): { AUTH_SECRET: string; TOKEN_ENCRYPTION_KEYS: string } {
  const file = path.join(dataDir, DEV_SECRETS_FILE);
  try {
    const parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    if (typeof parsed.AUTH_SECRET === "string" && typeof parsed.TOKEN_ENCRYPTION_KEYS === "string") {
      return parsed;
    }
  } catch {
    // missing or unreadable: create below
  }
  const secrets = {
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    TOKEN_ENCRYPTION_KEYS: `dev1:${randomBytes(32).toString("base64url")}`,
  };
  fs.mkdirSync(dataDir, { recursive: true });
  // wx: if two processes race, the first file wins and the second reads it.
  try {
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { flag: "wx", mode: 0o600 });
    return secrets;
  } catch {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  }
}

/**
 * Fill development defaults (sandbox URLs and credentials, generated secrets). A production build gets
 * none, whatever NODE_ENV the environment carries.
 */
export function withDevelopmentDefaults(raw: RawEnv, dataDir = ".data", production = runsAsProduction(raw)): RawEnv {
  if (production) return raw;
  const out: RawEnv = { ...raw };
  for (const [k, v] of Object.entries(SANDBOX_DEFAULTS)) if (!out[k]) out[k] = v;
  if (!out.AUTH_SECRET || !out.TOKEN_ENCRYPTION_KEYS) {
    const secrets = loadOrCreateDevSecrets(dataDir);
    out.AUTH_SECRET ||= secrets.AUTH_SECRET;
    out.TOKEN_ENCRYPTION_KEYS ||= secrets.TOKEN_ENCRYPTION_KEYS;
  }
  return out;
}

let cached: Env | undefined;

/** The process's configuration (validated on first use, then cached). */
export function env(): Env {
  cached ??= parseEnv(withDevelopmentDefaults(process.env));
  return cached;
}

/** Tests only: forget the cached configuration after changing process.env. */
export function resetEnvForTests(): void {
  cached = undefined;
}
