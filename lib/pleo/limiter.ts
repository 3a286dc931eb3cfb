/**
 * Client-side request limiter: a token bucket per connection, FIFO. Pleo allows 600 requests/minute
 * and asks integrations to stay at or below 500 (README → Token lifecycle → API client). A bucket of `burst` tokens that
 * refills at (perMinute − burst)/minute admits at most `perMinute` requests in any 60-second window
 * (burst + refill), so the guidance holds even for bursty callers.
 */

import { processSlot } from "@/lib/process-singleton";

export type RateLimiter = {
  /** Resolves when the caller may send one request. */
  acquire(): Promise<void>;
  readonly perMinute: number;
};

export type RateLimiterOptions = {
  perMinute?: number;
  burst?: number;
  now?: () => number;
};

export const DEFAULT_REQUESTS_PER_MINUTE = 500;

export function createRateLimiter(opts: RateLimiterOptions = {}): RateLimiter {
  const perMinute = opts.perMinute ?? DEFAULT_REQUESTS_PER_MINUTE;
  if (!(perMinute > 0)) throw new Error(`rate limit must be positive, got ${perMinute}`);
  const burst = Math.max(1, Math.min(opts.burst ?? Math.min(20, Math.floor(perMinute / 10)), perMinute - 1 || 1));
  const refillPerMs = Math.max(perMinute - burst, 1) / 60_000;
  const now = opts.now ?? Date.now;

  let tokens = burst;
  let last = now();
  const waiters: Array<() => void> = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  function refill(): void {
    const t = now();
    tokens = Math.min(burst, tokens + (t - last) * refillPerMs);
    last = t;
  }

  function drain(): void {
    timer = undefined;
    refill();
    while (waiters.length > 0 && tokens >= 1) {
      tokens -= 1;
      waiters.shift()!();
    }
    if (waiters.length > 0) {
      const waitMs = Math.max(1, Math.ceil((1 - tokens) / refillPerMs));
      timer = setTimeout(drain, waitMs);
      // A pending limiter wait must not keep a finished script alive on its own.
      timer.unref?.();
    }
  }

  return {
    perMinute,
    acquire() {
      refill();
      if (waiters.length === 0 && tokens >= 1) {
        tokens -= 1;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        waiters.push(resolve);
        if (!timer) drain();
      });
    },
  };
}

/** No limit (benchmarks of the token path, tests that count requests). */
export const unlimited: RateLimiter = { perMinute: Infinity, acquire: () => Promise.resolve() };

const limiters = processSlot<Map<string, RateLimiter>>("pleo-limiters");

/** The process's limiter for one connection (one bucket per company, shared by every caller). */
export function limiterForCompany(companyId: string, perMinute = DEFAULT_REQUESTS_PER_MINUTE): RateLimiter {
  const map = limiters.getOrCreate(() => new Map());
  let limiter = map.get(companyId);
  if (!limiter || limiter.perMinute !== perMinute) {
    limiter = createRateLimiter({ perMinute });
    map.set(companyId, limiter);
  }
  return limiter;
}
