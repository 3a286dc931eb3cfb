import "server-only";

import { PrismaAdapter } from "@auth/prisma-adapter";
import type { Adapter, AdapterAccount, AdapterSession } from "next-auth/adapters";
import { db } from "@/lib/db";
import { logger } from "@/lib/log";
import type { TokenOwner } from "@/lib/pleo/identity";
import { grantFromTokenResponse } from "@/lib/pleo/oauth";
import { linkCompany } from "@/lib/connections/link";
import { TOKEN_OWNER_KEY } from "@/lib/auth/pleo-provider";
import { scopeForNewSession } from "@/lib/connections/session-scope";
import type { SignInProof } from "@/lib/auth/sign-in-proof";

/**
 * next-auth's Prisma adapter with two changes:
 * - linking an account never writes tokens to Account. linkAccount stores the company, the Account link
 *   (no tokens) and the PleoConnection with the tokens encrypted, in one transaction
 *   (lib/connections/link.ts); when the visitor was signed in, the company joins their session's scope
 *   in that transaction;
 * - a session is created scoped to the company this request proved (lib/connections/session-scope.ts).
 *   next-auth calls createSession only at the end of a sign-in, after the signIn callback filled `proof`.
 */
export function portalAdapter(requestedScopes: string, proof?: SignInProof): Adapter {
  // Our generated client is the same Prisma client the adapter expects, under another import path.
  const base = PrismaAdapter(db as unknown as Parameters<typeof PrismaAdapter>[0]);
  return {
    ...base,
    createSession(session: AdapterSession) {
      // Without a proven company (not expected) the session opens nothing: fail closed.
      const data = { ...session, companyIds: scopeForNewSession(proof?.companyId) } as AdapterSession;
      return base.createSession!(data);
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
  try {
    await db.user.deleteMany({
      where: { id: userId, accounts: { none: {} }, sessions: { none: {} }, connections: { none: {} } },
    });
  } catch (error) {
    logger().error({ err: error }, "could not remove the user of a failed connect");
  }
}
