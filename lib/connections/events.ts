import "server-only";

import { logger } from "@/lib/log";
import { processSlot } from "@/lib/process-singleton";

/**
 * "A company was just connected (or reconnected)": other features attach work here (e.g. the sync
 * engine starts the first sync) without the connect flow knowing them. Hooks run after the tokens are
 * stored; a hook that throws or rejects is logged and never breaks sign-in. Hooks should return quickly
 * (start long work in the background): the browser waits for them on the OAuth callback.
 */

export type ConnectedHook = (companyId: string) => void | Promise<void>;

const slot = processSlot<Set<ConnectedHook>>("connected-hooks");

// One list per process, so dev hot reloads and separate module instances share it.
const hooks = (): Set<ConnectedHook> => slot.getOrCreate(() => new Set());

/** Attach a hook; returns a function that detaches it (handy in tests). */
export function registerConnectedHook(fn: ConnectedHook): () => void {
  hooks().add(fn);
  return () => {
    hooks().delete(fn);
  };
}

export async function onCompanyConnected(companyId: string): Promise<void> {
  const results = await Promise.allSettled([...hooks()].map(async (fn) => fn(companyId)));
  for (const r of results) {
    if (r.status === "rejected") {
      logger().error({ companyId, err: r.reason }, "connected hook failed");
    }
  }
}
