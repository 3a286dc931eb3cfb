/**
 * Playwright's `test` with the e2e suite's options: which sandbox this project's portal talks to, and
 * (for setup projects) whom to sign in as. Set per project in playwright.config.ts; specs import
 * `test` and `expect` from here.
 */
import { expect, test as base, type BrowserContext } from "@playwright/test";
import { SandboxControl } from "../../tests/support/sandbox";
import { ResponseRecorder } from "./recorder";

export { expect };

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
  /**
   * Before connecting, add this many entries to the company, performed since this month began in
   * `timeZone`: a spec that reads "this month" (every kind of entry it looks for) then has them on a
   * month's first day too. The seed's entries are spread over 18 months, a few a day.
   */
  entriesThisMonth?: { companyId: string; timeZone: string; count: number };
};

export type E2EOptions = {
  /** This project's sandbox (e2e/env.ts). */
  sandboxUrl: string;
  /** Whether that sandbox runs in strict mode (serves only what Pleo documents). */
  strictSandbox: boolean;
  /** Setup projects only. */
  signIn: SignIn | null;
};

/** Console lines that report a Content-Security-Policy violation (Chromium's own, and ours below). */
const CSP_VIOLATION = /Content Security Policy|CSP violation/i;

/** Every CSP violation any guarded context of this worker saw, in order (a spec that provokes one on purpose takes it out). */
export const cspViolations: string[] = [];
const guarded = new WeakSet<BrowserContext>();

/**
 * Records CSP violations of every page in `context` (proxy.ts sends the policy): an inline script or
 * style without the nonce, an eval, a form posting elsewhere. Chromium logs most to the console; the
 * securitypolicyviolation event catches the rest.
 */
async function guardCsp(context: BrowserContext): Promise<void> {
  if (guarded.has(context)) return;
  guarded.add(context);
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.documentURI}`),
    );
  });
  context.on("console", (msg) => {
    if (msg.type() === "error" && CSP_VIOLATION.test(msg.text())) cspViolations.push(msg.text());
  });
}

export const test = base.extend<
  { cspGuard: void; recordResponses: void },
  E2EOptions & { sandbox: SandboxControl; recorder: ResponseRecorder }
>({
  /**
   * Contexts a spec makes itself (`browser.newContext()`, e.g. one for a whole serial file) are
   * guarded too: the worker's browser hands out guarded contexts.
   */
  browser: [
    async ({ browser }, use) => {
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (options) => {
        const context = await newContext(options);
        await guardCsp(context);
        return context;
      };
      await use(browser);
    },
    { scope: "worker" },
  ],
  /** Every test fails on a CSP violation seen while it ran, in any page of any context. */
  cspGuard: [
    async ({ context }, use) => {
      await guardCsp(context);
      const before = cspViolations.length;
      await use();
      expect(cspViolations.slice(before), "Content-Security-Policy violations in the browser console").toEqual([]);
    },
    { auto: true },
  ],
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
  // Every browser context a spec opens (its own or the default one) is recorded for the secret scan
  // (e2e/support/recorder.ts).
  recorder: [
    async ({ browser }, use, workerInfo) => {
      const recorder = new ResponseRecorder(String(workerInfo.workerIndex));
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (options) => {
        const context = await newContext(options);
        recorder.attach(context);
        return context;
      };
      await use(recorder);
      browser.newContext = newContext;
    },
    // Auto: set up before any beforeAll opens a context.
    { scope: "worker", auto: true },
  ],
  recordResponses: [
    async ({ recorder }, use, testInfo) => {
      recorder.test = `${testInfo.project.name} › ${testInfo.titlePath.slice(1).join(" › ")}`;
      await use();
      await recorder.flush();
    },
    { auto: true },
  ],
});
