import "server-only";

import type { Prisma } from "@/lib/generated/prisma/client";
import { registerGrantEndedWrite } from "@/lib/pleo/grant-ended";
import { sessionKey } from "@/lib/sessions";

/**
 * Session-scoped company access. Pleo is the portal's only sign-in and proves a company, never a
 * person: whoever completes Pleo's consent for company X has shown they administer X, and nothing
 * about the other companies linked to the same portal account. So a portal session grants access only
 * to the companies whose consent was completed in it (Session.companyIds):
 *
 * - a sign-in (no valid session yet) via company X creates a session scoped to [X], also when X
 *   belongs to an existing account with more companies (`scopeForNewSession`, used by lib/auth's
 *   adapter when next-auth creates the session);
 * - connecting or reconnecting company Z while signed in adds Z to the current session
 *   (`addCompanyToSession`, inside the transaction of lib/connections/link.ts);
 * - a company that loses its connection leaves every session that holds it, so opening it again takes
 *   a new consent at Pleo: disconnected by the user (`removeCompanyFromSessions`), or no longer accepted
 *   by Pleo, i.e. needs reconnect or uninstalled in Pleo (`endCompanyInSessions`, which also remembers it
 *   in the session's `endedCompanyIds` so the session is told and offered Reconnect).
 *
 * Reads (lib/connections/queries.ts) show a company only when it is both linked to the user and in
 * the session's scope. These rules live here, beside the linking writes and the reads they guard;
 * lib/auth only decides when they apply.
 */

/** Scope of a session created by a sign-in: the proven company only (nothing if none was proven). */
export function scopeForNewSession(provenCompanyId: string | null | undefined): string[] {
  return provenCompanyId ? [provenCompanyId] : [];
}

/**
 * Adds a company to a signed-in session's scope (`sessionToken`: the cookie's value), inside the caller's transaction (the same one that
 * stores the grant, so a company is never linked without reaching the session, or the reverse).
 * Throws when the session is gone or belongs to someone else: the connect then fails and stores nothing.
 */
export async function addCompanyToSession(
  tx: Prisma.TransactionClient,
  input: { sessionToken: string; userId: string; companyId: string },
): Promise<void> {
  const session = await tx.session.findUnique({
    where: { sessionToken: sessionKey(input.sessionToken) },
    select: { userId: true, companyIds: true, endedCompanyIds: true },
  });
  if (!session || session.userId !== input.userId) {
    throw new Error("the signed-in session ended or changed while the company was being connected");
  }
  const ended = session.endedCompanyIds.filter((id) => id.toLowerCase() !== input.companyId.toLowerCase());
  const endedChanged = ended.length !== session.endedCompanyIds.length;
  if (session.companyIds.includes(input.companyId) && !endedChanged) return;
  await tx.session.update({
    where: { sessionToken: sessionKey(input.sessionToken) },
    data: {
      ...(session.companyIds.includes(input.companyId) ? {} : { companyIds: { push: input.companyId } }),
      // Proven again here: the notice about its ended connection goes.
      ...(endedChanged ? { endedCompanyIds: ended } : {}),
    },
  });
}

/**
 * Removes a company from every portal session that holds it (any user's), inside the caller's
 * transaction; returns how many sessions lost it. The sessions stay signed in with their other
 * companies. Used by the disconnect (lib/settings/disconnect.ts): the user chose it, so no session is
 * told afterwards, and the company is also forgotten from every session's "ended" list (a later
 * connect elsewhere must not bring back a notice about a connection that no longer exists).
 */
export async function removeCompanyFromSessions(
  tx: Pick<Prisma.TransactionClient, "$executeRaw">,
  companyId: string,
): Promise<number> {
  const removed = await tx.$executeRaw`
    UPDATE "Session" SET "companyIds" = ARRAY(SELECT id FROM unnest("companyIds") AS id WHERE lower(id) <> lower(${companyId}))
    WHERE EXISTS (SELECT 1 FROM unnest("companyIds") AS id WHERE lower(id) = lower(${companyId}))`;
  await tx.$executeRaw`
    UPDATE "Session" SET "endedCompanyIds" = ARRAY(SELECT id FROM unnest("endedCompanyIds") AS id WHERE lower(id) <> lower(${companyId}))
    WHERE EXISTS (SELECT 1 FROM unnest("endedCompanyIds") AS id WHERE lower(id) = lower(${companyId}))`;
  return removed;
}

/**
 * Pleo stopped accepting the company's connection (needs reconnect; uninstalled in Pleo shows up the
 * same way): it leaves every session that holds it, and each of those sessions remembers it in
 * `endedCompanyIds`, in the same statement, so its pages can say what happened and offer Reconnect
 * (`listEndedCompaniesForViewer`). Runs inside the transaction that writes the status
 * (lib/pleo/grant-ended.ts; registered by `registerSessionScopeHooks`). Returns how many sessions lost it.
 */
export async function endCompanyInSessions(
  tx: Pick<Prisma.TransactionClient, "$executeRaw">,
  companyId: string,
): Promise<number> {
  return tx.$executeRaw`
    UPDATE "Session" SET
      "companyIds" = ARRAY(SELECT id FROM unnest("companyIds") AS id WHERE lower(id) <> lower(${companyId})),
      "endedCompanyIds" = ARRAY(SELECT id FROM unnest(coalesce("endedCompanyIds", '{}')) AS id WHERE lower(id) <> lower(${companyId}))
        || ARRAY[lower(${companyId})]
    WHERE EXISTS (SELECT 1 FROM unnest("companyIds") AS id WHERE lower(id) = lower(${companyId}))`;
}

/**
 * Hook the session rules into lib/pleo (which may not import this folder): a grant Pleo no longer
 * accepts ends the company in every session, inside the status write's transaction. Called once per
 * server process (instrumentation.ts); registering again replaces the hook.
 */
export function registerSessionScopeHooks(): () => void {
  return registerGrantEndedWrite("session-scope", endCompanyInSessions);
}

/** A session's scope as next-auth hands it over (unknown shape: validate). */
export function companyIdsOf(session: unknown): string[] {
  const ids = (session as { companyIds?: unknown } | null)?.companyIds;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
}
