import { defineConfig } from "@playwright/test";
import { findChromium } from "./e2e/chromium";
import {
  DASHBOARD_PGLITE_DIR,
  DASHBOARD_PORTAL_PORT,
  DASHBOARD_PORTAL_URL,
  E2E_PGLITE_DIR,
  E2E_PORTAL_PORT,
  E2E_SANDBOX_PORT,
  PORTAL_URL,
  SANDBOX_URL,
} from "./e2e/env";

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
  // One portal per spec file, each on a fresh database: specs never see each other's connections.
  projects: [
    { name: "connect", testMatch: /connect\.spec\.ts$/, use: { baseURL: PORTAL_URL } },
    { name: "dashboard", testMatch: /dashboard\.spec\.ts$/, use: { baseURL: DASHBOARD_PORTAL_URL } },
  ],
  webServer: [
    {
      command: "npm run sandbox",
      url: `${SANDBOX_URL}/__sandbox/stats`,
      env: {
        SANDBOX_PORT: String(E2E_SANDBOX_PORT),
        SANDBOX_REDIRECT_URIS: `${PORTAL_URL}/api/auth/callback/pleo,${DASHBOARD_PORTAL_URL}/api/auth/callback/pleo`,
        SANDBOX_ENTRIES: "3000",
        SANDBOX_QUIET: "1",
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
    {
      command: `rm -rf ${DASHBOARD_PGLITE_DIR} && npm run start`,
      url: `${DASHBOARD_PORTAL_URL}/`,
      env: {
        ...portalEnv,
        PORT: String(DASHBOARD_PORTAL_PORT),
        AUTH_URL: DASHBOARD_PORTAL_URL,
        PGLITE_DIR: DASHBOARD_PGLITE_DIR,
      },
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "pipe",
    },
  ],
});
