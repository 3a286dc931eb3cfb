/**
 * Reusable steps of the connect flow for any spec: start at the Initiation URL (or from a click), log in
 * at the sandbox if it asks, pick the company on the consent page, Allow (or Deny), and wait until the
 * browser is back on the portal. Uses only what a user sees (labels and button names).
 */
import { expect, type Page } from "@playwright/test";
import { SANDBOX_URL } from "../env";

export type ConnectOptions = {
  email: string;
  password: string;
  companyName: string;
  /** Default: open /connect/pleo. Pass e.g. `() => page.getByRole("link", { name: "Connect Pleo" }).click()`. */
  start?: () => Promise<unknown>;
  decision?: "Allow" | "Deny";
};

/** Sandbox login (only if the sandbox does not remember the user) + consent, then back to the portal. */
export async function loginAndConsent(page: Page, opts: Omit<ConnectOptions, "start">): Promise<void> {
  const email = page.getByLabel("Email");
  const allow = page.getByRole("button", { name: "Allow" });
  await expect(email.or(allow)).toBeVisible();
  if (await email.isVisible()) {
    await email.fill(opts.email);
    await page.getByLabel("Password").fill(opts.password);
    await page.getByRole("button", { name: "Log in" }).click();
  }
  await page.getByRole("radio", { name: opts.companyName }).check();
  await page.getByRole("button", { name: opts.decision ?? "Allow" }).click();
  // "commit": the landing page may stream for a while (dashboard widgets); callers assert what they need.
  // Back on whichever portal started the flow (specs may run against different portal instances).
  const sandboxOrigin = new URL(SANDBOX_URL).origin;
  await page.waitForURL((url) => url.origin !== sandboxOrigin && !url.pathname.startsWith("/api/auth/"), {
    waitUntil: "commit",
  });
}

/** Connect (or reconnect) a Pleo company through the real sandbox forms; resolves on the portal page it lands on. */
export async function connectCompany(page: Page, opts: ConnectOptions): Promise<void> {
  if (opts.start) await opts.start();
  else await page.goto("/connect/pleo");
  await loginAndConsent(page, opts);
}

/** Forget the sandbox's login (the sandbox keeps a session cookie), so the next connect asks again. */
export async function forgetSandboxLogin(page: Page): Promise<void> {
  await page.context().clearCookies({ domain: new URL(SANDBOX_URL).hostname, path: "/oauth" });
}

/** Sandbox control API (faults, stats …) for specs. */
export async function sandboxControl(path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  const res = await fetch(`${SANDBOX_URL}/__sandbox${path}`, {
    method: init.method ?? (init.body ? "POST" : "GET"),
    headers: { "content-type": "application/json" },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  if (!res.ok) throw new Error(`sandbox control ${path}: HTTP ${res.status}`);
  return res;
}
