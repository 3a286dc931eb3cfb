/**
 * lib/pleo/limiter.ts: the token bucket's size and refill for a budget, and the in-process limiter
 * on a fake clock (burst, refill, the exact wait, order, idle cap).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { bucketFor, createRateLimiter, DEFAULT_REQUESTS_PER_MINUTE, unlimited } from "@/lib/pleo/limiter";

describe("bucketFor", () => {
  it("a tenth of the budget, at most 20, at least 1; the rest refills per minute", () => {
    expect(bucketFor(500)).toEqual({ burst: 20, refillPerMinute: 480 });
    expect(bucketFor(600)).toEqual({ burst: 20, refillPerMinute: 580 });
    expect(bucketFor(50)).toEqual({ burst: 5, refillPerMinute: 45 });
    expect(bucketFor(5)).toEqual({ burst: 1, refillPerMinute: 4 });
    expect(bucketFor(1)).toEqual({ burst: 1, refillPerMinute: 1 });
  });

  it("an explicit burst, kept below the budget", () => {
    expect(bucketFor(500, 50)).toEqual({ burst: 50, refillPerMinute: 450 });
    expect(bucketFor(10, 30)).toEqual({ burst: 9, refillPerMinute: 1 });
    expect(bucketFor(10, 0)).toEqual({ burst: 1, refillPerMinute: 9 });
  });

  it("refuses a budget that is not positive", () => {
    for (const bad of [0, -5, Number.NaN]) {
      expect(() => bucketFor(bad)).toThrow(`rate limit must be positive, got ${bad}`);
    }
  });
});

describe("createRateLimiter on a fake clock", () => {
  afterEach(() => vi.useRealTimers());

  /** A limiter whose clock is the fake timers' clock, and the admission times of `n` callers. */
  function start(opts: { perMinute?: number; burst?: number }, n: number) {
    vi.useFakeTimers({ now: 0 });
    const limiter = createRateLimiter({ ...opts, now: () => Date.now() });
    const admitted: Array<{ caller: number; at: number }> = [];
    for (let i = 0; i < n; i++) void limiter.acquire().then(() => admitted.push({ caller: i, at: Date.now() }));
    return { limiter, admitted };
  }

  it("the burst at once, then one every 60 000 / refill ms, first come first served", async () => {
    // perMinute 62, burst 2: refill 60 a minute, one a second.
    const { admitted, limiter } = start({ perMinute: 62, burst: 2 }, 5);
    expect(limiter.perMinute).toBe(62);
    await vi.advanceTimersByTimeAsync(0);
    expect(admitted).toEqual([
      { caller: 0, at: 0 },
      { caller: 1, at: 0 },
    ]);
    await vi.advanceTimersByTimeAsync(999);
    expect(admitted).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(admitted[2]).toEqual({ caller: 2, at: 1000 });
    await vi.advanceTimersByTimeAsync(2000);
    expect(admitted.slice(3)).toEqual([
      { caller: 3, at: 2000 },
      { caller: 4, at: 3000 },
    ]);
  });

  it("a wait rounds up to the next whole millisecond", async () => {
    // refill 58 a minute: one every 1034.48… ms, so the first wait is 1035 ms.
    const { admitted } = start({ perMinute: 60, burst: 2 }, 3);
    await vi.advanceTimersByTimeAsync(1034);
    expect(admitted).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(admitted[2]).toEqual({ caller: 2, at: 1035 });
  });

  it("a caller arriving part-way through a refill waits only for the rest of it", async () => {
    // perMinute 61, burst 1: one a second. Half a second after the burst, half a token is back.
    const { limiter, admitted } = start({ perMinute: 61, burst: 1 }, 1);
    await vi.advanceTimersByTimeAsync(500);
    void limiter.acquire().then(() => admitted.push({ caller: 1, at: Date.now() }));
    await vi.advanceTimersByTimeAsync(500);
    expect(admitted).toEqual([
      { caller: 0, at: 0 },
      { caller: 1, at: 1000 },
    ]);
  });

  it("a wake-up that runs late admits the waiter and keeps the rest of the refill for the next caller", async () => {
    const { limiter, admitted } = start({ perMinute: 62, burst: 2 }, 3);
    await vi.advanceTimersByTimeAsync(0);
    expect(admitted).toHaveLength(2);
    // A busy event loop: the clock moves a minute on before the pending wake-up (due at 1000) runs.
    vi.setSystemTime(60_000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(admitted[2].caller).toBe(2);
    let next = false;
    void limiter.acquire().then(() => (next = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(next).toBe(true);
  });

  it("an idle limiter saves up no more than its burst", async () => {
    const { limiter, admitted } = start({ perMinute: 62, burst: 2 }, 2);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(admitted).toHaveLength(2);
    let later = 0;
    for (let i = 0; i < 4; i++) void limiter.acquire().then(() => later++);
    await vi.advanceTimersByTimeAsync(0);
    expect(later).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(later).toBe(3);
  });

  it("a caller arriving while others wait queues behind them even when a token is due", async () => {
    // perMinute 61, burst 1: refill 60 a minute, one a second.
    const { limiter, admitted } = start({ perMinute: 61, burst: 1 }, 3);
    await vi.advanceTimersByTimeAsync(0);
    expect(admitted.map((a) => a.caller)).toEqual([0]);
    await vi.advanceTimersByTimeAsync(999);
    // The clock reaches the next token before the pending wake-up runs; a newcomer takes its turn anyway.
    vi.setSystemTime(1000);
    void limiter.acquire().then(() => admitted.push({ caller: 99, at: Date.now() }));
    await vi.advanceTimersByTimeAsync(3000);
    expect(admitted.map((a) => a.caller)).toEqual([0, 1, 2, 99]);
  });

  it("one wake-up timer however many callers wait", async () => {
    const { admitted } = start({ perMinute: 61, burst: 1 }, 6);
    await vi.advanceTimersByTimeAsync(0);
    expect(admitted).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(admitted).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(4000);
    expect(admitted).toHaveLength(6);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("defaults to 500 a minute; unlimited never waits", async () => {
    expect(DEFAULT_REQUESTS_PER_MINUTE).toBe(500);
    expect(createRateLimiter().perMinute).toBe(500);
    expect(unlimited.perMinute).toBe(Infinity);
    await expect(unlimited.acquire()).resolves.toBeUndefined();
  });
});
