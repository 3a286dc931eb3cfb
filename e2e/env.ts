/** Ports and configuration shared by playwright.config.ts and the specs. */
export const E2E_PORTAL_PORT = Number(process.env.E2E_PORTAL_PORT ?? 3100);
export const E2E_SANDBOX_PORT = Number(process.env.E2E_SANDBOX_PORT ?? 4110);
export const PORTAL_URL = `http://127.0.0.1:${E2E_PORTAL_PORT}`;
export const SANDBOX_URL = `http://127.0.0.1:${E2E_SANDBOX_PORT}`;
export const E2E_PGLITE_DIR = process.env.E2E_PGLITE_DIR ?? ".data/e2e-pglite";
