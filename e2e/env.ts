/** Ports and configuration shared by playwright.config.ts and the specs. */
export const E2E_PORTAL_PORT = Number(process.env.E2E_PORTAL_PORT ?? 3100);
export const E2E_SANDBOX_PORT = Number(process.env.E2E_SANDBOX_PORT ?? 4110);
export const PORTAL_URL = `http://127.0.0.1:${E2E_PORTAL_PORT}`;
// The dashboard spec gets a portal of its own (same build, own database) so that its first-sync checks
// see a company nobody connected before, whatever ran earlier.
export const DASHBOARD_PORTAL_PORT = E2E_PORTAL_PORT + 1;
export const DASHBOARD_PORTAL_URL = `http://127.0.0.1:${DASHBOARD_PORTAL_PORT}`;
export const SANDBOX_URL = `http://127.0.0.1:${E2E_SANDBOX_PORT}`;
export const E2E_PGLITE_DIR = process.env.E2E_PGLITE_DIR ?? ".data/e2e-pglite";
export const DASHBOARD_PGLITE_DIR = `${E2E_PGLITE_DIR}-dashboard`;
