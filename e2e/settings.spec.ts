/**
 * The integration settings page (Pleo's Settings URL) end to end, signed in by the setup project with
 * the demo user's Brightwave: health, settings saved with the installation activated (also when Pleo
 * fails on the installation endpoints first), Sync now with progress, the history window, another
 * account's company in the URL and in action payloads, a grant revoked in Pleo (the company leaves the
 * session, every page says so) and Reconnect from the keyboard, the disconnect dialog, a disconnect while
 * Pleo is unreachable finished by Retry now, connecting again with the kept data, and a disconnect that
 * deletes it. axe runs on every page and on the open dialog.
 */
import type { BrowserContext, Locator, Page } from "@playwright/test";
import { COMPANY_BRIGHTWAVE, COMPANY_THISTLE, DEMO_USER, SOLO_USER } from "@/sandbox/seed/fixtures";
import { SETTINGS_STACK } from "./env";
import { expectAccessible } from "./support/axe";
import { connectCompany } from "./support/connect";
import { expect, test } from "./support/test";

test.describe.configure({ mode: "serial" });
test.use({ locale: "en-GB" });

const MINE = COMPANY_BRIGHTWAVE;
const THEIRS = COMPANY_THISTLE;
const SETTINGS = "/settings/integrations/pleo";
const INSTALLATION = "/v1/installations/me";

let context: BrowserContext;
let page: Page;
/** Another portal account (the solo user) with its own company, in its own browser. */
let otherContext: BrowserContext;
let other: Page;

const section = (p: Page = page, name = MINE.name) => p.getByRole("region", { name, exact: true });
const health = () => section().getByTestId("health-panel");
const syncPanel = () => section().getByTestId("sync-panel");
const frequency = (p: Page = page) => p.getByLabel("Sync frequency");
const history = () => page.getByLabel("History window");
const saveButton = () => page.getByRole("button", { name: "Save settings" });
const activity = () => section().getByTestId("activity-panel");

/** Open the company's settings and wait until no sync runs (the page refreshes itself while one does). */
async function openIdle(p: Page = page, companyId = MINE.id): Promise<void> {
  await p.goto(`${SETTINGS}?company=${companyId}`);
  await expect(p.getByTestId("settings-sync-progress")).toHaveCount(0, { timeout: 60_000 });
  await expect(p.getByTestId("last-run")).not.toContainText("No sync has finished yet", { timeout: 60_000 });
}

/** Replace a form's hidden company id, as a tampered request would. */
async function forgeCompanyId(form: Locator, companyId: string): Promise<void> {
  await form.locator('input[name="companyId"]').evaluate((el, id) => ((el as HTMLInputElement).value = id), companyId);
}

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext({ locale: "en-GB", storageState: SETTINGS_STACK.storageState });
  page = await context.newPage();
  // A fresh profile: new contexts otherwise start from this project's signed-in storageState.
  otherContext = await browser.newContext({ locale: "en-GB", storageState: { cookies: [], origins: [] } });
  other = await otherContext.newPage();
  await connectCompany(other, { email: SOLO_USER.email, password: SOLO_USER.password, companyName: THEIRS.name });
  await expect(other).toHaveURL(/\/dashboard/);
});

test.afterAll(async ({ sandbox }) => {
  await context?.close();
  await otherContext?.close();
  await sandbox.clearFaults().catch(() => undefined);
});

test.afterEach(async ({ sandbox }) => {
  await sandbox.clearFaults();
});

test("health at a glance: status with reason and since, company id, scopes, installation, token age", async () => {
  await openIdle();
  await expect(section().getByRole("heading", { level: 2 })).toHaveText(MINE.name);
  await expect(health().getByTestId("connection-status")).toContainText("Connected");
  await expect(health().getByTestId("connection-status")).toContainText(/since .* UTC/);
  await expect(health()).toContainText(MINE.id);
  await expect(health()).toContainText("All 6 scopes the portal needs are granted.");
  await expect(health().getByTestId("installation-status")).toContainText("Authorised, not activated");
  await expect(health().getByTestId("installation-status")).toContainText("Save the settings below once");
  await expect(health().getByTestId("token-age")).toContainText(
    /Last rotated .* at least 60 days.* may end it earlier/,
  );
  await expect(syncPanel().getByTestId("last-run")).toContainText("Succeeded");
  await expect(syncPanel().getByRole("table", { name: /Last \d+ runs/ })).toBeVisible();
  await expect(activity().locator('tr[data-event="connected"]')).toContainText("You");
  // No token value anywhere in the page.
  expect(await page.content()).not.toMatch(/v[12]\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+/);
  await expectAccessible(page, "settings");
});

