/**
 * Playwright's `test` with the e2e suite's options: which sandbox this project's portal talks to, and
 * (for setup projects) whom to sign in as. Set per project in playwright.config.ts; specs import
 * `test` and `expect` from here.
 */
import { test as base } from "@playwright/test";
import { SandboxControl } from "../../tests/support/sandbox";

export { expect } from "@playwright/test";

/** What a setup project signs in with: the connect flow through the UI, then `storageState` saved. */
export type SignIn = {
  email: string;
  password: string;
  companyName: string;
  /** Where the signed-in state is saved; the dependent project's `use.storageState`. */
  storageState: string;
  /**
   * Hold the company's first sync for a spec to watch: after this many pages of Pleo's entry search,
   * every further page waits 10 s at the sandbox until that spec clears the sandbox's faults. The sync
   * is then still running, with its progress known, however long other projects run in between.
   */
  holdFirstSyncAfterPages?: number;
};

export type E2EOptions = {
  /** This project's sandbox (e2e/env.ts). */
  sandboxUrl: string;
  /** Whether that sandbox runs in strict mode (serves only what Pleo documents). */
  strictSandbox: boolean;
  /** Setup projects only. */
  signIn: SignIn | null;
};

export const test = base.extend<Record<never, never>, E2EOptions & { sandbox: SandboxControl }>({
  sandboxUrl: ["", { option: true, scope: "worker" }],
  strictSandbox: [false, { option: true, scope: "worker" }],
  signIn: [null, { option: true, scope: "worker" }],
  /** The control API of this project's sandbox (faults, stats, …). */
  sandbox: [
    async ({ sandboxUrl }, use) => {
      if (!sandboxUrl) throw new Error("This Playwright project sets no sandboxUrl (playwright.config.ts)");
      await use(new SandboxControl(sandboxUrl));
    },
    { scope: "worker" },
  ],
});
