import "server-only";

import { createHash } from "node:crypto";

/**
 * Portal sessions (next-auth database sessions), the rules shared by lib/auth, which reads and writes
 * them, and lib/connections, which scopes them (README → Security → Sessions):
 *
 * - The Session row stores the SHA-256 of the cookie's value, never the value: reading the database is
 *   not enough to hijack a session. Every lookup by cookie goes through `sessionKey`.
 * - A session ends after SESSION_IDLE_MINUTES without a request (next-auth's rolling `expires`) and
 *   SESSION_MAX_HOURS after it was created, however active (`createdAt`, checked here).
 */

/** The stored form of a session cookie's value. */
export function sessionKey(cookieValue: string): string {
  return createHash("sha256").update(cookieValue, "utf8").digest("hex");
}

export type SessionLifetime = { idleMs: number; maxMs: number };

export function sessionLifetime(e: { SESSION_IDLE_MINUTES: number; SESSION_MAX_HOURS: number }): SessionLifetime {
  return { idleMs: e.SESSION_IDLE_MINUTES * 60_000, maxMs: e.SESSION_MAX_HOURS * 3_600_000 };
}

/** When a session created at `createdAt` ends at the latest. */
export function absoluteEnd(createdAt: Date, lifetime: SessionLifetime): Date {
  return new Date(createdAt.getTime() + lifetime.maxMs);
}

/** Still valid at `now`: neither idle past `expires` nor past its absolute end. */
export function isSessionLive(
  s: { expires: Date; createdAt: Date },
  lifetime: SessionLifetime,
  now = Date.now(),
): boolean {
  return s.expires.getTime() > now && absoluteEnd(s.createdAt, lifetime).getTime() > now;
}
