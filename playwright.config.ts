import { defineConfig } from "@playwright/test";
import { findChromium } from "./e2e/chromium";
import { CONNECT_STACK, DASHBOARD_STACK, DASHBOARD_STRICT_STACK, SETTINGS_STACK, type Stack } from "./e2e/env";
import { PORTAL_LOGS_DIR } from "./e2e/support/recorder";
import type { E2EOptions } from "./e2e/support/test";
import { COMPANY_BRIGHTWAVE, COMPANY_NORDLYS, DEMO_USER } from "./sandbox/seed/fixtures";
import { portalEnv } from "./tests/support/portal-env";

// E2E runs the production build (`next build` happens in `npm run test:e2e`) against real sandboxes,
// one portal + sandbox + fresh database per project (e2e/env.ts). Secrets are the throwaway test ones.

/** The sandbox of a stack, with `entries` in the large company (Nordlys); `strict`: only what Pleo documents. */
function sandboxServer(stack: Stack, entries: number, strict = false) {
  return {
    command: "npm run sandbox",
    url: `${stack.sandboxUrl}/__sandbox/stats`,
    env: {
      SANDBOX_PORT: String(stack.sandboxPort),
      SANDBOX_REDIRECT_URIS: `${stack.portalUrl}/api/auth/callback/pleo`,
      SANDBOX_ENTRIES: String(entries),
      SANDBOX_QUIET: "1",
      SANDBOX_STRICT: strict ? "1" : "0",
    },
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe" as const,
  };
}

/** The portal of a stack: the production build on a fresh embedded database, talking to its own sandbox. */
function portalServer(stack: Stack) {
  return {
    // Its output also goes to a file for the secret scan (e2e/proofs/secret-scan.final.ts).
    command: `rm -rf ${stack.pgliteDir} && mkdir -p ${PORTAL_LOGS_DIR} && npm run start 2>&1 | tee ${PORTAL_LOGS_DIR}/${stack.name}.log`,
    url: `${stack.portalUrl}/`,
    env: portalEnv(stack.sandboxUrl, {
      NODE_ENV: "production",
      PORT: String(stack.portalPort),
      AUTH_URL: stack.portalUrl,
      PGLITE_DIR: stack.pgliteDir,
      DATABASE_URL: "",
      LOG_LEVEL: "warn",
      // e2e/limits.spec.ts plays clients at other addresses through X-Forwarded-For.
      TRUST_PROXY_HOPS: "1",
    }),
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe" as const,
  };
}

export default defineConfig<Record<never, never>, E2EOptions>({
  testDir: "./e2e",
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
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
  projects: [
    // The connect flow itself, driven through the UI from a signed-out browser.
    {
      name: "connect",
      testMatch: /connect\.spec\.ts$/,
      use: { baseURL: CONNECT_STACK.portalUrl, sandboxUrl: CONNECT_STACK.sandboxUrl },
    },
    // Specs that only need a signed-in user: a setup project connects once on the same stack's portal and
    // saves the browser state; the dependent project starts from it. The dashboard spec runs twice: against
    // the sandbox's default mode, and against strict mode (only what Pleo documents), each on its own
    // portal with a fresh database.
    ...[
      { name: "dashboard", stack: DASHBOARD_STACK, strict: false },
      { name: "dashboard strict", stack: DASHBOARD_STRICT_STACK, strict: true },
    ].flatMap(({ name, stack, strict }) => [
      {
        name: `${name} setup`,
        testMatch: /signed-in\.setup\.ts$/,
        use: {
          baseURL: stack.portalUrl,
          sandboxUrl: stack.sandboxUrl,
          strictSandbox: strict,
          signIn: {
            email: DEMO_USER.email,
            password: DEMO_USER.password,
            companyName: COMPANY_NORDLYS.name,
            storageState: stack.storageState,
            // The dashboard spec's first test watches this first sync's progress bar.
            holdFirstSyncAfterPages: 2,
            // Its other tests read this month's entries (mileage, invoices, receipts, …): as many as a
            // month's first half has, on its first day too.
            entriesThisMonth: { companyId: COMPANY_NORDLYS.id, timeZone: "Europe/Copenhagen", count: 150 },
          },
        },
      },
      {
        name,
        testMatch: /dashboard\.spec\.ts$/,
        dependencies: [`${name} setup`],
        use: {
          baseURL: stack.portalUrl,
          sandboxUrl: stack.sandboxUrl,
          strictSandbox: strict,
          storageState: stack.storageState,
        },
      },
    ]),
    // The integration settings page: signed in with the demo user's small company (its sync is quick).
    {
      name: "settings setup",
      testMatch: /signed-in\.setup\.ts$/,
      use: {
        baseURL: SETTINGS_STACK.portalUrl,
        sandboxUrl: SETTINGS_STACK.sandboxUrl,
        signIn: {
          email: DEMO_USER.email,
          password: DEMO_USER.password,
          companyName: COMPANY_BRIGHTWAVE.name,
          storageState: SETTINGS_STACK.storageState,
        },
      },
    },
    {
      name: "settings",
      // limits.spec.ts: the abuse limits, with this project's signed-in session for the export's.
      testMatch: /(settings|limits)\.spec\.ts$/,
      dependencies: ["settings setup"],
      use: {
        baseURL: SETTINGS_STACK.portalUrl,
        sandboxUrl: SETTINGS_STACK.sandboxUrl,
        storageState: SETTINGS_STACK.storageState,
      },
    },
    // The cross-tenant sweep and the fuzz (README "Security", "Proofs"): their own portal on PostgreSQL.
    { name: "proofs", testMatch: /proofs\/tenant\.spec\.ts$/, timeout: 300_000 },
    // The secret scan, after the projects whose browsers it recorded and whose portals' logs it reads.
    {
      name: "secret scan",
      testMatch: /proofs\/secret-scan\.final\.ts$/,
      dependencies: ["connect", "dashboard", "dashboard strict", "settings", "proofs"],
    },
    // Several instances of the deployed production install on one PostgreSQL (e2e/cluster/): a setup
    // project deploys it as README "Deploying" says; the specs start and stop their own instances.
    {
      name: "cluster deploy",
      testMatch: /cluster\/deploy\.setup\.ts$/,
      teardown: "cluster teardown",
    },
    { name: "cluster teardown", testMatch: /cluster\/deploy\.teardown\.ts$/ },
    {
      name: "cluster",
      testMatch: /cluster\/.*\.spec\.ts$/,
      dependencies: ["cluster deploy"],
      timeout: 240_000,
    },
  ],
  webServer: [
    sandboxServer(CONNECT_STACK, 3000),
    portalServer(CONNECT_STACK),
    sandboxServer(DASHBOARD_STACK, 3000),
    portalServer(DASHBOARD_STACK),
    sandboxServer(SETTINGS_STACK, 500),
    portalServer(SETTINGS_STACK),
    sandboxServer(DASHBOARD_STRICT_STACK, 3000, true),
    portalServer(DASHBOARD_STRICT_STACK),
  ],
});
