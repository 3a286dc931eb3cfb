/**
 * The expense dashboard end to end, signed in by the setup project (e2e/signed-in.setup.ts), which
 * connected the demo user's large company through the real OAuth flow on this project's own portal:
 * watch that first sync's progress bar, then check the page against the sandbox's own data (fetched
 * over HTTP with a separate real token, never from our database). It runs twice (playwright.config.ts):
 * against the sandbox's default mode and against strict mode, where Pleo's documented fields are all
 * there is (no supplier names, no teams list, optional fields missing here and there).
 */
import fs from "node:fs";
import type { BrowserContext, Page } from "@playwright/test";
import { isSpend, isWaitingForReview, RECEIPT_FAMILIES } from "@/lib/expenses/definitions";
import { formatMoney } from "@/lib/expenses/money";
import { resolvePeriod } from "@/lib/expenses/period";
import { COMPANY_NORDLYS, DEMO_USER } from "@/sandbox/seed/fixtures";
import { getTokensForCompany } from "@/sandbox/testing";
import { expectAccessible } from "./support/axe";
import { expect, test } from "./support/test";

test.describe.configure({ mode: "serial" });
test.use({ locale: "en-US" });

type Money = { currency: string; minors: number };
type SandboxEntry = {
  id: string;
  family: string;
  status: string;
  reviewStatus: string;
  performedAt: string;
  deletedAt?: string | null;
  transactionValue: Money;
  totalBillValue?: Money;
  receiptIds: string[];
  supplier?: { name?: string; externalSupplierId?: string; documentNumber?: string };
  note?: string;
};

const SEARCH_PATH = "/v1/accounting-entries:search";
/** Nordlys is in Denmark (country "DK", or "DNK" in strict mode): its calendar is Copenhagen's. */
const TIME_ZONE = "Europe/Copenhagen";
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/;

/** This calendar month in Copenhagen, as the dashboard's default period defines it. */
function thisMonth(now = new Date()) {
  return resolvePeriod("this-month", now, TIME_ZONE).current!;
}

/** The wallet amount: Pleo may leave totalBillValue out (strict mode does where it equals transactionValue). */
const bill = (e: SandboxEntry) => e.totalBillValue ?? e.transactionValue;

