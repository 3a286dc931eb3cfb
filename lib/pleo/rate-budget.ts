import "server-only";

import { db } from "@/lib/db";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { bucketFor, DEFAULT_REQUESTS_PER_MINUTE, type RateLimiter } from "@/lib/pleo/limiter";
import { processSlot } from "@/lib/process-singleton";
import { sleep as defaultSleep } from "@/lib/util/async";

/**
 * Pleo limits requests per connection, not per server: N portal instances with a budget each would
 * together send N × 500 a minute for one company. So the budget lives in the database, one row per
 * connection (PleoRateBudget), and every instance takes from it.
 *
 * A token bucket (limiter.ts: `burst` tokens, refilled at (perMinute − burst) per minute), kept as
 * "tokens now" + "when last refilled" and taken from with ONE atomic statement per request: refill by
 * the database clock's elapsed time, take one, return what is left. The row lock serialises instances;
 * the database's clock is the only clock, so instances' clocks never matter. What is left may be
 * negative: the request then has a slot in the future — it waits −left / rate seconds — and the
 * requests after it queue behind (first come, first served across all instances, no polling).
 *
 * The bucket admits at most perMinute requests in any 60 s window at the moment each slot is taken.
 * A request reaches Pleo a little after its slot (the answer from the database, the event loop, the
 * network); the refill is therefore spread over 60 s + `slackMs` (1 s), so requests arriving up to a
 * second late still stay within perMinute in any 60 s window as Pleo counts them. The cost: about
 * 1.6 % of the sustained rate.
 */

export const SLACK_MS = 1_000;

type Sql = Pick<PrismaClient, "$queryRawUnsafe">;

export type SharedRateLimiterOptions = {
  companyId: string;
  /** Requests per window (per minute by default). */
  perMinute?: number;
  burst?: number;
  slackMs?: number;
  /** The window `perMinute` is counted over; 60 s, shorter in tests. */
  windowMs?: number;
  /** The database holding the budget; the process database by default. */
  sql?: Sql;
  sleep?: (ms: number) => Promise<void>;
};

const TAKE = `
WITH t AS (SELECT clock_timestamp() AS now)
INSERT INTO "PleoRateBudget" AS b ("companyId", "tokens", "refilledAt")
SELECT $1::uuid, $2::float8 - 1, t.now FROM t
ON CONFLICT ("companyId") DO UPDATE SET
  "tokens" = LEAST($2::float8,
               b."tokens" + $3::float8 * GREATEST(0, EXTRACT(EPOCH FROM (EXCLUDED."refilledAt" - b."refilledAt"))))
             - 1,
  "refilledAt" = GREATEST(b."refilledAt", EXCLUDED."refilledAt")
RETURNING "tokens" AS "left"`;

/** The connection's shared budget: `acquire()` resolves at the moment the caller may send one request. */
export function createSharedRateLimiter(opts: SharedRateLimiterOptions): RateLimiter {
  const perMinute = opts.perMinute ?? DEFAULT_REQUESTS_PER_MINUTE;
  const { burst, refillPerMinute } = bucketFor(perMinute, opts.burst);
  const refillPerSecond = refillPerMinute / (((opts.windowMs ?? 60_000) + (opts.slackMs ?? SLACK_MS)) / 1000);
  const sleep = opts.sleep ?? defaultSleep;
  return {
    perMinute,
    async acquire() {
      const sql = opts.sql ?? db;
      const [{ left }] = await sql.$queryRawUnsafe<{ left: number }[]>(TAKE, opts.companyId, burst, refillPerSecond);
      if (left < 0) await sleep(Math.ceil((-left / refillPerSecond) * 1000));
    },
  };
}

const limiters = processSlot<Map<string, RateLimiter>>("pleo-limiters");

/** The limiter for one connection: its budget shared by every caller in every instance. */
export function limiterForCompany(companyId: string, perMinute = DEFAULT_REQUESTS_PER_MINUTE): RateLimiter {
  const map = limiters.getOrCreate(() => new Map());
  let limiter = map.get(companyId);
  if (!limiter || limiter.perMinute !== perMinute) {
    limiter = createSharedRateLimiter({ companyId, perMinute });
    map.set(companyId, limiter);
  }
  return limiter;
}
