import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SECOND_COMPANY_ID, LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { createWorld, type World } from "@/tests/support/world";

/**
 * The process-wide entry points (`pleoClient`, `getAccessToken`, `keepAliveIdleConnections`) wired to
 * the `db` singleton, configuration (PLEO_* URLs, TOKEN_KEEPALIVE_DAYS) and the process logger.
 */

let world: World;

beforeAll(async () => {
  world = await createWorld({ database: "pglite", sandbox: { entries: 300 }, env: { TOKEN_KEEPALIVE_DAYS: "3" } });
});
afterAll(async () => {
  await world?.close();
});

describe("pleoClient(companyId) and the token entry points", () => {
  it("reads through the DB token manager and refreshes on a 401 from Pleo", async () => {
    await world.connect(LARGE_COMPANY_ID);
    const { pleoClient } = await import("@/lib/pleo/client");
    const { getAccessToken } = await import("@/lib/pleo/tokens");

    const client = pleoClient(LARGE_COMPANY_ID);
    expect((await client.getCompany()).id).toBe(LARGE_COMPANY_ID);

    await world.sandbox.control.advanceClock(601); // only Pleo's clock: expect a 401
    expect((await client.listEmployees({ limit: 2 })).items).toHaveLength(2);
    expect((await world.sandbox.control.stats()).tokenRequests.refresh_token).toBe(1);
    const row = await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: LARGE_COMPANY_ID } });
    expect(row.tokenVersion).toBe(1);
    expect(typeof (await getAccessToken(LARGE_COMPANY_ID))).toBe("string");
  });

  it("keep-alive uses TOKEN_KEEPALIVE_DAYS", async () => {
    await world.connect(DEMO_SECOND_COMPANY_ID);
    const { keepAliveIdleConnections } = await import("@/lib/pleo/tokens");
    const fourDaysAgo = new Date(Date.now() - 4 * 24 * 3600 * 1000);
    await world.prisma.pleoConnection.update({
      where: { companyId: DEMO_SECOND_COMPANY_ID },
      data: { refreshTokenIssuedAt: fourDaysAgo },
    });
    const report = await keepAliveIdleConnections();
    expect(report.refreshed).toEqual([DEMO_SECOND_COMPANY_ID]);
  });
});
