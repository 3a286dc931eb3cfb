import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setDatabaseForProcess } from "@/lib/db";
import { resetEnvForTests } from "@/lib/env";
import type { RunningSandbox } from "@/sandbox/server";
import { DEMO_SECOND_COMPANY_ID, LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { control, seedConnection, startTestSandbox, stats } from "./support";

/**
 * The process-wide entry points (`pleoClient`, `getAccessToken`, `keepAliveIdleConnections`) wired to
 * the `db` singleton, configuration (PLEO_* URLs, TOKEN_KEEPALIVE_DAYS) and the process logger.
 */

let sb: RunningSandbox;
let tdb: TestDatabase;

beforeAll(async () => {
  sb = await startTestSandbox();
  tdb = await createTestDatabase("pglite");
  setDatabaseForProcess(tdb);
  process.env.PLEO_AUTH_URL = sb.url;
  process.env.PLEO_API_URL = sb.url;
  process.env.LOG_LEVEL = "silent";
  process.env.TOKEN_KEEPALIVE_DAYS = "3";
  resetEnvForTests();
});
afterAll(async () => {
  setDatabaseForProcess(undefined);
  await tdb?.drop();
  await sb?.close();
});

describe("pleoClient(companyId) and the token entry points", () => {
  it("reads through the DB token manager and refreshes on a 401 from Pleo", async () => {
    await seedConnection(tdb, sb.url, LARGE_COMPANY_ID);
    const { pleoClient } = await import("@/lib/pleo/client");
    const { getAccessToken } = await import("@/lib/pleo/tokens");

    const client = pleoClient(LARGE_COMPANY_ID);
    expect((await client.getCompany()).id).toBe(LARGE_COMPANY_ID);

    await control(sb.url, "/__sandbox/clock", { advanceSeconds: 601 }); // only Pleo's clock: expect a 401
    expect((await client.listEmployees({ limit: 2 })).items).toHaveLength(2);
    expect((await stats(sb.url)).tokenRequests.refresh_token).toBe(1);
    const row = await tdb.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: LARGE_COMPANY_ID } });
    expect(row.tokenVersion).toBe(1);
    expect(typeof (await getAccessToken(LARGE_COMPANY_ID))).toBe("string");
  });

  it("keep-alive uses TOKEN_KEEPALIVE_DAYS", async () => {
    await seedConnection(tdb, sb.url, DEMO_SECOND_COMPANY_ID);
    const { keepAliveIdleConnections } = await import("@/lib/pleo/tokens");
    const fourDaysAgo = new Date(Date.now() - 4 * 24 * 3600 * 1000);
    await tdb.prisma.pleoConnection.update({
      where: { companyId: DEMO_SECOND_COMPANY_ID },
      data: { refreshTokenIssuedAt: fourDaysAgo },
    });
    const report = await keepAliveIdleConnections();
    expect(report.refreshed).toEqual([DEMO_SECOND_COMPANY_ID]);
  });
});
