/**
 * The e2e stacks, shared by playwright.config.ts and the specs. Each Playwright project gets its own
 * portal (the same production build on a fresh database) and its own sandbox, so no spec sees another
 * spec's connections, faults or counters: the dashboard spec watches the first sync of a company
 * nobody connected before, whatever ran earlier. E2E_PORTAL_PORT / E2E_SANDBOX_PORT are the first
 * stack's ports; the next stack takes the next port of each.
 */
export type Stack = {
  name: string;
  portalPort: number;
  portalUrl: string;
  sandboxPort: number;
  sandboxUrl: string;
  /** The portal's embedded database, deleted before every run. */
  pgliteDir: string;
  /** The signed-in browser state this stack's setup project saves (Playwright's `storageState`). */
  storageState: string;
};

const FIRST_PORTAL_PORT = Number(process.env.E2E_PORTAL_PORT ?? 3100);
const FIRST_SANDBOX_PORT = Number(process.env.E2E_SANDBOX_PORT ?? 4110);
const PGLITE_DIR = process.env.E2E_PGLITE_DIR ?? ".data/e2e-pglite";

function stack(name: string, index: number): Stack {
  const portalPort = FIRST_PORTAL_PORT + index;
  const sandboxPort = FIRST_SANDBOX_PORT + index;
  return {
    name,
    portalPort,
    portalUrl: `http://127.0.0.1:${portalPort}`,
    sandboxPort,
    sandboxUrl: `http://127.0.0.1:${sandboxPort}`,
    pgliteDir: index === 0 ? PGLITE_DIR : `${PGLITE_DIR}-${name}`,
    storageState: `${PGLITE_DIR}-${name}-signed-in.json`,
  };
}

/** e2e/connect.spec.ts: drives the connect flow itself, from a signed-out browser. */
export const CONNECT_STACK = stack("connect", 0);
/** e2e/dashboard.spec.ts: a browser signed in by the setup project. */
export const DASHBOARD_STACK = stack("dashboard", 1);
/** e2e/settings.spec.ts: the integration settings page, signed in by its own setup project. */
export const SETTINGS_STACK = stack("settings", 2);
/** e2e/dashboard.spec.ts again, against a sandbox in strict mode (only what Pleo documents). */
export const DASHBOARD_STRICT_STACK = stack("dashboard-strict", 3);

/**
 * e2e/cluster/: several portal instances (the deployed production install, not this checkout) on one
 * PostgreSQL, started by the specs themselves on ports from E2E_PORTAL_PORT + 50 (3150–3199 by
 * default), each spec with its own in-process sandbox. `deployFile` records where the setup project
 * copied the install.
 */
export const CLUSTER = {
  firstPort: FIRST_PORTAL_PORT + 50,
  lastPort: FIRST_PORTAL_PORT + 99,
  deployFile: `${PGLITE_DIR}-cluster-deploy.json`,
};

/**
 * e2e/proofs/tenant.spec.ts: its own portal (the production build on a scratch PostgreSQL database, so
 * the spec can read every table while the portal runs) on E2E_PORTAL_PORT + 10, with an in-process
 * sandbox.
 */
export const PROOFS = { portalPort: FIRST_PORTAL_PORT + 10 };
