import "server-only";

import type { Prisma } from "@/lib/generated/prisma/client";

/**
 * Session-scoped company access. Pleo is the portal's only sign-in and proves a company, never a
 * person: whoever completes Pleo's consent for company X has shown they administer X, and nothing
 * about the other companies linked to the same portal account. So a portal session grants access only
 * to the companies whose consent was completed in it (Session.companyIds):
 *
 * - a sign-in (no valid session yet) via company X creates a session scoped to [X], also when X
 *   belongs to an existing account with more companies;
 * - connecting or reconnecting company Z while signed in adds Z to the current session.
 *
 * Reads (lib/connections/queries.ts) show a company only when it is both linked to the user and in
 * the session's scope.
 */

/**
 * What one /api/auth request has proven, filled by the signIn callback (lib/auth/sign-in.ts) after the
 * code exchange and read by the adapter (lib/auth/adapter.ts) when next-auth links the account or
 * creates the session. One per request: the route handler builds a fresh next-auth config each time.
 */
export type SignInProof = {
  /** The Pleo company whose consent this request completed. */
  companyId: string | null;
  /** The valid session the visitor was already signed in with (null: a new session will be created). */
  signedInSessionToken: string | null;
};

export function createSignInProof(): SignInProof {
  return { companyId: null, signedInSessionToken: null };
}

/** Scope of a session created by this request: the proven company only (nothing if none was proven). */
export function scopeForNewSession(proof: SignInProof | undefined): string[] {
  return proof?.companyId ? [proof.companyId] : [];
}

/**
 * Adds a company to a signed-in session's scope, inside the caller's transaction (the same one that
 * stores the grant, so a company is never linked without reaching the session, or the reverse).
 * Throws when the session is gone or belongs to someone else: the connect then fails and stores nothing.
 */
export async function addCompanyToSession(
  tx: Prisma.TransactionClient,
  input: { sessionToken: string; userId: string; companyId: string },
): Promise<void> {
  const session = await tx.session.findUnique({
    where: { sessionToken: input.sessionToken },
    select: { userId: true, companyIds: true },
  });
  if (!session || session.userId !== input.userId) {
    throw new Error("the signed-in session ended or changed while the company was being connected");
  }
  if (session.companyIds.includes(input.companyId)) return;
  await tx.session.update({
    where: { sessionToken: input.sessionToken },
    data: { companyIds: { push: input.companyId } },
  });
}

/** The session's scope as next-auth hands it to the session callback (unknown shape: validate). */
export function companyIdsOf(session: unknown): string[] {
  const ids = (session as { companyIds?: unknown } | null)?.companyIds;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
}
