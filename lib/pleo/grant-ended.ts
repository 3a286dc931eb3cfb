import "server-only";

import type { Prisma } from "@/lib/generated/prisma/client";
import { processSlot } from "@/lib/process-singleton";

/**
 * "Pleo stopped accepting a company's grant" (refresh token refused: revoked, or the app was uninstalled
 * in Pleo; or an interrupted refresh whose token is no longer active): writes other features attach here
 * run INSIDE the transaction that marks the connection NEEDS_REAUTH (lib/pleo/token-refresh.ts), so the
 * status and what depends on it change together or not at all. lib/pleo cannot import the features that
 * care (lib/connections removes the company from every portal session), so they register themselves:
 * instrumentation.ts at server start, tests explicitly. A write that throws rolls the status back too,
 * and the next token use tries again.
 */

export type GrantEndedWrite = (tx: Prisma.TransactionClient, companyId: string) => Promise<unknown>;

const slot = processSlot<Map<string, GrantEndedWrite>>("grant-ended-writes");

// One map per process (dev hot reloads and separate bundles share it); by name, so registering again replaces.
const writes = (): Map<string, GrantEndedWrite> => slot.getOrCreate(() => new Map());

/** Attach a write under `name` (registering the same name again replaces it); returns a function that detaches it. */
export function registerGrantEndedWrite(name: string, fn: GrantEndedWrite): () => void {
  writes().set(name, fn);
  return () => {
    if (writes().get(name) === fn) writes().delete(name);
  };
}

/** Run every registered write, in registration order, inside the caller's transaction. */
export async function runGrantEndedWrites(tx: Prisma.TransactionClient, companyId: string): Promise<void> {
  for (const fn of [...writes().values()]) await fn(tx, companyId);
}
