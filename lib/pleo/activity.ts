import "server-only";

import type { Prisma } from "@/lib/generated/prisma/client";
import { logger } from "@/lib/log";

/**
 * The activity log of a company's Pleo connection (the ConnectionEvent table): every write, and the
 * event types the settings page lists. lib/pleo owns it rather than lib/connections because its busiest
 * writer, the token lifecycle (token refreshed, refresh failed, needs reconnect), lives here and lib/pleo
 * may import only lib/db; lib/connections (connect, reconnect, disconnect, installation, settings) and
 * lib/sync (runs) import it in turn, as the one-way imports between lib/ folders allow.
 *
 * `detail` is a short sentence for people, written by the caller from what it knows (never a token, a
 * code, a secret or Pleo's raw error body). `recordEvent` never throws into the work it records (a
 * refresh or a sync goes on if the log write fails: it is logged instead); `recordEventIn` writes inside
 * a caller's transaction, where the event must commit or roll back with the change it describes.
 */

export const EVENT_TYPES = [
  "connected",
  "reconnected",
  "token_refreshed",
  "refresh_failed",
  "needs_reconnect",
  "sync_succeeded",
  "sync_failed",
  "settings_changed",
  "installation_activated",
  "installation_update_failed",
  "hidden_entries_deleted",
  "disconnected",
  "uninstalled",
  "uninstall_pending",
  "uninstall_retried",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** Who did it: a portal user, the portal's own background work, or Pleo (which ended or refused something). */
export type Actor = { kind: "user"; userId: string } | { kind: "scheduler" } | { kind: "pleo" };

export const SCHEDULER: Actor = { kind: "scheduler" };
export const PLEO: Actor = { kind: "pleo" };
export const byUser = (userId: string): Actor => ({ kind: "user", userId });

export type NewEvent = {
  companyId: string;
  type: EventType;
  actor: Actor;
  detail?: string | null;
  at?: Date;
};

/** Longest detail kept: a sentence, not a dump. */
const MAX_DETAIL = 300;

type EventWriter = Pick<Prisma.TransactionClient, "connectionEvent">;

function row(e: NewEvent) {
  return {
    companyId: e.companyId,
    type: e.type,
    actor: e.actor.kind,
    actorUserId: e.actor.kind === "user" ? e.actor.userId : null,
    detail: e.detail ? e.detail.slice(0, MAX_DETAIL) : null,
    ...(e.at ? { at: e.at } : {}),
  };
}

/** Inside the caller's transaction: the event commits with the change it describes, or not at all. */
export async function recordEventIn(tx: EventWriter, e: NewEvent): Promise<void> {
  await tx.connectionEvent.create({ data: row(e), select: { id: true } });
}

/** Best effort, outside any transaction: a failed write is logged and swallowed. */
export async function recordEvent(db: EventWriter, e: NewEvent): Promise<void> {
  try {
    await recordEventIn(db, e);
  } catch (err) {
    logger().warn({ module: "activity", companyId: e.companyId, type: e.type, err }, "activity log write failed");
  }
}

/** Drop events older than `before` (the background jobs keep 90 days); returns how many went. */
export async function pruneEvents(db: EventWriter, before: Date): Promise<number> {
  const r = await db.connectionEvent.deleteMany({ where: { at: { lt: before } } });
  return r.count;
}
