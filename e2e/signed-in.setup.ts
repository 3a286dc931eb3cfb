/**
 * Setup project (Playwright's documented auth pattern): connect a company once through the real UI on
 * this project's own portal and sandbox, and save the signed-in browser state for the specs that only
 * need a signed-in user. The connect flow itself is tested in e2e/connect.spec.ts.
 */
import { resolvePeriod } from "@/lib/expenses/period";
import { connectCompany } from "./support/connect";
import { expect, test as setup } from "./support/test";

const SEARCH_PATH = "/v1/accounting-entries:search";
/** Each held page waits this long: minutes of hold over a backfill's pages, at most this after release. */
const HOLD_PAGE_MS = 10_000;

setup("sign in by connecting a company", async ({ page, signIn, sandbox }) => {
  if (!signIn) throw new Error("This setup project sets no `signIn` option (playwright.config.ts)");
  if (signIn.holdFirstSyncAfterPages !== undefined) {
    // The sandbox applies the first matching fault: a no-op one lets the first pages through, used up.
    if (signIn.holdFirstSyncAfterPages > 0) {
      await sandbox.fault({ path: SEARCH_PATH, latencyMs: 0, times: signIn.holdFirstSyncAfterPages });
    }
    await sandbox.fault({ path: SEARCH_PATH, latencyMs: HOLD_PAGE_MS });
  }
  if (signIn.entriesThisMonth) {
    const { companyId, timeZone, count } = signIn.entriesThisMonth;
    const monthStart = resolvePeriod("this-month", new Date(), timeZone).current!.start.getTime();
    // A minute's margin inside the month (the sandbox's clock is this machine's).
    const performedWithinSeconds = Math.max(1, Math.floor((Date.now() - monthStart) / 1000) - 60);
    const { created } = await sandbox.activity(companyId, { created: count, performedWithinSeconds });
    expect(created).toHaveLength(count);
  }
  await connectCompany(page, signIn);
  await expect(page).toHaveURL(/\/dashboard/);
  await expect(
    page.getByRole("navigation", { name: "Linked companies" }).getByRole("link", { name: signIn.companyName }),
  ).toBeVisible();
  await page.context().storageState({ path: signIn.storageState });
});
