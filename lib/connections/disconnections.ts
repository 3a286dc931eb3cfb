import "server-only";

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { db } from "@/lib/db";
import { WAIT_FOR_TURN } from "@/lib/db/transactions";
import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { logger } from "@/lib/log";
import { recordEvent, SCHEDULER, type Actor } from "@/lib/pleo/activity";
import { dropUninstallGrant } from "@/lib/pleo/token-store";
import {
  defaultUninstallDeps,
  uninstallWithStoredGrant,
  type UninstallDeps,
  type UninstallOutcome,
} from "@/lib/pleo/uninstall";
import type { Viewer } from "@/lib/connections/queries";
import { jittered } from "@/lib/util/async";

/**
 * Disconnections (the Disconnection table): what each disconnect chose, and the uninstall at Pleo it
 * may still owe. A disconnect first happens in the portal (lib/settings/disconnect.ts: one transaction),
 * then `attemptUninstall` asks Pleo right away; if Pleo cannot be reached the row stays "pending" and
 * the background job (`retryDueUninstalls`, every minute on every instance) or the page's "Retry now"
 * finishes it.
 *
 * Several portal instances run the background job, so an attempt first claims the row with one
 * conditional UPDATE (pending, and nobody's claim or an expired one): exactly one instance works on a
 * row at a time, and a claim left by an instance that died expires after CLAIM_MS. Outcomes are written
 * only by the claim's holder, and only while the row is still pending (a reconnect may have cancelled it).
 *
 * Only the session a disconnect happened in lists it (the company has left every session by then, and a
 * company's name is shown only where its consent was given: lib/connections/session-scope.ts).
 */

export type UninstallStatus = "pending" | "done" | "not_needed" | "given_up" | "cancelled";

export type DisconnectionView = {
  id: string;
  companyId: string;
  companyName: string;
  requestedAt: Date;
  keepData: boolean;
  entryCount: number;
  uninstallStatus: UninstallStatus;
  uninstallDetail: string | null;
  attempts: number;
  nextAttemptAt: Date | null;
  completedAt: Date | null;
};

/** How long a claim holds a row: longer than one attempt (two tries of 10 s, plus a refresh). */
export const CLAIM_MS = 2 * 60_000;
/** Backoff between attempts: 1 min doubling, at most 6 h. */
const RETRY_BASE_MS = 60_000;
const RETRY_MAX_MS = 6 * 3600_000;
/** Unexpected answers (not an outage) are tried this many times, then given up with a way forward. */
const MAX_FAILED_ATTEMPTS = 5;

type Db = Prisma.TransactionClient | PrismaClient;

const VIEW_SELECT = {
  id: true,
  companyId: true,
  companyName: true,
  requestedAt: true,
  keepData: true,
  entryCount: true,
  uninstallStatus: true,
  uninstallDetail: true,
  attempts: true,
  nextAttemptAt: true,
  completedAt: true,
} as const;

const toView = (row: Omit<DisconnectionView, "uninstallStatus"> & { uninstallStatus: string }): DisconnectionView => ({
  ...row,
  uninstallStatus: row.uninstallStatus as UninstallStatus,
});

/** A claim owner unique to this process and call. */
export function newClaimOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** The record of a disconnect, inside its transaction: the uninstall pending, due at once. */
export async function createDisconnection(
  tx: Prisma.TransactionClient,
  input: {
    companyId: string;
    companyName: string;
    userId: string;
    sessionId: string | null;
    keepData: boolean;
    entryCount: number;
    now: Date;
  },
): Promise<string> {
  const row = await tx.disconnection.create({
    data: {
      companyId: input.companyId,
      companyName: input.companyName,
      userId: input.userId,
      sessionId: input.sessionId,
      keepData: input.keepData,
      entryCount: input.entryCount,
      requestedAt: input.now,
      uninstallStatus: "pending",
      nextAttemptAt: input.now,
    },
    select: { id: true },
  });
  return row.id;
}

/** The disconnects made in the viewer's session, newest first. */
export async function listDisconnectionsForViewer(viewer: Viewer, limit = 10): Promise<DisconnectionView[]> {
  if (!viewer.sessionId) return [];
  const rows = await db.disconnection.findMany({
    where: { userId: viewer.userId, sessionId: viewer.sessionId },
    select: VIEW_SELECT,
    orderBy: { requestedAt: "desc" },
    take: limit,
  });
  return rows.map(toView);
}

/** One disconnect, only if it was made in the viewer's session (the ownership check of "Retry now"). */
export async function getDisconnectionForViewer(viewer: Viewer, id: string): Promise<DisconnectionView | null> {
  if (!viewer.sessionId) return null;
  const row = await db.disconnection.findFirst({
    where: { id, userId: viewer.userId, sessionId: viewer.sessionId },
    select: VIEW_SELECT,
  });
  return row ? toView(row) : null;
}

/**
 * The company was connected again: an uninstall still pending would remove the new installation (Pleo
 * revokes every token of the client for the company), so it is cancelled and its old grant forgotten.
 */
export async function cancelPendingUninstalls(tx: Prisma.TransactionClient, companyId: string): Promise<number> {
  const pending = await tx.disconnection.findMany({
    where: { companyId, uninstallStatus: "pending" },
    select: { id: true },
  });
  for (const { id } of pending) {
    await tx.disconnection.update({
      where: { id },
      data: {
        uninstallStatus: "cancelled",
        uninstallDetail: "The company was connected again before Pleo confirmed the uninstall.",
        completedAt: new Date(),
        claimedBy: null,
        claimedUntil: null,
        nextAttemptAt: null,
      },
    });
    await dropUninstallGrant(tx, id);
  }
  return pending.length;
}

