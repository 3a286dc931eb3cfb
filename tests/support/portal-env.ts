/**
 * The portal's configuration for a test run, as plain values: fixed throwaway secrets and the
 * sandbox's OAuth client. Imports nothing server-only, so Playwright's config and scripts that spawn
 * `next start` can use it too; tests/support/env.ts applies it to the current process.
 */

/** Throwaway values used only by tests, e2e and benchmarks. Tokens sealed with them carry key id `t1`. */
export const TEST_SECRETS = {
  AUTH_SECRET: "test-auth-secret-test-auth-secret-0123456789",
  TOKEN_ENCRYPTION_KEYS: "t1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY",
} as const;

/** The OAuth client the sandbox registers by default (sandbox/config.ts). */
export const SANDBOX_CLIENT = { clientId: "sandbox-portal", clientSecret: "sandbox-portal-secret" } as const;

/** Every variable the portal needs to talk to the sandbox at `sandboxUrl`, plus `overrides`. */
export function portalEnv(sandboxUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ...TEST_SECRETS,
    PLEO_AUTH_URL: sandboxUrl,
    PLEO_API_URL: sandboxUrl,
    PLEO_CLIENT_ID: SANDBOX_CLIENT.clientId,
    PLEO_CLIENT_SECRET: SANDBOX_CLIENT.clientSecret,
    // Production builds here (e2e, benchmarks) are local evaluations: http to a local sandbox, with its
    // client. Development and tests ignore it.
    ALLOW_INSECURE_HTTP: "true",
    ...overrides,
  };
}

/**
 * The abuse limits (README → Security → Abuse limits) out of the way of runs that sign in, sync or
 * export many times a minute as one client: the unit suites (configurePortal) and the load benchmark.
 * tests/limits and e2e/limits.spec.ts run with real limits.
 */
export const UNLIMITED: Record<string, string> = {
  RATE_LIMIT_CONNECT: "100000",
  RATE_LIMIT_CALLBACK: "100000",
  RATE_LIMIT_EXPORT: "100000",
  RATE_LIMIT_SYNC: "100000",
  RATE_LIMIT_SETTINGS: "100000",
};
