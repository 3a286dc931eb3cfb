import "server-only";

import { PrismaAdapter } from "@auth/prisma-adapter";
import type { Adapter, AdapterAccount, AdapterSession, AdapterUser } from "next-auth/adapters";
import { db } from "@/lib/db";
import { logger } from "@/lib/log";
import type { TokenOwner } from "@/lib/pleo/identity";
import { grantFromTokenResponse } from "@/lib/pleo/oauth";
import { linkCompany } from "@/lib/connections/link";
import { TOKEN_OWNER_KEY } from "@/lib/auth/pleo-provider";
import { scopeForNewSession } from "@/lib/connections/session-scope";
import type { SignInProof } from "@/lib/auth/sign-in-proof";
import { absoluteEnd, isSessionLive, sessionKey, type SessionLifetime } from "@/lib/sessions";

/**
 * next-auth's Prisma adapter with two changes:
 * - linking an account never writes tokens to Account. linkAccount stores the company, the Account link
 *   (no tokens) and the PleoConnection with the tokens encrypted, in one transaction
 *   (lib/connections/link.ts); when the visitor was signed in, the company joins their session's scope
 *   in that transaction;
 * - a session is created scoped to the company this request proved (lib/connections/session-scope.ts).
 *   next-auth calls createSession only at the end of a sign-in, after the signIn callback filled `proof`;
 * - sessions are stored by the hash of their cookie and end idle or at their absolute end (lib/sessions.ts):
 *   next-auth hands the cookie's value to these methods and gets it back; the row never holds it.
 */
export function portalAdapter(requestedScopes: string, lifetime: SessionLifetime, proof?: SignInProof): Adapter {
  // Our generated client is the same Prisma client the adapter expects, under another import path.
  const base = PrismaAdapter(db as unknown as Parameters<typeof PrismaAdapter>[0]);
  const withCookie = <T extends { sessionToken: string }>(row: T, cookieValue: string): T => ({
    ...row,
    sessionToken: cookieValue,
  });
  return {
    ...base,
    async createSession(session: AdapterSession) {
      // Without a proven company (not expected) the session opens nothing: fail closed.
      const row = await db.session.create({
        data: {
          sessionToken: sessionKey(session.sessionToken),
          userId: session.userId,
          expires: session.expires,
          companyIds: scopeForNewSession(proof?.companyId),
        },
      });
      return withCookie(row, session.sessionToken);
    },
    async getSessionAndUser(cookieValue: string) {
      const row = await db.session.findUnique({
        where: { sessionToken: sessionKey(cookieValue) },
        include: { user: true },
      });
      if (!row) return null;
      const { user, ...session } = row;
      // next-auth ends an idle session itself (expires); the absolute end is ours. Either way it is deleted.
      if (!isSessionLive(session, lifetime)) {
        await db.session.deleteMany({ where: { id: session.id } });
        return null;
      }
      return { session: withCookie(session, cookieValue), user: user as AdapterUser };
    },
    async updateSession({ sessionToken: cookieValue, ...data }) {
      const key = sessionKey(cookieValue);
      const row = await db.session.findUnique({ where: { sessionToken: key }, select: { createdAt: true } });
      if (!row) return null;
      // Activity moves the idle end forward, never past the absolute end.
      const end = absoluteEnd(row.createdAt, lifetime);
      const expires = data.expires && data.expires > end ? end : data.expires;
      const updated = await db.session.update({ where: { sessionToken: key }, data: { ...data, expires } });
      return withCookie(updated, cookieValue);
    },
    async deleteSession(cookieValue: string) {
      await db.session.deleteMany({ where: { sessionToken: sessionKey(cookieValue) } });
      return null;
    },
    async linkAccount(account: AdapterAccount) {
      const t = account as unknown as Record<string, unknown>;
      const owner = t[TOKEN_OWNER_KEY] as TokenOwner | undefined;
      const grant = grantFromTokenResponse(t);
      try {
        if (!owner || owner.company.id !== account.providerAccountId) {
          throw new Error("linkAccount was called without the verified Pleo company of this grant");
        }
        if (!grant) throw new Error("linkAccount was called without a complete token response");
        await linkCompany({
          userId: account.userId,
          company: owner.company,
          tokens: grant,
          requestedScopes,
          addToSession: proof?.signedInSessionToken ?? null,
        });
        logger().info({ companyId: owner.company.id }, "company connected");
      } catch (error) {
        await forgetUnusedNewUser(account.userId);
        throw error;
      }
    },
  };
}

/**
 * When linking fails for a visitor who was signed out, next-auth has already created their User row;
 * remove it so a failed connect leaves nothing behind. A user with a session, an account or a connection
 * is never touched (that is a signed-in user adding a company).
 */
async function forgetUnusedNewUser(userId: string): Promise<void> {
  // Prisma reads `id: undefined` as no filter at all: without an id this would remove every unused user.
  if (!userId) return;
  try {
    await db.user.deleteMany({
      where: { id: userId, accounts: { none: {} }, sessions: { none: {} }, connections: { none: {} } },
    });
  } catch (error) {
    logger().error({ err: error }, "could not remove the user of a failed connect");
  }
}
