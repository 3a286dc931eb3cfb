/**
 * Points the portal's configuration in this process at a sandbox: the one way tests and benchmarks
 * set the environment. Nothing here runs on import; call `configurePortal` (a world does it for you).
 */
import { resetEnvForTests } from "@/lib/env";
import { resetLimitersForTests } from "@/lib/limits/limits";
import { resetTokenManagerForProcess } from "@/lib/pleo/tokens";
import { portalEnv, UNLIMITED } from "./portal-env";

export { portalEnv, SANDBOX_CLIENT, TEST_SECRETS, UNLIMITED } from "./portal-env";

/**
 * Set PLEO_* URLs and client, the test secrets and `overrides` (e.g. `PLEO_RATE_LIMIT_PER_MINUTE`,
 * `AUTH_URL`, `TOKEN_KEEPALIVE_DAYS`) in `process.env`, then forget what was derived from the previous
 * configuration: the cached env (lib/env), the process token manager (it captured the OAuth settings)
 * and the abuse limiters (they captured their limits).
 * LOG_LEVEL stays as the shell set it, else `silent` (`LOG_LEVEL=debug npx vitest run …` to see logs).
 * DATABASE_URL is removed: tests inject their own database and must never touch a developer's.
 */
export function configurePortal(sandboxUrl: string, overrides: Record<string, string> = {}): void {
  Object.assign(
    process.env,
    portalEnv(sandboxUrl, { LOG_LEVEL: process.env.LOG_LEVEL ?? "silent", ...UNLIMITED, ...overrides }),
  );
  delete process.env.DATABASE_URL;
  resetEnvForTests();
  resetTokenManagerForProcess();
  resetLimitersForTests();
}