/** Every entry of the company performed in [start, end), straight from the sandbox's search API. */
async function sandboxEntries(
  sandboxUrl: string,
  accessToken: string,
  start: Date,
  end: Date,
): Promise<SandboxEntry[]> {
  const out: SandboxEntry[] = [];
  let after: string | undefined;
  for (;;) {
    const qs = new URLSearchParams({ company_id: COMPANY_NORDLYS.id, limit: "100" });
    if (after) qs.set("after", after);
    const res = await fetch(`${sandboxUrl}${SEARCH_PATH}?${qs}`, {
      method: "POST",
      headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ performedAtStart: start.toISOString(), performedAtEnd: end.toISOString() }),
    });
    if (!res.ok) throw new Error(`sandbox search: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as {
      data: SandboxEntry[];
      pagination: { hasNextPage: boolean; endCursor?: string };
    };
    out.push(...body.data);
    if (!body.pagination.hasNextPage) break;
    after = body.pagination.endCursor;
  }
  return out.filter((e) => !e.deletedAt && new Date(e.performedAt) >= start && new Date(e.performedAt) < end);
}

let expected: SandboxEntry[] = [];
let accessToken = "";

/** Rows of the expenses table (the monthly chart's fallback table has rows too). */
const tableRows = () => page.getByRole("region", { name: "Expenses", exact: true }).locator("tbody tr");
const linkedCompanies = () => page.getByRole("navigation", { name: "Linked companies" }).getByRole("link");
const dash = (query = "") => `/dashboard?company=${COMPANY_NORDLYS.id}${query ? `&${query}` : ""}`;

// One browser context for the whole (serial) file, signed in from the setup project's storageState.
let context: BrowserContext;
let page: Page;

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext({ locale: "en-US" });
  page = await context.newPage();
});

test.afterAll(async ({ sandbox }) => {
  await context?.close();
  await sandbox.clearFaults().catch(() => undefined);
});

test("the first sync after connecting shows its progress, then the data as of the sync", async ({ sandbox }) => {
  test.setTimeout(120_000);
  // The setup project connected the company on this project's fresh portal (e2e/env.ts) and held the
  // backfill it started after two pages (playwright.config.ts): this is the company's first sync.
  await page.goto(dash());
  await expect(linkedCompanies()).toHaveText([COMPANY_NORDLYS.name]);
  const progress = page.getByTestId("sync-progress");
  const asOf = page.getByTestId("data-as-of");
  await expect(progress).toBeVisible({ timeout: 20_000 });
  await expect(progress).toContainText(/Syncing expenses from Pleo… [\d,]+ of [\d,]+/);
  await expect(page.getByRole("progressbar", { name: "Expenses synced" })).toBeAttached();
  await expectAccessible(page, "dashboard during the first sync");

  // Release the hold: the rest of the backfill runs at full speed.
  await sandbox.clearFaults();
  await expect(progress).toBeHidden({ timeout: 60_000 });
  await expect(asOf).toContainText("Data as of", { timeout: 15_000 });
  await expectAccessible(page, "dashboard");
});

test("KPIs for this month match the sandbox's entries", async ({ sandboxUrl, baseURL }) => {
  const tokens = await getTokensForCompany({
    sandboxUrl,
    companyId: COMPANY_NORDLYS.id,
    email: DEMO_USER.email,
    password: DEMO_USER.password,
    redirectUri: new URL("/api/auth/callback/pleo", baseURL).toString(),
  });
  const { start, end } = thisMonth();
  accessToken = tokens.access_token;
  expected = await sandboxEntries(sandboxUrl, tokens.access_token, start, end);
  const spend = expected.filter((e) => isSpend(e) && bill(e).currency === COMPANY_NORDLYS.currency);
  expect(spend.length).toBeGreaterThan(0);
  const total = spend.reduce((s, e) => s + BigInt(bill(e).minors), 0n);

  await page.goto(dash());
  // Wait for the first sync to be complete.
  await expect(page.getByTestId("sync-progress")).toBeHidden({ timeout: 60_000 });
  await expect(page.getByTestId("data-as-of")).toContainText("Data as of", { timeout: 30_000 });
  await page.reload();
  await expect(page.getByTestId("kpi-total-value")).toHaveText(
    formatMoney(total, COMPANY_NORDLYS.currency, { locale: "en-US" }),
  );
  await expect(page.getByTestId("kpi-count-value")).toHaveText(new Intl.NumberFormat("en-US").format(spend.length));
  await expect(page.getByTestId("kpi-waiting-value")).toHaveText(
    String(spend.filter((e) => isWaitingForReview(e.reviewStatus)).length),
  );
  const missing = spend.filter(
    (e) => e.receiptIds.length === 0 && (RECEIPT_FAMILIES as readonly string[]).includes(e.family),
  ).length;
  await expect(page.getByTestId("kpi-missing-value")).toHaveText(String(missing));
  await expect(page.getByTestId("table-summary")).toContainText(
    `${new Intl.NumberFormat("en-US").format(expected.length)} entries`,
  );
  await expect(page.getByRole("heading", { name: "Spend per month" })).toBeVisible();
  await expect(page.getByTestId("time-zone")).toHaveText(
    "Periods in Copenhagen time (Europe/Copenhagen), from the company's country in Pleo.",
  );
});

test("the monthly chart is drawn on the server; a month's details show on hover and on keyboard focus", async ({
  browser,
}) => {
  // The chart sums the wallet currency's spend, like the KPIs.
  const spend = expected.filter((e) => isSpend(e) && bill(e).currency === COMPANY_NORDLYS.currency);
  expect(spend.length).toBeGreaterThan(0);
  const total = formatMoney(
    spend.reduce((s, e) => s + BigInt(bill(e).minors), 0n),
    COMPANY_NORDLYS.currency,
    { locale: "en-US" },
  );
  const thisMonthName = new RegExp(
    `: ${escapeRegExp(total)}, ${new Intl.NumberFormat("en-US").format(spend.length)} expenses?\\.`,
  );

  // With none of the app's JavaScript bundles (React never hydrates): the chart, its details on hover and
  // focus, and the table alternative all come from the server's HTML and CSS. (Only React's inline
  // streaming scripts run, which reveal each widget as it arrives.)
  const bare = await browser.newContext({ locale: "en-US", storageState: await context.storageState() });
  await bare.route("**/_next/static/**/*.js", (route) => route.abort());
  const plain = await bare.newPage();
  await plain.goto(dash());
  await expect(plain.getByTestId("monthly-bar")).toHaveCount(12);
  const months = plain.getByRole("list", { name: "Months" }).getByRole("link");
  await expect(months).toHaveCount(12);
  // The last bar is this month: the same figures as the KPIs, in its name and in its tooltip on hover.
  const thisMonth = months.last();
  await expect(thisMonth).toHaveAccessibleName(thisMonthName);
  const tooltip = thisMonth.getByTestId("monthly-tooltip");
  await expect(tooltip).toBeHidden();
  await thisMonth.hover();
  await expect(tooltip).toBeVisible();
  await expect(tooltip).toContainText(total);
  await plain.mouse.move(0, 0);
  await expect(tooltip).toBeHidden();
  // From the keyboard: Tab onto a month shows its tooltip.
  await months.nth(-3).focus();
  await plain.keyboard.press("Tab");
  await expect(months.nth(-2)).toBeFocused();
  await expect(months.nth(-2).getByTestId("monthly-tooltip")).toBeVisible();
  await plain.getByText("Show as table").click();
  await expect(plain.getByRole("table", { name: /Spend per month/ }).locator("tbody tr")).toHaveCount(12);
  await bare.close();

  // With JavaScript: Enter on a month opens that month (client-side navigation), with its figures.
  await page.goto(dash());
  const links = page.getByRole("list", { name: "Months" }).getByRole("link");
  await expect(links.last()).toHaveAccessibleName(thisMonthName);
  const lastMonth = (await links.nth(-2).getAttribute("aria-label"))!;
  const count = lastMonth.match(/, ([\d,]+) expenses?\./)![1];
  await links.nth(-2).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/period=custom&from=\d{4}-\d{2}-01&to=\d{4}-\d{2}-(28|29|30|31)/);
  await expect(page.getByTestId("kpi-count-value")).toHaveText(count);
});

test("filters change the table and the URL, and the back button restores the view", async () => {
  await page.goto(dash());
  const summary = page.getByTestId("table-summary");
  await expect(summary).toContainText(`${expected.length} entries`);

  await page.getByLabel("Type", { exact: true }).selectOption("CARD_PURCHASE");
  await page.getByLabel("Review status", { exact: true }).selectOption("WAITING");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/family=CARD_PURCHASE/);
  await expect(page).toHaveURL(/review=WAITING/);
  const filtered = expected.filter((e) => e.family === "CARD_PURCHASE" && isWaitingForReview(e.reviewStatus));
  expect(filtered.length).toBeGreaterThan(0); // so the row checks below check rows
  await expect(summary).toContainText(filtered.length === 1 ? "1 entry" : `${filtered.length} entries`);
  const rows = tableRows();
  await expect(rows).toHaveCount(Math.min(filtered.length, 25));
  for (const text of await rows.locator("td:nth-child(5)").allInnerTexts()) expect(text).toBe("Card purchase");

  // Sorting is a link too: largest amount first.
  await page.getByRole("link", { name: /^Amount/ }).click();
  await expect(page).toHaveURL(/sort=amount/);
  const largest = filtered.reduce((m, e) => (bill(e).minors > bill(m).minors ? e : m));
  await expect(rows.first().locator("td").last()).toContainText(
    formatMoney(bill(largest).minors, "DKK", { locale: "en-US" }),
  );

  await page.goBack();
  await expect(page).not.toHaveURL(/sort=amount/);
  await page.goBack();
  await expect(page).not.toHaveURL(/family=/);
  await expect(summary).toContainText(`${expected.length} entries`);

  // A bad value in the URL is explained, not fatal.
  await page.goto(dash("family=SHOPPING&page=zero"));
  await expect(page.getByRole("alert").filter({ hasText: "could not be used" })).toContainText(
    '"SHOPPING" is not a valid family',
  );
  await expect(summary).toContainText(`${expected.length} entries`);
});

test("a row opens the entry's detail", async () => {
  await page.goto(dash("sort=amount&dir=desc"));
  const firstLink = tableRows().first().getByRole("link");
  await firstLink.focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/dashboard\/expenses\/[0-9a-f-]{36}/);
  const id = page.url().match(/expenses\/([0-9a-f-]{36})/)![1];
  const entry = expected.find((e) => e.id === id)!;
  expect(entry).toBeDefined();
  await expect(page.getByTestId("detail-amount")).toHaveText(
    formatMoney(bill(entry).minors, "DKK", { locale: "en-US" }),
  );
  await expect(page.getByRole("link", { name: /Open in Pleo/ })).toHaveAttribute(
    "href",
    `https://app.pleo.io/expenses/${id}`,
  );
  await expectAccessible(page, "entry detail");
  await page.getByRole("link", { name: "← Back to expenses" }).click();
  await expect(page).toHaveURL(/sort=amount/);
});

