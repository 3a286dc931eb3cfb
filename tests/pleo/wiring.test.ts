import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPANY_THISTLE, DEMO_SECOND_COMPANY_ID, LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { captureLogger, setProcessLogger } from "@/tests/support/logs";
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

    // Its requests are logged through the process logger, as the pleo-client component.
    const cap = captureLogger();
    setProcessLogger(cap.logger);
    let client: ReturnType<typeof pleoClient>;
    try {
      client = pleoClient(LARGE_COMPANY_ID);
      expect((await client.getCompany()).id).toBe(LARGE_COMPANY_ID);
    } finally {
      setProcessLogger(undefined);
    }
    const requests = cap.lines().filter((l) => l.msg === "Pleo request");
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ component: "pleo-client", outcome: "ok" });

    await world.sandbox.control.advanceClock(601); // only Pleo's clock: expect a 401
    expect((await client.listEmployees({ limit: 2 })).items).toHaveLength(2);
    expect((await world.sandbox.control.stats()).tokenRequests.refresh_token).toBe(1);
    const row = await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId: LARGE_COMPANY_ID } });
    expect(row.tokenVersion).toBe(1);
    expect(typeof (await getAccessToken(LARGE_COMPANY_ID))).toBe("string");
  });

  it("waits on the connection's request budget (PLEO_RATE_LIMIT_PER_MINUTE): request N+1 after the burst waits", async () => {
    // 60 a minute: a burst of 6, then one request per (60 s + 1 s slack) / 54 ≈ 1.13 s (lib/pleo/limiter.ts).
    world.configure({ PLEO_RATE_LIMIT_PER_MINUTE: "60" });
    try {
      await world.connect(COMPANY_THISTLE.id);
      const { pleoClient } = await import("@/lib/pleo/client");
      const client = pleoClient(COMPANY_THISTLE.id);
      const before = (await world.sandbox.control.stats()).apiRequests;
      const start = performance.now();
      const done: number[] = [];
      for (let i = 0; i < 8; i++) {
        await client.getCompany();
        done.push(performance.now() - start);
      }
      expect((await world.sandbox.control.stats()).apiRequests - before).toBe(8);
      const step = 61_000 / 54;
      // The bucket admits request k only once 6 + elapsed / step ≥ k, however fast or slow the machine:
      // the 7th and 8th wait for one and two refills. (Without the limiter they follow at once.)
      expect(done[6]).toBeGreaterThanOrEqual(step * 0.9);
      expect(done[7]).toBeGreaterThanOrEqual(step * 1.8);
    } finally {
      world.configure();
    }
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
