/**
 * The abuse limits over real HTTP on the production build (README → Security → Abuse limits), with the
 * default limits. The portal runs with TRUST_PROXY_HOPS=1 here, so each test can play a client at its
 * own address (X-Forwarded-For) and never blocks the browser flows of the other specs on this stack;
 * the export limit counts the signed-in session of this project.
 */
import { expectAccessible } from "./support/axe";
import { expect, test } from "./support/test";

const CONNECT_LIMIT = 20;
const EXPORT_LIMIT = 30;

test("/connect/pleo: 20 starts a minute per client, then 429 with Retry-After and an accessible page", async ({
  page,
  playwright,
  baseURL,
}) => {
  const client = await playwright.request.newContext({
    baseURL,
    extraHTTPHeaders: { "x-forwarded-for": "203.0.113.10" },
  });
  for (let i = 0; i < CONNECT_LIMIT; i++) {
    const res = await client.get("/connect/pleo", { maxRedirects: 0 });
    expect(res.status(), `start ${i + 1}`).toBe(307);
  }
  const denied = await client.get("/connect/pleo", { maxRedirects: 0, headers: { accept: "application/json" } });
  expect(denied.status()).toBe(429);
  const retryAfter = Number(denied.headers()["retry-after"]);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(await denied.json()).toMatchObject({ error: "rate_limited", retryAfterSeconds: retryAfter });

  // Another client is not blocked.
  const other = await playwright.request.newContext({
    baseURL,
    extraHTTPHeaders: { "x-forwarded-for": "203.0.113.11" },
  });
  expect((await other.get("/connect/pleo", { maxRedirects: 0 })).status()).toBe(307);

  // A browser at the limited address gets a page that says when to try again and where to go.
  await page.setExtraHTTPHeaders({ "x-forwarded-for": "203.0.113.10" });
  const res = await page.goto("/connect/pleo");
  expect(res?.status()).toBe(429);
  await expect(page.getByRole("heading", { level: 1, name: "Too many requests" })).toBeVisible();
  await expect(page.getByText(/^Try again in \d+ seconds?\.$/)).toBeVisible();
  await expect(page.getByRole("link", { name: "Back to the portal" })).toHaveAttribute("href", "/");
  await expectAccessible(page, "429: too many requests");
  await client.dispose();
  await other.dispose();
});

test("the OAuth callback: 20 a minute per client, then 429", async ({ playwright, baseURL }) => {
  const client = await playwright.request.newContext({
    baseURL,
    extraHTTPHeaders: { "x-forwarded-for": "203.0.113.12" },
  });
  const callback = "/api/auth/callback/pleo?code=forged&state=forged";
  for (let i = 0; i < CONNECT_LIMIT; i++) {
    // Not limited: next-auth rejects the forged state and sends the browser to the error page.
    expect((await client.get(callback, { maxRedirects: 0 })).status(), `callback ${i + 1}`).toBe(302);
  }
  const denied = await client.get(callback, { maxRedirects: 0 });
  expect(denied.status()).toBe(429);
  expect(Number(denied.headers()["retry-after"])).toBeGreaterThanOrEqual(1);
  await client.dispose();
});

test("the CSV export: 30 a minute per session, then 429; signed out is still 401", async ({
  page,
  context,
  playwright,
  baseURL,
}) => {
  // This project's signed-in session (storageState), its cookies sent by the page's request context.
  const exportUrl = "/dashboard/export";
  for (let i = 0; i < EXPORT_LIMIT; i++) {
    const res = await context.request.get(exportUrl, { maxRedirects: 0 });
    expect(res.status(), `export ${i + 1}`).not.toBe(429);
    expect(res.status()).toBeLessThan(500);
  }
  const denied = await context.request.get(exportUrl, { maxRedirects: 0 });
  expect(denied.status()).toBe(429);
  expect(Number(denied.headers()["retry-after"])).toBeGreaterThanOrEqual(1);

  const res = await page.goto(exportUrl);
  expect(res?.status()).toBe(429);
  await expect(page.getByRole("link", { name: "Back to the dashboard" })).toHaveAttribute("href", "/dashboard");

  // Signed out (no session cookie at all): no export, and not this session's count either.
  const anonymous = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  expect((await anonymous.get(exportUrl, { maxRedirects: 0 })).status()).toBe(401);
  await anonymous.dispose();
});