test("CSV export downloads exactly the filtered rows", async () => {
  await page.goto(dash("family=MILEAGE"));
  const downloadPromise = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download CSV" }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toMatch(/^expenses-nordlys-design-aps-\d{4}-\d{2}-01_\d{4}-\d{2}-\d{2}\.csv$/);
  const text = fs.readFileSync((await download.path())!, "utf8").replace(/^\uFEFF/, "");
  const lines = text.trimEnd().split("\r\n");
  expect(lines[0].split(",").slice(0, 4)).toEqual(["id", "performed_at", "settled_at", "family"]);
  const ids = lines
    .slice(1)
    .map((l) => l.split(",")[0])
    .sort();
  const want = expected
    .filter((e) => e.family === "MILEAGE")
    .map((e) => e.id)
    .sort();
  expect(want.length).toBeGreaterThan(0);
  expect(ids).toEqual(want);
});

test("every widget, filter and the table name things by what Pleo documents, never by a bare id", async ({
  strictSandbox,
}) => {
  await page.goto(dash());
  await expect(page.getByTestId("table-summary")).toContainText(`${expected.length} entries`);
  const main = page.getByRole("main");
  expect(await main.innerText()).not.toMatch(UUID);

  const teams = page.getByRole("region", { name: "Spend by team" }).getByRole("listitem");
  await expect(teams.first()).toBeVisible();
  const teamOptions = await page.getByLabel("Team", { exact: true }).locator("option").allInnerTexts();
  expect(teamOptions.length).toBeGreaterThan(2); // "All teams" and the teams
  if (strictSandbox) {
    // No teams list at Pleo: a team reads as its id's start and the people seen on its expenses.
    await expect(teams.filter({ hasText: /Team [0-9a-f]{8} · \S+ \S+/ }).first()).toBeVisible();
    expect(teamOptions.slice(1).every((o) => /^Team [0-9a-f]{8}( · .+)?$/.test(o))).toBe(true);
  } else {
    expect(teamOptions).toContain("Design");
  }
  // Spend by tag, one tag group at a time (the first by name, "Clients"); the others a link away.
  await expect(page.getByRole("region", { name: "Spend by clients" }).getByRole("listitem").first()).toBeVisible();
  await page.getByRole("navigation", { name: "Tag group" }).getByRole("link", { name: "Projects" }).click();
  await expect(page).toHaveURL(/tagGroup=/);
  const projects = page.getByRole("region", { name: "Spend by projects" });
  await expect(projects.getByRole("listitem").first()).toBeVisible();
  expect(await projects.innerText()).not.toMatch(UUID);

  // Search over what Pleo sends: a supplier's id finds exactly its expenses.
  const id = expected.find((e) => e.supplier?.externalSupplierId)!.supplier!.externalSupplierId!;
  const matching = expected.filter((e) => e.supplier?.externalSupplierId === id);
  await page.getByLabel(/^Search note, supplier/).fill(id.toLowerCase());
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(new RegExp(`q=${id.toLowerCase()}`));
  await expect(page.getByTestId("table-summary")).toContainText(
    matching.length === 1 ? "1 entry" : `${matching.length} entries`,
  );
  if (strictSandbox) {
    // Rows without a note are titled by the supplier's identifiers, not left blank.
    const titles = await tableRows().locator("td:nth-child(2) a").allInnerTexts();
    expect(titles.length).toBe(Math.min(matching.length, 25));
    for (const t of titles) expect(t.trim()).not.toBe("");
    const noNote = matching.find((e) => !e.note);
    if (noNote) expect(titles).toContain(`Supplier ${id}`);
  }
});

