/**
 * lib/pleo/rate-budget.ts on one PGlite database, with the sleep recorded instead of waited: who waits,
 * how long (the bucket's refill spread over the window plus its slack), per connection; and the
 * per-company limiter map. The concurrency and windows are tests/pleo/rate-budget.test.ts's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSharedRateLimiter, limiterForCompany, SLACK_MS } from "@/lib/pleo/rate-budget";
import { DEMO_SECOND_COMPANY_ID, LARGE_COMPANY_ID, SOLO_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { createTestDatabase, type TestDatabase } from "@/tests/support/db";

let database: TestDatabase;
beforeAll(async () => {
  // The process database: the limiter's default.
  database = await createTestDatabase("pglite", { processDatabase: true });
});
afterAll(async () => {
  await database?.drop();
});

/** A limiter whose sleeps are recorded (and not waited), on a fresh budget row. */
async function recorded(opts: { perMinute?: number; burst?: number; windowMs?: number; slackMs?: number }) {
  await database.prisma.pleoRateBudget.deleteMany();
  const sleeps: number[] = [];
  const limiter = createSharedRateLimiter({
    companyId: LARGE_COMPANY_ID,
    ...opts,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { limiter, sleeps };
}

describe("shared limiter: who waits and how long", () => {
  it("the burst goes at once; then each waits its turn at the refill rate spread over 60 s + the slack", async () => {
    // perMinute 61, burst 1: 60 a minute refill, over 61 s (60 s + 1 s slack): one per 1016.7 ms.
    expect(SLACK_MS).toBe(1_000);
    const { limiter, sleeps } = await recorded({ perMinute: 61, burst: 1 });
    expect(limiter.perMinute).toBe(61);
    await limiter.acquire();
    expect(sleeps).toEqual([]);
    await limiter.acquire();
    await limiter.acquire();
    expect(sleeps).toHaveLength(2);
    // Less the milliseconds the statements took (the database clock refills meanwhile): loose floors.
    expect(sleeps[0]).toBeLessThanOrEqual(1017);
    expect(sleeps[0]).toBeGreaterThan(700);
    expect(sleeps[1]).toBeLessThanOrEqual(2034);
    expect(sleeps[1]).toBeGreaterThan(1400);
    expect(Number.isInteger(sleeps[0]) && Number.isInteger(sleeps[1])).toBe(true);
  });

  it("defaults: 500 a minute with a burst of 20", async () => {
    const { limiter, sleeps } = await recorded({});
    expect(limiter.perMinute).toBe(500);
    for (let i = 0; i < 20; i++) await limiter.acquire();
    expect(sleeps).toEqual([]);
  });

  it("a shorter window and slack scale the wait", async () => {
    // 5 per 20 s window with 20 s of slack, burst 4: 1 refill over 40 s (the default slack would make it 21 s).
    // Long enough that the first four statements, however slow on a loaded machine, refill little of it.
    const { limiter, sleeps } = await recorded({ perMinute: 5, burst: 4, windowMs: 20_000, slackMs: 20_000 });
    for (let i = 0; i < 5; i++) await limiter.acquire();
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeLessThanOrEqual(40_000);
    expect(sleeps[0]).toBeGreaterThan(30_000);
  });

  it("another connection's budget is its own", async () => {
    const { limiter, sleeps } = await recorded({ perMinute: 61, burst: 1 });
    await limiter.acquire();
    const other: number[] = [];
    const solo = createSharedRateLimiter({
      companyId: SOLO_COMPANY_ID,
      perMinute: 61,
      burst: 1,
      sleep: async (ms) => {
        other.push(ms);
      },
    });
    await solo.acquire();
    expect(sleeps).toEqual([]);
    expect(other).toEqual([]);
  });
});

describe("limiterForCompany", () => {
  it("one limiter per company and budget; a new budget replaces it", () => {
    const a = limiterForCompany(DEMO_SECOND_COMPANY_ID);
    expect(a.perMinute).toBe(500);
    expect(limiterForCompany(DEMO_SECOND_COMPANY_ID)).toBe(a);
    const b = limiterForCompany(DEMO_SECOND_COMPANY_ID, 100);
    expect(b).not.toBe(a);
    expect(b.perMinute).toBe(100);
    expect(limiterForCompany(DEMO_SECOND_COMPANY_ID, 100)).toBe(b);
    expect(limiterForCompany(SOLO_COMPANY_ID, 100)).not.toBe(b);
  });
});