test("the dashboard's header, company switcher and banners link to the company's settings section", async () => {
  await page.goto("/dashboard");
  await page.getByRole("link", { name: `Connection settings for ${MINE.name}` }).click();
  await expect(page).toHaveURL(new RegExp(`${SETTINGS}\\?company=${MINE.id}`));
  await expect(section()).toBeVisible();
  await page.goto("/dashboard");
  await page.getByRole("link", { name: "Settings", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`${SETTINGS}$`));
  await expect(section()).toBeVisible();
});

test("first save with Pleo failing on the installation endpoints: saved, said so; Activate then shows AUTHORIZED → ACTIVATED", async ({
  sandbox,
}) => {
  await openIdle();
  await sandbox.fault({ path: `${INSTALLATION}*`, status: 500 });
  await frequency().selectOption({ label: "Manual only" });
  await saveButton().click();
  const settingsPanel = section().getByTestId("settings-panel");
  await expect(settingsPanel).toContainText("Settings saved.");
  await expect(settingsPanel).toContainText("Pleo could not be reached to update the installation.");
  await expect(health().getByTestId("installation-status")).toContainText("Authorised, not activated");
  expect((await sandbox.installations()).find((i) => i.companyId === MINE.id)?.status).toBe("AUTHORIZED");

  await sandbox.clearFaults();
  await health().getByRole("button", { name: "Activate installation" }).click();
  await expect(health()).toContainText("Pleo now shows the installation as active.");
  await expect(health().getByTestId("installation-status")).toContainText("Active");
  const installation = (await sandbox.installations()).find((i) => i.companyId === MINE.id)!;
  expect(installation.status).toBe("ACTIVATED");
  expect(installation.metadata).toEqual({
    portal: "Pleo Partner Portal",
    syncFrequency: "Manual only",
    historyWindow: "Everything",
    changesWindow: "60 days",
  });
  await page.reload();
  await expect(frequency()).toHaveValue("manual");
  for (const [event, by] of [
    ["settings_changed", "You"],
    ["installation_update_failed", "You"],
    ["installation_activated", "You"],
  ]) {
    await expect(activity().locator(`tr[data-event="${event}"]`).first()).toContainText(by);
  }
  await expect(section().getByTestId("next-run")).toContainText("manual only");
  await expectAccessible(page, "settings after saving");

  // Pleo puts the installation in ERROR on its side: "Check installation" shows it, and the status says Error.
  await sandbox.setInstallationStatus(MINE.id, "ERROR", "NOT_ENTITLED");
  const check = health().getByRole("button", { name: "Check installation" });
  await check.click();
  await expect(health()).toContainText("Installation status updated from Pleo.");
  await expect(health().getByTestId("installation-status")).toContainText("Error");
  await expect(health().getByTestId("connection-status")).toContainText("Error");
  await expect(health()).toContainText("the company's Pleo plan does not include this app");
  await expect(health().getByRole("button", { name: "Activate installation" })).toBeDisabled();
  await sandbox.fault({ path: `${INSTALLATION}*`, status: 503 });
  await check.click();
  await expect(health()).toContainText("Pleo could not be reached to check the installation.");
  await sandbox.clearFaults();
  await sandbox.setInstallationStatus(MINE.id, "ACTIVATED");
  await check.click();
  await expect(health().getByTestId("installation-status")).toContainText("Active");
  await expect(health().getByTestId("connection-status")).toContainText("Connected");
});

test("Sync now: disabled while the run goes, with progress; the run is listed with its counts", async ({ sandbox }) => {
  await openIdle();
  // Slow Pleo's entry search so the run is seen running.
  await sandbox.fault({ path: "/v1/accounting-entries:search", latencyMs: 3_000, times: 2 });
  await syncPanel().getByRole("button", { name: "Sync now" }).click();
  await expect(syncPanel()).toContainText("Sync started.");
  await expect(syncPanel().getByTestId("settings-sync-progress")).toBeVisible();
  await expect(syncPanel().getByRole("button", { name: "Sync now" })).toBeDisabled();
  await expect(syncPanel()).toContainText("A sync is running.");
  await expect(syncPanel().getByTestId("settings-sync-progress")).toBeHidden({ timeout: 60_000 });
  const latest = syncPanel()
    .getByRole("table", { name: /Last \d+ runs/ })
    .locator("tbody tr")
    .first();
  await expect(latest).toContainText("Sync now");
  await expect(latest).toContainText("Succeeded");
  await expect(syncPanel().getByRole("button", { name: "Sync now" })).toBeEnabled();
});

