/**
 * Client-side request limiting. Pleo allows 600 requests/minute per connection and asks integrations
 * to stay at or below 500 (README → Token lifecycle → API client). Both limiters here are token buckets
 * of `burst` tokens refilled at (perMinute − burst) per minute, which admits at most `perMinute`
 * requests in any 60-second window (burst + refill), so the guidance holds even for bursty callers.
 *
 * The portal uses the shared bucket (rate-budget.ts): one per connection in the database, so every
 * instance draws from the same budget. `createRateLimiter` is the same bucket in one process's memory,
 * for code that talks to Pleo outside the portal's database (benchmarks, tests).
 */

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

/** The bucket for `perMinute`: its size (at most 20, a tenth of the budget) and refill per minute. */
export function bucketFor(perMinute: number, burst?: number): { burst: number; refillPerMinute: number } {
  if (!(perMinute > 0)) throw new Error(`rate limit must be positive, got ${perMinute}`);
  const size = Math.max(1, Math.min(burst ?? Math.min(20, Math.floor(perMinute / 10)), perMinute - 1 || 1));
  return { burst: size, refillPerMinute: Math.max(perMinute - size, 1) };
}

export function createRateLimiter(opts: RateLimiterOptions = {}): RateLimiter {
  const perMinute = opts.perMinute ?? DEFAULT_REQUESTS_PER_MINUTE;
  const { burst, refillPerMinute } = bucketFor(perMinute, opts.burst);
  const refillPerMs = refillPerMinute / 60_000;
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
