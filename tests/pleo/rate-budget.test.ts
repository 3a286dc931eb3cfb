/**
 * The shared request budget (lib/pleo/rate-budget.ts) on a real database: several limiters standing for
 * several instances (on PostgreSQL each with its own connection pool) take from one connection's
 * budget at once, and the requests they admit never exceed the limit in any window. Scaled down to a
 * 2 s window so a run takes seconds: the bucket's arithmetic is the same at 60 s.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "@/lib/db/connect";
import { createRateLimiter, type RateLimiter } from "@/lib/pleo/limiter";
import { createSharedRateLimiter } from "@/lib/pleo/rate-budget";
import { LARGE_COMPANY_ID, SOLO_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { createTestDatabase, DATABASE_KINDS, databaseUnavailable, type TestDatabase } from "@/tests/support/db";

const WINDOW_MS = 2_000;
const LIMIT = 40;
const BURST = 4;
// The test records an admission when acquire() returns, not when the database granted it; on a loaded
// machine the event loop can bunch those records by a few hundred ms. A slack that covers that keeps
// the assertion about the bucket, not the scheduler (the bucket's arithmetic does not depend on it).
const SLACK_MS = 500;
const RUN_MS = 4_000;

/** The most timestamps any window of `windowMs` holds (half-open: (t − windowMs, t]). */
function maxInAnyWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let start = 0;
  let max = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[start] <= sorted[end] - windowMs) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

/** `callers` loops per limiter, each acquiring as fast as admitted until `RUN_MS` passed; the admission times. */
async function hammer(limiters: RateLimiter[], callers: number): Promise<number[]> {
  const admitted: number[] = [];
  const stopAt = Date.now() + RUN_MS;
  await Promise.all(
    limiters.flatMap((limiter) =>
      Array.from({ length: callers }, async () => {
        while (Date.now() < stopAt) {
          await limiter.acquire();
          if (Date.now() < stopAt) admitted.push(Date.now());
        }
      }),
    ),
  );
  return admitted;
}

for (const kind of DATABASE_KINDS) {
  describe.skipIf(databaseUnavailable(kind))(`shared request budget (${kind})`, () => {
    let database: TestDatabase;
    const extra: Database[] = [];
    beforeAll(async () => {
      database = await createTestDatabase(kind);
    });
    afterAll(async () => {
      for (const d of extra) await d.close();
      await database?.drop();
    });

    /** Three "instances": on PostgreSQL three clients with their own pools; PGlite has one process only. */
    function instances(companyId: string): RateLimiter[] {
      const clients =
        kind === "postgres"
          ? [0, 1, 2].map(() => {
              const d = createDatabase({ kind: "postgres", url: database.url! });
              extra.push(d);
              return d.prisma;
            })
          : [database.prisma, database.prisma, database.prisma];
      return clients.map((sql) =>
        createSharedRateLimiter({
          companyId,
          perMinute: LIMIT,
          burst: BURST,
          windowMs: WINDOW_MS,
          slackMs: SLACK_MS,
          sql,
        }),
      );
    }

    it("three instances × 10 callers never exceed the limit in any window", async () => {
      const times = await hammer(instances(LARGE_COMPANY_ID), 10);
      expect(maxInAnyWindow(times, WINDOW_MS)).toBeLessThanOrEqual(LIMIT);
      // Never more than the bucket allows over the run (the burst, then its refill rate); and it does
      // admit work (how close to that it gets depends on the machine, so only a loose floor).
      const allowed = BURST + ((LIMIT - BURST) * RUN_MS) / (WINDOW_MS + SLACK_MS);
      expect(times.length).toBeLessThanOrEqual(Math.ceil(allowed));
      expect(times.length).toBeGreaterThanOrEqual(Math.floor(allowed * 0.5));
    }, 30_000);

    it("budgets are per connection: another company's requests do not slow this one", async () => {
      const [busy, quiet] = [instances(LARGE_COMPANY_ID), instances(SOLO_COMPANY_ID)];
      const [busyTimes, quietTimes] = await Promise.all([hammer(busy, 5), hammer(quiet.slice(0, 1), 1)]);
      expect(maxInAnyWindow(busyTimes, WINDOW_MS)).toBeLessThanOrEqual(LIMIT);
      expect(maxInAnyWindow(quietTimes, WINDOW_MS)).toBeLessThanOrEqual(LIMIT);
      expect(quietTimes.length).toBeGreaterThanOrEqual(Math.floor(busyTimes.length * 0.5));
    }, 30_000);

    it("control: a budget per instance (in-process buckets) lets three instances exceed the limit", async () => {
      const local = [0, 1, 2].map(() => createRateLimiter({ perMinute: (LIMIT * 60_000) / WINDOW_MS, burst: BURST }));
      const times = await hammer(local, 10);
      expect(maxInAnyWindow(times, WINDOW_MS)).toBeGreaterThan(LIMIT * 2);
    }, 30_000);
  });
}
