/** Timing helpers shared by the Pleo client, the token manager and the sync. */

export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** "Equal jitter": a random wait between half of `ms` and `ms`, so retrying callers spread out. */
export function jittered(ms: number): number {
  return Math.round(ms / 2 + Math.random() * (ms / 2));
}

/** Exponential backoff for the n-th consecutive failure (1-based): base · 2^(n−1), capped, jittered. */
export function backoffMs(failures: number, baseMs: number, maxMs: number): number {
  return jittered(Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1)));
}
