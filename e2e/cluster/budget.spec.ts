/**
 * Pleo's rate limit is per connection, so the request budget is shared by every instance
 * (lib/pleo/rate-budget.ts). A rolling restart during a large backfill, counted at the sandbox: the
 * instance running the sync is stopped (SIGTERM) every few seconds and "Sync now" pressed on the next
 * one, which carries on from the cursor at once, while the dashboard is loaded on both and a
 * replacement instance starts. No access token (nor the company, all its tokens together) ever sees
 * more than 500 requests in any 60 s window, there is no 429, and the copy equals the sandbox's.
 * (Today only the sync calls Pleo, one instance at a time under its lease, so a budget per process
 * would overshoot here only by each new holder's burst, less the handover's pause; several instances
 * calling for one connection at once, where per-process budgets add up, is tests/pleo/rate-budget.test.ts.)
 */
import type { Page } from "@playwright/test";
import { COMPANY_NORDLYS, DEMO_USER } from "../../sandbox/seed/fixtures";
import { startTestSandbox, type InProcessSandbox } from "../../tests/support/sandbox";
import type { PortalProcess } from "../../tests/support/portal-process";
import {
  callbackUrl,
  clusterPort,
  createClusterDatabase,
  entrySummary,
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
const LIMIT = 500;
const ENTRIES = 60_000;
const HANDOVERS = 5;
const HANDOVER_EVERY_MS = 8_000;

let database: ClusterDatabase;
let sandbox: InProcessSandbox;
const instances: PortalProcess[] = [];

test.afterEach(({}, testInfo) => attachOutputsOnFailure(testInfo, instances));

test.afterAll(async () => {
  for (const i of instances) await i.stop(5_000);
  await sandbox?.close();
  await database?.drop();
});

test("a rolling restart during a large backfill never exceeds 500 requests in any 60 s per token", async ({
  page,
  context,
}, testInfo) => {
  test.setTimeout(300_000);
  const ports = Array.from({ length: HANDOVERS + 3 }, () => clusterPort());
  database = await createClusterDatabase();
  sandbox = await startTestSandbox({ entries: ENTRIES, rateLimit: true, redirectUris: ports.map(callbackUrl) });
  let nextPort = 0;
  const startNext = async () => {
    const p = await startInstance({ port: ports[nextPort++], databaseUrl: database.url, sandboxUrl: sandbox.url });
    instances.push(p);
    return p;
  };
  const state = async () =>
    (
      await query<{ leaseOwner: string | null; backfillSynced: number; backfillCompletedAt: Date | null }>(
        database.url,
        `SELECT "leaseOwner", "backfillSynced", "backfillCompletedAt" FROM "SyncState" WHERE "companyId" = $1::uuid`,
        [NORDLYS],
      )
    )[0];
  /** The instance holding the sync lease (its owner id is host:pid:run). */
  const holder = async () => {
    const owner = (await state())?.leaseOwner;
    return instances.find((i) => owner?.split(":")[1] === String(i.child.pid));
  };
  const dashboardOk = async (p: Page, portal: PortalProcess) => {
    const res = await p.goto(`${portal.url}/dashboard`);
    expect(res?.status()).toBe(200);
    await expect(p.getByRole("navigation", { name: "Linked companies" })).toContainText(COMPANY_NORDLYS.name);
  };

  // The instance syncing, the next one (its tab open), and a spare starting in the background.
  let a = await startNext();
  let b = await startNext();
  let spare = startNext();
  // Connect on A: its connect hook starts the backfill there.
  await connectCompany(page, {
    email: DEMO_USER.email,
    password: DEMO_USER.password,
    companyName: COMPANY_NORDLYS.name,
    start: () => page.goto(`${a.url}/connect/pleo`),
  });
  await waitUntil("the backfill to start on A", holder, (h) => h === a);
  // Only "Sync now" moves the sync, on cue: the schedulers' next run for it is a day away.
  await query(
    database.url,
    `UPDATE "SyncState" SET "nextRunAt" = now() + interval '1 day' WHERE "companyId" = $1::uuid`,
    [NORDLYS],
  );
  // One browser tab per instance (same session cookie): a tab left on a stopped instance is closed.
  let tabA = page;
  let tabB = await context.newPage();

  for (let k = 0; k < HANDOVERS; k++) {
    // While A syncs: the dashboard on both; B's Sync now is disabled (a sync is running).
    const until = Date.now() + HANDOVER_EVERY_MS;
    while (Date.now() < until) {
      await dashboardOk(tabA, a);
      await dashboardOk(tabB, b);
      await expect(tabB.getByRole("button", { name: "Sync now" })).toBeDisabled();
    }
    // A rolling restart step: A stops (its page committed, its lease released), Sync now on B picks up.
    a.signal("SIGTERM");
    await waitUntil("A to release the lease", state, (st) => st.leaseOwner === null, 20_000);
    await tabB.reload();
    const button = tabB.getByRole("button", { name: "Sync now" });
    await expect(button).toBeEnabled();
    await button.click();
    await expect(tabB.getByText("Sync started.")).toBeVisible();
    expect(await holder()).toBe(b);
    expect((await a.exited).code).toBe(143);
    await tabA.close();
    [a, b, spare] = [b, await spare, startNext()];
    [tabA, tabB] = [tabB, await context.newPage()];
    if ((await state()).backfillCompletedAt) break;
  }
  await spare;

  const done = await waitUntil("the backfill to complete", state, (s) => Boolean(s?.backfillCompletedAt), 180_000);
  expect(done.backfillSynced).toBeGreaterThan(0);
  const remote = await sandbox.control.summary(NORDLYS);
  expect(await entrySummary(database.url, NORDLYS)).toEqual({
    count: remote.count,
    checksum: remote.checksum,
    countIncludingDeleted: remote.countIncludingDeleted,
  });

  const stats = await sandbox.control.stats();
  const perToken = Object.values(stats.requestsByToken).filter((t) => t.companyId === NORDLYS);
  const company = stats.requestsByCompany[NORDLYS];
  const report =
    `Pleo requests for ${COMPANY_NORDLYS.name} (${ENTRIES.toLocaleString("en")} entries, ${HANDOVERS} handovers, ` +
    `${instances.length} instances started): ${company.requests} in all, at most ${company.maxInAnyMinute} in any 60 s; ` +
    `per token: ${perToken.map((t) => `${t.requests} (max ${t.maxInAnyMinute} in any 60 s)`).join(", ")}; ` +
    `429s: ${stats.rateLimited}`;
  console.log(report);
  await testInfo.attach("per-token request counts", { body: report, contentType: "text/plain" });
  expect(perToken.length).toBeGreaterThan(0);
  for (const t of perToken) expect(t.maxInAnyMinute).toBeLessThanOrEqual(LIMIT);
  expect(company.maxInAnyMinute).toBeLessThanOrEqual(LIMIT);
  // The budget was really used: the sync ran at (nearly) the limit, not slowly by accident.
  expect(company.maxInAnyMinute).toBeGreaterThanOrEqual(LIMIT * 0.8);
  expect(stats.rateLimited).toBe(0);
});
