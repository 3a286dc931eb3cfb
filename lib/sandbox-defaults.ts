/**
 * Where `npm run sandbox` listens and the OAuth client it registers: what a development checkout talks
 * to with no configuration (lib/env.ts), and what a production start refuses (the client secret is
 * public). No imports, so proxy.ts can read it too.
 */
export const SANDBOX_URL = "http://127.0.0.1:4010";

export const SANDBOX_DEFAULTS = {
  PLEO_AUTH_URL: SANDBOX_URL,
  PLEO_API_URL: SANDBOX_URL,
  PLEO_CLIENT_ID: "sandbox-portal",
  PLEO_CLIENT_SECRET: "sandbox-portal-secret",
} as const;