/** Claim a pending row for one attempt: true when `owner` now holds it. One UPDATE, so two instances cannot both win. */
export async function claimUninstall(dbc: Db, id: string, owner: string, now: Date): Promise<boolean> {
  const r = await dbc.disconnection.updateMany({
    where: { id, uninstallStatus: "pending", OR: [{ claimedUntil: null }, { claimedUntil: { lte: now } }] },
    data: { claimedBy: owner, claimedUntil: new Date(now.getTime() + CLAIM_MS) },
  });
  return r.count === 1;
}

/** What an attempt changed: its new state, in words for the page. */
export type AttemptResult = { claimed: false } | { claimed: true; status: UninstallStatus; detail: string };

function nextState(
  outcome: UninstallOutcome,
  attempts: number,
  now: Date,
): {
  status: UninstallStatus;
  detail: string;
  nextAttemptAt: Date | null;
} {
  const retryAt = () => new Date(now.getTime() + jittered(Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempts - 1))));
  switch (outcome.kind) {
    case "uninstalled":
      return {
        status: "done",
        detail: "Pleo removed the installation and revoked the portal's access.",
        nextAttemptAt: null,
      };
    case "grant_ended":
      return {
        status: "not_needed",
        detail:
          "Pleo had already ended the portal's access to this company. If the app is still listed in Pleo, remove it there.",
        nextAttemptAt: null,
      };
    case "unavailable":
      return {
        status: "pending",
        detail: "Pleo could not be reached. The portal keeps trying in the background.",
        nextAttemptAt: retryAt(),
      };
    case "failed":
      if (attempts >= MAX_FAILED_ATTEMPTS) {
        return {
          status: "given_up",
          detail: `Pleo refused the uninstall (${outcome.detail}) ${attempts} times. Remove the app in Pleo's app marketplace instead.`,
          nextAttemptAt: null,
        };
      }
      return {
        status: "pending",
        detail: `Pleo refused the uninstall (${outcome.detail}). The portal tries again later.`,
        nextAttemptAt: retryAt(),
      };
  }
}

export type AttemptOptions = {
  actor: Actor;
  /** Set when the caller claimed the row already (the background job); otherwise claimed here. */
  owner?: string;
  claimed?: boolean;
  now?: () => number;
  deps?: Partial<UninstallDeps>;
};

/**
 * One uninstall attempt: claim (unless claimed), call Pleo with the row's grant, then record the outcome
 * (and drop the grant when it is final) and an activity event. Safe to call from any instance at any time.
 */
export async function attemptUninstall(id: string, opts: AttemptOptions): Promise<AttemptResult> {
  const now = opts.now ?? Date.now;
  const owner = opts.owner ?? newClaimOwner();
  if (!opts.claimed && !(await claimUninstall(db, id, owner, new Date(now())))) return { claimed: false };
  const row = await db.disconnection.findUnique({ where: { id }, select: { companyId: true, attempts: true } });
  if (!row) return { claimed: false };
  const deps = defaultUninstallDeps({ now, ...opts.deps });
  const outcome = await uninstallWithStoredGrant(deps, { id, companyId: row.companyId });
  const attempts = row.attempts + 1;
  const at = new Date(now());
  const next = nextState(outcome, attempts, at);
  const final = next.status !== "pending";
  const written = await db.$transaction(async (tx) => {
    const r = await tx.disconnection.updateMany({
      where: { id, claimedBy: owner, uninstallStatus: "pending" },
      data: {
        uninstallStatus: next.status,
        uninstallDetail: next.detail,
        attempts,
        lastAttemptAt: at,
        nextAttemptAt: next.nextAttemptAt,
        completedAt: final ? at : null,
        claimedBy: null,
        claimedUntil: null,
      },
    });
    if (r.count === 1 && final) await dropUninstallGrant(tx, id);
    return r.count === 1;
  }, WAIT_FOR_TURN);
  if (!written) {
    logger().warn(
      { module: "disconnect", companyId: row.companyId },
      "uninstall outcome not recorded: row changed meanwhile",
    );
    return { claimed: false };
  }
  await recordEvent(db, {
    companyId: row.companyId,
    type: attempts === 1 ? (final ? "uninstalled" : "uninstall_pending") : "uninstall_retried",
    actor: opts.actor,
    detail: next.detail,
    at,
  });
  return { claimed: true, status: next.status, detail: next.detail };
}

/**
 * Background job (every instance, every minute): attempt each pending uninstall that is due, claiming
 * each first so no two instances work on the same one.
 */
export async function retryDueUninstalls(
  opts: { now?: () => number; limit?: number; deps?: Partial<UninstallDeps> } = {},
): Promise<{ attempted: number; done: number }> {
  const now = opts.now ?? Date.now;
  const due = await db.disconnection.findMany({
    where: {
      uninstallStatus: "pending",
      nextAttemptAt: { lte: new Date(now()) },
      OR: [{ claimedUntil: null }, { claimedUntil: { lte: new Date(now()) } }],
    },
    select: { id: true },
    orderBy: { nextAttemptAt: "asc" },
    take: opts.limit ?? 20,
  });
  let attempted = 0;
  let done = 0;
  for (const { id } of due) {
    const owner = newClaimOwner();
    if (!(await claimUninstall(db, id, owner, new Date(now())))) continue;
    attempted++;
    try {
      const r = await attemptUninstall(id, { actor: SCHEDULER, owner, claimed: true, now, deps: opts.deps });
      if (r.claimed && r.status !== "pending") done++;
    } catch (err) {
      // A database error: the claim expires and a later pass tries again.
      logger().error({ module: "disconnect", err }, "uninstall retry failed");
    }
  }
  return { attempted, done };
}
