/**
 * Reusable steps of the connect flow for any spec: start at the Initiation URL (or from a click), log in
 * at the sandbox if it asks, pick the company on the consent page, Allow (or Deny), and wait until the
 * browser is back on the portal. Uses only what a user sees (labels and button names).
 */
import { expect, type Page } from "@playwright/test";

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
  // On the sandbox now, whichever one this project's portal uses.
  const sandboxOrigin = new URL(page.url()).origin;
  if (await email.isVisible()) {
    await email.fill(opts.email);
    await page.getByLabel("Password").fill(opts.password);
    await page.getByRole("button", { name: "Log in" }).click();
  }
  await page.getByRole("radio", { name: opts.companyName }).check();
  await page.getByRole("button", { name: opts.decision ?? "Allow" }).click();
  // "commit": the landing page may stream for a while (dashboard widgets); callers assert what they need.
  // Back on the portal that started the flow.
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
export async function forgetSandboxLogin(page: Page, sandboxUrl: string): Promise<void> {
  await page.context().clearCookies({ domain: new URL(sandboxUrl).hostname, path: "/oauth" });
}