test("an entry's receipts: through the portal, expired links and an unavailable Pleo explained", async ({
  sandbox,
  sandboxUrl,
  playwright,
  baseURL,
}) => {
  const entry = expected.find((e) => e.receiptIds.length > 0)!;
  await page.goto(`/dashboard/expenses/${entry.id}`);
  expect(await page.getByRole("region", { name: "Details" }).innerText()).not.toMatch(UUID);
  const receipts = page.getByRole("region", { name: "Receipts" });
  await expect(receipts.getByTestId("receipt")).toHaveCount(entry.receiptIds.length);
  const img = receipts.locator("img").first();
  await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth)).toBeGreaterThan(0);
  // The browser sees neither Pleo's URLs nor a token: only the portal's own receipt route.
  const html = await page.content();
  for (const secret of [sandboxUrl, "/files/receipts", "signature=", accessToken]) expect(html).not.toContain(secret);
  const link = receipts.getByRole("link", { name: /^Open receipt/ }).first();
  const href = (await link.getAttribute("href"))!;
  expect(href).toMatch(new RegExp(`^/dashboard/expenses/${entry.id}/receipts/[0-9a-f-]{36}\\?ref=`));
  const file = await page.request.get(href);
  expect(file.status()).toBe(200);
  expect(file.headers()["content-type"]).toMatch(/^(image\/png|application\/pdf)$/);
  // Without the session the route says nothing about the receipt.
  // (Contexts made in a test start from the project's signed-in storageState unless told otherwise.)
  const anonymous = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  expect((await anonymous.get(href)).status()).toBe(401);
  await anonymous.dispose();

  // Pleo's links last 24 hours (on the sandbox's clock): past that, the page says so.
  await sandbox.advanceClock(25 * 3600);
  await img.evaluate((i: HTMLImageElement) => (i.src = `${i.src}&again=1`));
  await expect(receipts.getByTestId("receipt-problem").first()).toContainText("expired");
  await page.goto(href);
  await expect(page).toHaveURL(new RegExp(`/dashboard/expenses/${entry.id}\\?receipt=expired`));
  await expect(page.getByRole("status").filter({ hasText: "had expired" })).toBeVisible();
  const fresh = (await receipts
    .getByRole("link", { name: /^Open receipt/ })
    .first()
    .getAttribute("href"))!;
  expect((await page.request.get(fresh)).status()).toBe(200);

  // Pleo not answering for receipts: the rest of the expense still shows, with a way to try again.
  await sandbox.fault({ path: `/v1/accounting-entries/${entry.id}/receipts*`, status: 503 });
  try {
    await page.goto(`/dashboard/expenses/${entry.id}`);
    await expect(page.getByRole("alert").filter({ hasText: "Receipts could not be loaded" })).toBeVisible();
    await expect(page.getByTestId("detail-amount")).toBeVisible();
  } finally {
    await sandbox.clearFaults();
  }

  const missing = expected.find(
    (e) => e.receiptIds.length === 0 && (RECEIPT_FAMILIES as readonly string[]).includes(e.family),
  );
  expect(missing).toBeDefined();
  await page.goto(`/dashboard/expenses/${missing!.id}`);
  await expect(page.getByTestId("no-receipt")).toContainText("Missing receipt");
});

test("Sync now starts a sync through the server action", async () => {
  await page.goto(dash());
  const button = page.getByRole("button", { name: "Sync now" });
  await expect(button).toBeEnabled({ timeout: 30_000 });
  await button.click();
  await expect(page.getByText(/^(Sync started\.|A sync is already running)/)).toBeVisible();
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
