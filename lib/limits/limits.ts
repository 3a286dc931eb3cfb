import "server-only";

import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";
import { db } from "@/lib/db";
import { env, type Env } from "@/lib/env";
import { logger } from "@/lib/log";
import { processSlot } from "@/lib/process-singleton";
import { prismaStoreClient } from "@/lib/limits/store-client";

/**
 * The portal's abuse limits (README → Security → Abuse limits): a fixed number of hits per key per
 * window, counted in the portal's database so every instance shares them (rate-limiter-flexible's
 * PostgreSQL store over Prisma, lib/limits/store-client.ts). If the database cannot be reached the
 * library falls back to an in-process count (its "insurance" limiter), so an outage neither blocks
 * everyone nor lifts the limits.
 */

export type LimitName = "connect" | "callback" | "export" | "sync" | "settings";

/** What a limit counts per: the client's address (signed-out routes) or the portal session. */
export type LimitScope = "client" | "session";

const POINTS: Record<LimitName, keyof Env> = {
  connect: "RATE_LIMIT_CONNECT",
  callback: "RATE_LIMIT_CALLBACK",
  export: "RATE_LIMIT_EXPORT",
  sync: "RATE_LIMIT_SYNC",
  settings: "RATE_LIMIT_SETTINGS",
};

export type LimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

type Limiter = Pick<RateLimiterPostgres, "consume">;

/** One limiter per limit per process (the store is the database; this only holds its settings). */
const limiters = processSlot<Map<LimitName, Limiter>>("rate-limiters");

export function createLimiter(name: LimitName, points: number, windowSeconds: number): Limiter {
  return new RateLimiterPostgres({
    storeClient: prismaStoreClient(db),
    storeType: "client",
    tableName: "RateLimit",
    tableCreated: true,
    keyPrefix: name,
    points,
    duration: windowSeconds,
    insuranceLimiter: new RateLimiterMemory({ keyPrefix: name, points, duration: windowSeconds }),
  });
}

function limiterFor(name: LimitName): Limiter {
  const map = limiters.getOrCreate(() => new Map());
  let limiter = map.get(name);
  if (!limiter) {
    const e = env();
    limiter = createLimiter(name, e[POINTS[name]] as number, e.RATE_LIMIT_WINDOW_SECONDS);
    map.set(name, limiter);
  }
  return limiter;
}

/** Tests: forget the process's limiters (after changing the configuration or the database). */
export function resetLimitersForTests(): void {
  limiters.set(undefined);
}

/**
 * Count one hit of `name` for `key` (already prefixed by its scope, see keys.ts). Over the limit: the
 * seconds until the window ends, and one warning line (the limit, the scope and the request id from
 * the log context; never the key, which may derive from a session token).
 */
export async function consumeLimit(name: LimitName, scope: LimitScope, key: string): Promise<LimitVerdict> {
  try {
    await limiterFor(name).consume(`${scope}:${key}`);
    return { allowed: true };
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    logger().warn({ event: "rate_limit.denied", limit: name, scope, retryAfterSeconds }, "rate limit reached");
    return { allowed: false, retryAfterSeconds };
  }
}
