/**
 * Sessions, sign-in and "Sync now" work whichever instance a request lands on: two instances of the
 * deployed install on one PostgreSQL behind the round-robin proxy of `npm run cluster`
 * (scripts/cluster/round-robin-proxy.ts), both configured with the proxy's public URL as AUTH_URL, as
 * behind a load balancer. Steps pin their requests to one instance (`x-cluster-backend`), the proxy
 * records which one answered each request, and plain browsing alternates between them. A disconnect on
 * B while A runs a sync for the company stops A's run (the company's lease is gone) and removes the
 * company from the session on every instance.
 */
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
  attachOutputsOnFailure,
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

test.afterEach(({}, testInfo) => attachOutputsOnFailure(testInfo, instances));

test.afterAll(async () => {
  await proxy?.close();
  for (const i of instances) await i.stop(5_000);
  await sandbox?.close();
  await database?.drop();
});

/** From now on, the page's requests go to instance `n` (or, with null, round-robin). */
const pin = (page: Page, n: number | null) =>
  page.setExtraHTTPHeaders(n === null ? {} : { [BACKEND_HEADER]: String(n) });

test("connect on A, browse on B, plain browsing alternates, sync from A, disconnect on B, sign out on B", async ({
  page,
}) => {
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

  // Sync from A, once the first sync is done: the server action runs on A and A runs the sync (slowed
  // at Pleo, 3 s a page, so it is still running below).
  const syncState = async () =>
    (
      await query<{ done: boolean; leaseOwner: string | null }>(
        database.url,
        `SELECT "backfillCompletedAt" IS NOT NULL AND "leaseOwner" IS NULL AS done, "leaseOwner" FROM "SyncState" WHERE "companyId" = $1::uuid`,
        [NORDLYS],
      )
    )[0];
  await waitUntil("the first sync", syncState, (st) => st?.done === true);
  await sandbox.control.fault({ path: "/v1/accounting-entries:search", latencyMs: 3_000 });
  await pin(page, A);
  await page.goto(`${publicUrl}/dashboard`);
  const button = page.getByRole("button", { name: "Sync now" });
  await expect(button).toBeEnabled();
  const actionsBefore = proxy.served.length;
  await button.click();
  await expect(page.getByText("Sync started.")).toBeVisible();
  const posts = proxy.served.slice(actionsBefore).filter((s) => s.method === "POST");
  expect(posts.map((s) => s.backend)).toEqual([A]);
  const manualRunsOn = (k: number) =>
    instances[k].lines().filter((l) => l.msg === "sync: run started" && l.trigger === "manual");
  await waitUntil(
    "the manual run on A",
    async () => manualRunsOn(A),
    (runs) => runs.length === 1,
  );
  expect(manualRunsOn(B)).toEqual([]);
  expect((await syncState()).leaseOwner?.split(":")[1]).toBe(String(instances[A].child.pid));

  // Disconnect on B while A's run is under way: the company leaves every session, A's run stops
  // without writing another page (its lease is gone), and no instance shows the company any more.
  await pin(page, B);
  await page.goto(`${publicUrl}/settings/integrations/pleo?company=${NORDLYS}`);
  await page
    .getByRole("region", { name: COMPANY_NORDLYS.name, exact: true })
    .getByRole("button", { name: "Disconnect…" })
    .click();
  const dialog = page.getByRole("dialog", { name: `Disconnect ${COMPANY_NORDLYS.name}?` });
  await dialog.getByRole("button", { name: `Disconnect ${COMPANY_NORDLYS.name}` }).click();
  await expect(page).toHaveURL(/\?disconnected=/, { timeout: 30_000 });
  const stoppedRun = await waitUntil(
    "A's manual run to stop",
    async () =>
      (
        await query<{ status: string }>(
          database.url,
          `SELECT status FROM "SyncRun" WHERE "companyId" = $1::uuid AND trigger = 'manual'`,
          [NORDLYS],
        )
      )[0],
    (run) => run?.status !== "running",
  );
  expect(stoppedRun.status).not.toBe("succeeded");
  expect(await query(database.url, `SELECT 1 FROM "PleoConnection" WHERE "companyId" = $1::uuid`, [NORDLYS])).toEqual(
    [],
  );
  await sandbox.control.clearFaults();
  await pin(page, A);
  const onA = await page.goto(`${publicUrl}/dashboard`);
  expect(onA?.headers()[BACKEND_HEADER]).toBe(String(A));
  await expect(companyTab()).toHaveCount(0);

  // Sign out on B: the session is gone on A too.
  await pin(page, B);
  await page.goto(`${publicUrl}/settings/integrations/pleo`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(`${publicUrl}/`);
  await pin(page, A);
  await page.goto(`${publicUrl}/dashboard`);
  await expect(page).not.toHaveURL(/\/dashboard/);
});
