import "server-only";

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "@/lib/log";
import { NOW_UTC, type SqlRunner } from "@/lib/sync/sql";

/**
 * The per-company sync lease in SyncState: exactly one holder across all portal processes. Taking it
 * is one atomic UPDATE … WHERE (free or expired), so two processes racing for it cannot both win; the
 * holder renews it on every page (and on a heartbeat), and a holder that dies simply stops renewing,
 * so the lease expires and another process takes over (resuming from the saved cursor).
 */

export class LeaseLostError extends Error {
  constructor(companyId: string) {
    super(`sync lease for company ${companyId} was lost (expired and taken by another process)`);
    this.name = "LeaseLostError";
  }
}

/** A lease as its holder knows it: whose, held by whom, renewed for how long each time. */
export type HeldLease = { companyId: string; owner: string; ttlMs: number };

/** A lease owner id unique to this process (and to each run, so two runs in one process are distinct). */
export function newLeaseOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

const expiry = (ttlMs: number) => `${NOW_UTC} + make_interval(secs => ${Math.max(1, ttlMs) / 1000})`;

/**
 * The SET items that extend the lease. Every write its holder makes to SyncState carries them, with
 * `WHERE "companyId" = … AND "leaseOwner" = <owner>` and `expectHeld` on the row count.
 */
export const extendLease = (lease: HeldLease) => `"leaseExpiresAt" = ${expiry(lease.ttlMs)}, "updatedAt" = ${NOW_UTC}`;

/** A lease-checked UPDATE changes the one row while the owner holds the lease, none once it was lost. */
export function expectHeld(updatedRows: number, lease: HeldLease): void {
  if (updatedRows !== 1) throw new LeaseLostError(lease.companyId);
}

/** Ensure the company's SyncState row exists (it carries the lease). */
export async function ensureSyncState(sql: SqlRunner, companyId: string): Promise<void> {
  await sql.$executeRawUnsafe(
    `INSERT INTO "SyncState" ("companyId", "updatedAt") VALUES ($1::uuid, ${NOW_UTC}) ON CONFLICT ("companyId") DO NOTHING`,
    companyId,
  );
}

/**
 * Take the lease if it is free or expired. True when `owner` now holds it. `dueAt` (scheduled runs):
 * also only while the company's next run is due at that time, in the same statement — an instance
 * whose list of due companies is a moment old must not start a run another instance just finished
 * (which moved nextRunAt on and released the lease).
 */
export async function acquireLease(
  sql: SqlRunner,
  companyId: string,
  owner: string,
  ttlMs: number,
  opts: { dueAt?: Date } = {},
): Promise<boolean> {
  await ensureSyncState(sql, companyId);
  const due = opts.dueAt ? `AND ("nextRunAt" IS NULL OR "nextRunAt" <= $3::timestamp(3))` : "";
  const taken = await sql.$executeRawUnsafe(
    `UPDATE "SyncState" SET "leaseOwner" = $2, "leaseExpiresAt" = ${expiry(ttlMs)}, "updatedAt" = ${NOW_UTC}
     WHERE "companyId" = $1::uuid AND ("leaseOwner" IS NULL OR "leaseExpiresAt" IS NULL OR "leaseExpiresAt" <= ${NOW_UTC})
     ${due}`,
    companyId,
    owner,
    ...(opts.dueAt ? [opts.dueAt.toISOString()] : []),
  );
  return taken === 1;
}

/** Extend the lease; throws LeaseLostError when its owner no longer holds it (rolling back a caller's transaction). */
export async function renewLease(sql: SqlRunner, lease: HeldLease): Promise<void> {
  const renewed = await sql.$executeRawUnsafe(
    `UPDATE "SyncState" SET ${extendLease(lease)} WHERE "companyId" = $1::uuid AND "leaseOwner" = $2`,
    lease.companyId,
    lease.owner,
  );
  expectHeld(renewed, lease);
}

/** Give the lease back (no-op if someone else holds it by now). */
export async function releaseLease(sql: SqlRunner, companyId: string, owner: string): Promise<void> {
  await sql.$executeRawUnsafe(
    `UPDATE "SyncState" SET "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "updatedAt" = ${NOW_UTC}
     WHERE "companyId" = $1::uuid AND "leaseOwner" = $2`,
    companyId,
    owner,
  );
}

/**
 * Renew the lease every third of its TTL until the returned function is called, so a page that takes
 * long does not let it expire. A renewal that finds the lease taken calls `onLost`; other failures are
 * logged and the next beat tries again.
 */
export function startHeartbeat(
  sql: SqlRunner,
  lease: HeldLease,
  onLost: (err: LeaseLostError) => void,
  log: Logger,
): () => void {
  const timer = setInterval(
    () => {
      renewLease(sql, lease).catch((err) => {
        if (err instanceof LeaseLostError) onLost(err);
        else log.warn({ err }, "sync: lease heartbeat failed");
      });
    },
    Math.max(1_000, Math.floor(lease.ttlMs / 3)),
  );
  timer.unref?.();
  return () => clearInterval(timer);
}

/** True while some live process holds the lease. */
export function leaseIsLive(
  state: { leaseOwner: string | null; leaseExpiresAt: Date | null } | null,
  now = new Date(),
): boolean {
  return Boolean(state?.leaseOwner && state.leaseExpiresAt && state.leaseExpiresAt > now);
}
