/** Sandbox options; every one can also come from the environment (see optionsFromEnv / main.ts). */
export interface SandboxOptions {
  port: number;
  host: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  seed: number;
  /** Entry count of the large company (the demo user's first company). */
  entries: number;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** 600 requests/minute per token when on. */
  rateLimit: boolean;
  /** Suppress request logging. */
  quiet: boolean;
  /**
   * Serve only what Pleo documents (FOUND in the reference): no `supplier.name`, no `/v1/teams`, and
   * optional fields sometimes absent (chosen from the seed, the same on every request). See README.
   */
  strict: boolean;
}

export const DEFAULT_OPTIONS: SandboxOptions = {
  port: 4010,
  host: "127.0.0.1",
  clientId: "sandbox-portal",
  clientSecret: "sandbox-portal-secret",
  redirectUris: ["http://localhost:3000/api/auth/callback/pleo", "http://127.0.0.1:3000/api/auth/callback/pleo"],
  seed: 42,
  entries: 5000,
  accessTokenTtlSeconds: 600,
  refreshTokenTtlSeconds: 60 * 24 * 3600,
  rateLimit: true,
  quiet: false,
  strict: false,
};

/** Requests per minute per access token (FOUND: Pleo's documented 600/min). */
export const RATE_LIMIT_PER_MINUTE = 600;

export function resolveOptions(opts: Partial<SandboxOptions> = {}): SandboxOptions {
  const defined = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  return { ...DEFAULT_OPTIONS, ...defined } as SandboxOptions;
}

function boolEnv(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === "") return undefined;
  return !["off", "false", "0", "no"].includes(raw);
}

function intEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<SandboxOptions> {
  const redirect = env.SANDBOX_REDIRECT_URIS?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    port: intEnv(env, "SANDBOX_PORT"),
    host: env.SANDBOX_HOST || undefined,
    clientId: env.SANDBOX_CLIENT_ID || undefined,
    clientSecret: env.SANDBOX_CLIENT_SECRET || undefined,
    redirectUris: redirect && redirect.length > 0 ? redirect : undefined,
    seed: intEnv(env, "SANDBOX_SEED"),
    entries: intEnv(env, "SANDBOX_ENTRIES"),
    accessTokenTtlSeconds: intEnv(env, "SANDBOX_ACCESS_TOKEN_TTL"),
    refreshTokenTtlSeconds: intEnv(env, "SANDBOX_REFRESH_TOKEN_TTL"),
    rateLimit: boolEnv(env, "SANDBOX_RATE_LIMIT"),
    quiet: env.SANDBOX_QUIET ? env.SANDBOX_QUIET !== "0" : undefined,
    strict: boolEnv(env, "SANDBOX_STRICT"),
  };
}
