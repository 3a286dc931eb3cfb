/**
 * Graceful shutdown of a real server process (the deployed install, on PostgreSQL): SIGTERM arrives
 * while instance A backfills a company and while a sign-in is half-way through A's OAuth callback.
 * A finishes the sign-in, ends the sync after the page it is on (committed with its cursor), releases
 * the lease, closes the database and exits within the deadline. Instance B then resumes the backfill
 * from the saved cursor and starts the first sync A refused to start while draining: in the end the
 * copies equal the sandbox's (count + checksum), nothing lost, nothing written twice.
 */
import { COMPANY_BRIGHTWAVE, COMPANY_NORDLYS, DEMO_USER } from "../../sandbox/seed/fixtures";
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
const BRIGHTWAVE = COMPANY_BRIGHTWAVE.id;
const SEARCH = "/v1/accounting-entries:search";
const DEADLINE_S = 20;

let database: ClusterDatabase;
let sandbox: InProcessSandbox;
const instances: PortalProcess[] = [];

test.afterEach(({}, testInfo) => attachOutputsOnFailure(testInfo, instances));

test.afterAll(async () => {
  for (const i of instances) await i.stop(5_000);
  await sandbox?.close();
  await database?.drop();
});

test("SIGTERM mid-sync and mid-sign-in: both finish cleanly; another instance resumes from the cursor", async ({
  page,
}) => {
  const [portA, portB] = [clusterPort(), clusterPort()];
  database = await createClusterDatabase();
  sandbox = await startTestSandbox({ entries: 3_000, redirectUris: [callbackUrl(portA), callbackUrl(portB)] });
  const instance = async (port: number) => {
    const p = await startInstance({
      port,
      databaseUrl: database.url,
      sandboxUrl: sandbox.url,
      env: { SHUTDOWN_TIMEOUT_SECONDS: String(DEADLINE_S) },
    });
    instances.push(p);
    return p;
  };
  const a = await instance(portA);
  const state = async (companyId: string) =>
    (
      await query<{ leaseOwner: string | null; backfillSynced: number; backfillCompletedAt: Date | null }>(
        database.url,
        `SELECT "leaseOwner", "backfillSynced", "backfillCompletedAt" FROM "SyncState" WHERE "companyId" = $1::uuid`,
        [companyId],
      )
    )[0];

  // Connect Nordlys on A; its first sync starts there, slowed to 250 ms a page so it is mid-way below.
  await sandbox.control.fault({ path: SEARCH, latencyMs: 250 });
  const demo = { email: DEMO_USER.email, password: DEMO_USER.password };
  await connectCompany(page, {
    ...demo,
    companyName: COMPANY_NORDLYS.name,
    start: () => page.goto(`${a.url}/connect/pleo`),
  });
  await expect(page).toHaveURL(`${a.url}/dashboard`);
  await waitUntil(
    "five committed pages",
    () => state(NORDLYS),
    (s) => (s?.backfillSynced ?? 0) >= 500,
  );

  // A second sign-in on A, for Brightwave: its callback waits 3 s on Pleo's company endpoint.
  const companyPath = `/v1/companies/${BRIGHTWAVE}`;
  await sandbox.control.fault({ path: companyPath, latencyMs: 3_000, times: 1 });
  const callback = page.waitForResponse((r) => r.url().startsWith(callbackUrl(portA)));
  // The browser's landing after the callback finds A gone; the callback's own answer is what counts.
  const secondConnect = connectCompany(page, {
    ...demo,
    companyName: COMPANY_BRIGHTWAVE.name,
    start: () => page.goto(`${a.url}/connect/pleo`),
  }).catch(() => undefined);
  // The one-time fault is used up the moment the callback's request reaches it (then it waits 3 s).
  await waitUntil(
    "the callback to be waiting on Pleo",
    () => sandbox.control.faults(),
    (faults) => !faults.some((f) => f.path === companyPath),
  );

  a.signal("SIGTERM");
  const answer = await callback;
  expect(answer.status()).toBeGreaterThanOrEqual(300);
  expect(answer.status()).toBeLessThan(400);
  expect(new URL(answer.headers()["location"], a.url).pathname).toBe("/dashboard");
  const exit = await a.exited;
  await secondConnect;
  expect(exit.code).toBe(143);
  expect(exit.msAfterSignal).toBeLessThan(DEADLINE_S * 1000);

  // The sign-in in flight completed: Brightwave is linked. A draining instance started no sync for it.
  const linked = await query<{ companyId: string; status: string }>(
    database.url,
    `SELECT "companyId"::text AS "companyId", status::text AS status FROM "PleoConnection" ORDER BY "connectedAt"`,
  );
  expect(linked).toEqual([
    { companyId: NORDLYS, status: "CONNECTED" },
    { companyId: BRIGHTWAVE, status: "CONNECTED" },
  ]);
  expect(await query(database.url, `SELECT 1 FROM "SyncRun" WHERE "companyId" = $1::uuid`, [BRIGHTWAVE])).toEqual([]);

  // The sync stopped at a page boundary: rows and cursor in step, lease released, run recorded.
  const stopped = await state(NORDLYS);
  expect(stopped.leaseOwner).toBeNull();
  expect(stopped.backfillCompletedAt).toBeNull();
  expect((await entrySummary(database.url, NORDLYS)).countIncludingDeleted).toBe(stopped.backfillSynced);
  const [aborted] = await query<{ status: string; pages: number; error: string }>(
    database.url,
    `SELECT status, pages, error FROM "SyncRun" WHERE "companyId" = $1::uuid`,
    [NORDLYS],
  );
  expect(aborted).toMatchObject({ status: "aborted", pages: stopped.backfillSynced / 100 });
  expect(aborted.error).toBe("shutdown");

  // A said what it did, one JSON line per event; the sign-in's two halves share a flow id.
  const lines = a.lines();
  const events = lines.map((l) => l.event ?? l.msg);
  for (const e of ["shutdown: SIGTERM received", "server.shutdown", "sync: run aborted", "server.shutdown.done"])
    expect(events).toContain(e);
  expect(lines.find((l) => l.msg === "shutdown: background jobs stopped")).toBeTruthy();
  expect(lines.find((l) => l.msg === "shutdown: database stopped")).toBeTruthy();
  const starts = lines.filter((l) => l.event === "auth.signin.start");
  const done = lines.filter((l) => l.event === "auth.signin.done");
  expect(done).toHaveLength(2);
  expect(done.map((l) => l.flow)).toEqual(starts.map((l) => l.flow));
  expect(done[1]).toMatchObject({ companyId: BRIGHTWAVE, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });

  // Instance B: its scheduler resumes Nordlys from the cursor and starts Brightwave's first sync.
  await sandbox.control.clearFaults();
  const b = await instance(portB);
  await waitUntil(
    "both backfills complete",
    async () => [await state(NORDLYS), await state(BRIGHTWAVE)],
    (s) => s.every((x) => x?.backfillCompletedAt),
    120_000,
  );
  for (const companyId of [NORDLYS, BRIGHTWAVE]) {
    const remote = await sandbox.control.summary(companyId);
    expect(await entrySummary(database.url, companyId)).toEqual({
      count: remote.count,
      checksum: remote.checksum,
      countIncludingDeleted: remote.countIncludingDeleted,
    });
  }
  // `written`: rows inserted (entries arriving already deleted count as deleted, not created).
  const runs = await query<{ status: string; pages: number; written: number; updated: number }>(
    database.url,
    `SELECT status, pages, created + deleted AS written, updated FROM "SyncRun"
     WHERE "companyId" = $1::uuid AND kind = 'backfill' ORDER BY "startedAt"`,
    [NORDLYS],
  );
  const total = (await sandbox.control.summary(NORDLYS)).countIncludingDeleted;
  // B read and wrote only what A had not: no page twice.
  expect(runs).toEqual([
    { status: "aborted", pages: stopped.backfillSynced / 100, written: stopped.backfillSynced, updated: 0 },
    {
      status: "succeeded",
      pages: Math.ceil((total - stopped.backfillSynced) / 100),
      written: total - stopped.backfillSynced,
      updated: 0,
    },
  ]);
  expect(b.lines().find((l) => l.msg === "sync: run started" && l.companyId === NORDLYS)).toBeTruthy();
});
