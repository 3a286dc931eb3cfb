import { defineConfig } from "@playwright/test";
import { findChromium } from "./e2e/chromium";
import { E2E_PGLITE_DIR, E2E_PORTAL_PORT, E2E_SANDBOX_PORT, PORTAL_URL, SANDBOX_URL } from "./e2e/env";

// E2E runs the production build (`next build` happens in `npm run test:e2e`) against a real sandbox.
// Secrets here are throwaway test values, not used anywhere else.
const portalEnv = {
  NODE_ENV: "production",
  PORT: String(E2E_PORTAL_PORT),
  AUTH_URL: PORTAL_URL,
  AUTH_SECRET: "e2e-auth-secret-e2e-auth-secret-e2e-auth-secret",
  TOKEN_ENCRYPTION_KEYS: "e2e1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY",
  PLEO_AUTH_URL: SANDBOX_URL,
  PLEO_API_URL: SANDBOX_URL,
  PLEO_CLIENT_ID: "sandbox-portal",
  PLEO_CLIENT_SECRET: "sandbox-portal-secret",
  PGLITE_DIR: E2E_PGLITE_DIR,
  DATABASE_URL: "",
  LOG_LEVEL: "warn",
};

export default defineConfig({
  testDir: "./e2e",
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL: PORTAL_URL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: findChromium(),
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium" }],
  webServer: [
    {
      command: "npm run sandbox",
      url: `${SANDBOX_URL}/__sandbox/stats`,
      env: {
        SANDBOX_PORT: String(E2E_SANDBOX_PORT),
        SANDBOX_REDIRECT_URIS: `${PORTAL_URL}/api/auth/callback/pleo`,
        SANDBOX_ENTRIES: "3000",
      },
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "pipe",
    },
    {
      // A fresh embedded database for every run.
      command: `rm -rf ${E2E_PGLITE_DIR} && npm run start`,
      url: `${PORTAL_URL}/`,
      env: portalEnv,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "pipe",
    },
  ],
});