test("history window: narrowing hides older expenses, deleting them is its own confirmed step, widening fetches them again", async ({
  sandbox,
}) => {
  test.setTimeout(120_000);
  await openIdle();
  const live = (await sandbox.summary(MINE.id)).count;
  await history().selectOption({ label: "Last 3 months" });
  await expect(page.getByTestId("history-change-note")).toContainText("hidden from the dashboard and exports");
  await saveButton().click();
  await expect(section().getByTestId("settings-panel")).toContainText("Settings saved.");
  const hiddenNote = section().getByTestId("hidden-entries");
  await expect(hiddenNote).toContainText(/[\d,]+ expenses from before .* are hidden by the history window/);
  const hidden = Number((await hiddenNote.innerText()).match(/([\d,]+) expenses/)![1].replace(/,/g, ""));
  expect(hidden).toBeGreaterThan(0);

  // The dashboard (all time) no longer counts them; nothing was deleted yet.
  await page.goto(`/dashboard?company=${MINE.id}&period=all`);
  const tableSummary = page.getByTestId("table-summary");
  await expect(tableSummary).toBeVisible();
  const shownAllTime = Number((await tableSummary.innerText()).match(/([\d,]+) entr/)![1].replace(/,/g, ""));
  expect(shownAllTime).toBeLessThan(live);

  await openIdle();
  await hiddenNote.getByRole("button", { name: "Delete hidden expenses…" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete hidden expenses?" });
  await expect(dialog).toBeVisible();
  await expectAccessible(page, "settings: delete hidden expenses dialog open");
  await dialog.getByRole("button", { name: "Delete hidden expenses" }).click();
  await expect(dialog).toContainText(`${hidden} hidden expenses deleted.`);
  await dialog.getByRole("button", { name: "Close" }).click();
  await page.reload();
  await expect(section().getByTestId("hidden-entries")).toContainText(
    "No stored expenses are older than the history window",
  );

  await history().selectOption({ label: "Everything" });
  await saveButton().click();
  await expect(section().getByTestId("settings-panel")).toContainText(/older expenses/);
  await openIdle();
  const latest = syncPanel()
    .getByRole("table", { name: /Last \d+ runs/ })
    .locator("tbody tr")
    .first();
  await expect(latest).toContainText("settings change");
  await expect(latest).toContainText("Succeeded");
  await page.goto(`/dashboard?company=${MINE.id}&period=all`);
  await expect(page.getByTestId("table-summary")).toContainText(`${live.toLocaleString("en-GB")} entries`);
});

test("another account's company: not found in the URL, and in action payloads nothing changes", async ({ sandbox }) => {
  await page.goto(`${SETTINGS}?company=${THEIRS.id}`);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(page.getByText(THEIRS.name)).toHaveCount(0);
  await expectAccessible(page, "error page: not found (settings)");

  await openIdle();
  // Settings form posted with the other company's id.
  const settingsForm = page.getByRole("form", { name: "Sync settings" });
  await forgeCompanyId(settingsForm, THEIRS.id);
  await frequency().selectOption({ label: "Daily" });
  await saveButton().click();
  await expect(settingsForm).toContainText("That company was not found.");
  // Sync now and Disconnect posted with it.
  await forgeCompanyId(syncPanel().locator("form"), THEIRS.id);
  await syncPanel().getByRole("button", { name: "Sync now" }).click();
  await expect(syncPanel()).toContainText("That company was not found.");
  await section().getByRole("button", { name: "Disconnect…" }).click();
  const dialog = page.getByRole("dialog", { name: `Disconnect ${MINE.name}?` });
  await forgeCompanyId(dialog.locator("form"), THEIRS.id);
  await dialog.getByRole("radio", { name: /Delete synced data/ }).check();
  await dialog.getByRole("button", { name: `Disconnect ${MINE.name}` }).click();
  await expect(dialog).toContainText("That company was not found.");
  await page.keyboard.press("Escape");

  // The other account's company is exactly as it was.
  await openIdle(other, THEIRS.id);
  await expect(section(other, THEIRS.name).getByTestId("connection-status")).toContainText("Connected");
  await expect(frequency(other)).toHaveValue("15");
  const theirs = (await sandbox.installations()).find((i) => i.companyId === THEIRS.id)!;
  expect(theirs).toMatchObject({ status: "AUTHORIZED", metadata: {} });
  const theirLog = section(other, THEIRS.name).getByTestId("activity-panel").locator("tbody tr");
  await expect(theirLog.first()).toBeVisible();
  await expect(theirLog.filter({ hasText: "Settings changed" })).toHaveCount(0);
  await expect(theirLog.filter({ hasText: "Disconnected" })).toHaveCount(0);
  // And mine did not change either.
  await page.reload();
  await expect(frequency()).toHaveValue("manual");
});

test("a grant revoked in Pleo: the company leaves the session, every page says so, and Reconnect (keyboard) restores it with data and settings", async ({
  sandbox,
}) => {
  await page.goto(`/dashboard?company=${MINE.id}`);
  const entriesBefore = await page.getByTestId("table-summary").innerText();
  await openIdle();
  await sandbox.revoke(MINE.id, { keepInstallation: true });
  await syncPanel().getByRole("button", { name: "Sync now" }).click();

  // The sync's token use finds the grant dead: the company leaves this session, and the page says why.
  const notice = page.getByTestId("ended-company").filter({ hasText: MINE.name });
  await expect(async () => {
    await page.reload();
    await expect(notice).toContainText(`${MINE.name}: Pleo no longer accepts this connection`, { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(notice.getByRole("alert")).toContainText("The app was removed in Pleo, or its access was revoked");
  await expect(page.getByTestId("ended-company-page")).toHaveText(
    `${MINE.name} is closed in this session until it is reconnected.`,
  );
  await expect(page.getByTestId("company-section")).toHaveCount(0);
  await expect(page.getByRole("navigation", { name: "Linked companies" })).not.toContainText(MINE.name);
  await expectAccessible(page, "settings: a company whose connection ended");

  // Nothing of it is readable from this session any more: dashboard, CSV, actions.
  await page.goto(`/dashboard?company=${MINE.id}`);
  await expect(page.getByTestId("ended-company-page")).toBeVisible();
  await expect(page.getByTestId("table-summary")).toHaveCount(0);
  await expect(notice).toBeVisible();
  await expectAccessible(page, "dashboard: a company whose connection ended");
  await page.goto("/dashboard");
  await expect(page.getByText("No Pleo company is open in this session.")).toBeVisible();
  await expect(notice).toBeVisible();
  const csv = await page.request.get(`/dashboard/export?company=${MINE.id}`);
  expect(csv.status()).toBe(404);
  // The other account's session never held it: no notice there.
  await other.goto("/dashboard");
  await expect(other.getByTestId("ended-company")).toHaveCount(0);

  // Reconnect from the keyboard: Tab to it, Enter starts Pleo's consent.
  await openSettingsAfterEnd();
  const reconnect = notice.getByRole("link", { name: `Reconnect ${MINE.name}` });
  await connectCompany(page, {
    email: DEMO_USER.email,
    password: DEMO_USER.password,
    companyName: MINE.name,
    start: async () => {
      for (let i = 0; i < 30 && !(await reconnect.evaluate((el) => el === document.activeElement)); i++) {
        await page.keyboard.press("Tab");
      }
      await expect(reconnect).toBeFocused();
      await page.keyboard.press("Enter");
    },
  });
  await expect(page).toHaveURL(new RegExp(`${SETTINGS}\\?company=${MINE.id}`));
  await expect(page.getByTestId("ended-company")).toHaveCount(0);
  await expect(health().getByTestId("connection-status")).toContainText("Connected");
  await expect(frequency()).toHaveValue("manual");
  await expect(activity().locator('tr[data-event="needs_reconnect"]').first()).toContainText("Pleo");
  await expect(activity().locator('tr[data-event="reconnected"]').first()).toContainText("You");
  await page.goto(`/dashboard?company=${MINE.id}`);
  await expect(page.getByTestId("table-summary")).toHaveText(entriesBefore);
});

/** The settings page for a company that left the session (no sync panel: nothing to wait for). */
async function openSettingsAfterEnd(): Promise<void> {
  await page.goto(`${SETTINGS}?company=${MINE.id}`);
  await expect(page.getByTestId("ended-company-page")).toBeVisible();
}

test("the disconnect dialog names the company, keeps focus inside, and Escape cancels", async () => {
  await openIdle();
  const opener = section().getByRole("button", { name: "Disconnect…" });
  await opener.click();
  const dialog = page.getByRole("dialog", { name: `Disconnect ${MINE.name}?` });
  await expect(dialog).toBeVisible();
  const keep = dialog.getByRole("radio", { name: /Keep synced data \(read-only\)/ });
  await expect(keep).toBeFocused();
  await expect(keep).toBeChecked();
  await expect(dialog.getByRole("group", { name: /Synced data \([\d,]+ entries\)/ })).toBeVisible();
  await expect(dialog).toContainText(/The [\d,]+ entries stay stored/);
  await expectAccessible(page, "settings: disconnect dialog open");

  // Tab cycles inside the dialog: radio group, Cancel, Disconnect, and back to the radio group.
  const inDialog = () => dialog.evaluate((d) => d.contains(document.activeElement));
  for (let i = 0; i < 7; i++) {
    await page.keyboard.press("Tab");
    expect(await inDialog()).toBe(true);
  }
  for (let i = 0; i < 7; i++) {
    await page.keyboard.press("Shift+Tab");
    expect(await inDialog()).toBe(true);
  }
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();
  await expect(health().getByTestId("connection-status")).toContainText("Connected");
});

test("disconnect while Pleo is unreachable: done here, the uninstall waits; Retry now finishes it", async ({
  sandbox,
}) => {
  await openIdle();
  const entries = (await sandbox.summary(MINE.id)).countIncludingDeleted;
  await sandbox.fault({ path: INSTALLATION, status: 503 });
  await section().getByRole("button", { name: "Disconnect…" }).click();
  const dialog = page.getByRole("dialog", { name: `Disconnect ${MINE.name}?` });
  await dialog.getByRole("button", { name: `Disconnect ${MINE.name}` }).click();
  await expect(page).toHaveURL(/\?disconnected=/, { timeout: 30_000 });

  const receipt = page.getByTestId("disconnection").first();
  await expect(receipt).toHaveAttribute("data-status", "pending");
  await expect(receipt).toContainText(`${MINE.name}: Uninstall at Pleo pending`);
  await expect(receipt).toContainText(`${entries.toLocaleString("en-GB")} synced entries kept read-only`);
  await expect(receipt).toContainText("Pleo could not be reached.");
  await expect(section()).toHaveCount(0);
  await expect(page.getByRole("navigation", { name: "Linked companies" }).getByRole("link")).toHaveCount(0);
  expect((await sandbox.installations()).some((i) => i.companyId === MINE.id)).toBe(true);
  await expectAccessible(page, "settings: uninstall pending");

  await expect(receipt).toContainText("1 attempt so far");
  await receipt.getByRole("button", { name: "Retry now" }).click();
  await expect(receipt).toContainText("2 attempts so far");
  await expect(receipt).toHaveAttribute("data-status", "pending");
  await sandbox.clearFaults();
  await receipt.getByRole("button", { name: "Retry now" }).click();
  await expect(receipt).toHaveAttribute("data-status", "done");
  await expect(receipt).toContainText(`${MINE.name}: Uninstalled at Pleo`);
  expect((await sandbox.installations()).some((i) => i.companyId === MINE.id)).toBe(false);
  // The company is out of this session: by URL it is not found.
  await page.goto(`${SETTINGS}?company=${MINE.id}`);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
});

test("connecting it again: a fresh connection (default settings) with the kept data", async () => {
  await page.goto(SETTINGS);
  await connectCompany(page, {
    email: DEMO_USER.email,
    password: DEMO_USER.password,
    companyName: MINE.name,
    start: () => page.getByRole("main").getByRole("link", { name: "Connect another company" }).click(),
  });
  await expect(page).toHaveURL(new RegExp(SETTINGS));
  await expect(section()).toBeVisible();
  await expect(frequency()).toHaveValue("15");
  await expect(health().getByTestId("installation-status")).not.toContainText("Active");
  await page.goto(`/dashboard?company=${MINE.id}&period=all`);
  await expect(page.getByTestId("table-summary")).not.toContainText(/^0 entries/);
  await expect(page.getByTestId("no-data")).toHaveCount(0);
});

test("disconnect and delete the data: uninstalled at Pleo and every synced entry gone", async ({ sandbox }) => {
  await openIdle();
  await section().getByRole("button", { name: "Disconnect…" }).click();
  const dialog = page.getByRole("dialog", { name: `Disconnect ${MINE.name}?` });
  await dialog.getByRole("radio", { name: /Delete synced data/ }).check();
  await dialog.getByRole("button", { name: `Disconnect ${MINE.name}` }).click();
  await expect(page).toHaveURL(/\?disconnected=/, { timeout: 30_000 });
  const receipt = page.getByTestId("disconnection").first();
  await expect(receipt).toHaveAttribute("data-status", "done");
  await expect(receipt).toContainText("synced entries deleted.");
  expect((await sandbox.installations()).some((i) => i.companyId === MINE.id)).toBe(false);
  await page.goto("/dashboard");
  await expect(page.getByText("No Pleo company is connected yet.")).toBeVisible();
  await expectAccessible(page, "dashboard with no company");
});
