/**
 * Sessions, sign-in and "Sync now" work whichever instance a request lands on: two instances of the
 * deployed install on one PostgreSQL behind the round-robin proxy of `npm run cluster`
 * (scripts/cluster/round-robin-proxy.ts), both configured with the proxy's public URL as AUTH_URL, as
 * behind a load balancer. Steps pin their requests to one instance (`x-cluster-backend`), the proxy
 * records which one answered each request, and plain browsing alternates between them.
 */
import fs from "node:fs";
import type { Page } from "@playwright/test";
import { COMPANY_NORDLYS, DEMO_USER } from "../../sandbox/seed/fixtures";
import { BACKEND_HEADER, startRoundRobinProxy, type RoundRobinProxy } from "../../scripts/cluster/round-robin-proxy";
import { startTestSandbox, type InProcessSandbox } from "../../tests/support/sandbox";
import type { PortalProcess } from "../../tests/support/portal-process";
import {
  clusterPort,
  createClusterDatabase,
  NEEDS_POSTGRES,
  query,
  startInstance,
  TEST_DATABASE_URL,
  waitUntil,
  type ClusterDatabase,
} from "../support/cluster";
import { connectCompany } from "../support/connect";
import { expect, test } from "@playwright/test";

test.skip(!TEST_DATABASE_URL, NEEDS_POSTGRES);

const NORDLYS = COMPANY_NORDLYS.id;
const A = 0;
const B = 1;

let database: ClusterDatabase;
let sandbox: InProcessSandbox;
let proxy: RoundRobinProxy;
const instances: PortalProcess[] = [];

test.afterEach(async ({}, testInfo) => {
  if (testInfo.status === testInfo.expectedStatus) return;
  for (const [k, i] of instances.entries()) {
    const file = testInfo.outputPath(`instance-${k}.log`);
    fs.writeFileSync(file, i.output());
    await testInfo.attach(`instance ${k} output`, { path: file, contentType: "text/plain" });
  }
});

test.afterAll(async () => {
  await proxy?.close();
  for (const i of instances) await i.stop(5_000);
  await sandbox?.close();
  await database?.drop();
});

/** From now on, the page's requests go to instance `n` (or, with null, round-robin). */
const pin = (page: Page, n: number | null) =>
  page.setExtraHTTPHeaders(n === null ? {} : { [BACKEND_HEADER]: String(n) });

test("connect on A, browse on B, sync from A, sign out on B; plain browsing alternates", async ({ page }) => {
  const proxyPort = clusterPort();
  const publicUrl = `http://127.0.0.1:${proxyPort}`;
  database = await createClusterDatabase();
  sandbox = await startTestSandbox({ entries: 1_500, redirectUris: [`${publicUrl}/api/auth/callback/pleo`] });
  for (let k = 0; k < 2; k++) {
    instances.push(
      await startInstance({
        port: clusterPort(),
        databaseUrl: database.url,
        sandboxUrl: sandbox.url,
        env: { AUTH_URL: publicUrl },
      }),
    );
  }
  proxy = await startRoundRobinProxy({ port: proxyPort, backends: instances.map((i) => i.url) });
  const servedBy = (path: string) => proxy.served.filter((s) => s.path.split("?")[0] === path).map((s) => s.backend);
  const companyTab = () =>
    page.getByRole("navigation", { name: "Linked companies" }).getByRole("link", { name: COMPANY_NORDLYS.name });

  // Connect on A: the Initiation URL and the OAuth callback both served by A.
  await pin(page, A);
  await connectCompany(page, {
    email: DEMO_USER.email,
    password: DEMO_USER.password,
    companyName: COMPANY_NORDLYS.name,
    start: () => page.goto(`${publicUrl}/connect/pleo`),
  });
  await expect(page).toHaveURL(`${publicUrl}/dashboard`);
  await expect(companyTab()).toBeVisible();
  expect(servedBy("/connect/pleo")).toEqual([A]);
  expect(servedBy("/api/auth/callback/pleo")).toEqual([A]);

  // Browse on B: the session A created is B's session too; the first sync A started shows there.
  await pin(page, B);
  const onB = await page.goto(`${publicUrl}/dashboard`);
  expect(onB?.status()).toBe(200);
  expect(onB?.headers()[BACKEND_HEADER]).toBe(String(B));
  await expect(companyTab()).toBeVisible();
  await expect(page.getByRole("region", { name: "Expenses", exact: true })).toBeVisible();

  // Sync from A, once the first sync is done: the server action runs on A and A runs the sync.
  await waitUntil(
    "the first sync",
    async () =>
      (
        await query<{ done: boolean }>(
          database.url,
          `SELECT "backfillCompletedAt" IS NOT NULL AND "leaseOwner" IS NULL AS done FROM "SyncState" WHERE "companyId" = $1::uuid`,
          [NORDLYS],
        )
      )[0]?.done,
    (done) => done === true,
  );
  await pin(page, A);
  await page.goto(`${publicUrl}/dashboard`);
  const button = page.getByRole("button", { name: "Sync now" });
  await expect(button).toBeEnabled();
  const actionsBefore = proxy.served.length;
  await button.click();
  await expect(page.getByText("Sync started.")).toBeVisible();
  const posts = proxy.served.slice(actionsBefore).filter((s) => s.method === "POST");
  expect(posts.map((s) => s.backend)).toEqual([A]);
  await waitUntil(
    "the manual run on A",
    async () => instances[A].lines().filter((l) => l.msg === "sync: run started" && l.trigger === "manual"),
    (runs) => runs.length === 1,
  );
  expect(instances[B].lines().some((l) => l.msg === "sync: run started" && l.trigger === "manual")).toBe(false);

  // Plain browsing: pages alternate between the instances, every one signed in.
  await pin(page, null);
  const answeredBy = new Set<string>();
  // (Prefetches go through the proxy too, so which page lands where depends on them: browse until both did.)
  for (let k = 0; k < 10 && answeredBy.size < 2; k++) {
    const res = await page.goto(`${publicUrl}/dashboard?period=all&page=${k + 1}`);
    expect(res?.status()).toBe(200);
    answeredBy.add(res?.headers()[BACKEND_HEADER] ?? "none");
    await expect(companyTab()).toBeVisible();
  }
  expect(answeredBy).toEqual(new Set([String(A), String(B)]));

  // Sign out on B: the session is gone on A too.
  await pin(page, B);
  await page.goto(`${publicUrl}/dashboard`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(`${publicUrl}/`);
  await pin(page, A);
  await page.goto(`${publicUrl}/dashboard`);
  await expect(page).not.toHaveURL(/\/dashboard/);
  await expect(companyTab()).toHaveCount(0);
});
