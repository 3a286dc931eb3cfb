import "server-only";

import { db } from "@/lib/db";
import { logger } from "@/lib/log";
import { addToLogContext } from "@/lib/log-context";
import { env } from "@/lib/env";
import { isSessionLive, sessionKey, sessionLifetime } from "@/lib/sessions";
import type { TokenOwner } from "@/lib/pleo/identity";
import { grantFromTokenResponse } from "@/lib/pleo/oauth";
import { findCompanyOwner, reconnectCompany } from "@/lib/connections/link";
import { TOKEN_OWNER_KEY } from "@/lib/auth/pleo-provider";
import type { AuthFailureCode } from "@/lib/auth/failures";
import type { SignInProof } from "@/lib/auth/sign-in-proof";

/**
 * The portal's rules for a completed Pleo authorisation, applied in next-auth's signIn callback (after
 * the code exchange, before next-auth creates users, links accounts or sessions):
 *
 * - company not linked yet → allow; next-auth links it to the signed-in user, or to a new user when
 *   signed out (the adapter's linkAccount stores the tokens, see lib/auth/adapter.ts);
 * - company linked to the signed-in user, or the visitor is signed out → reconnect: store the new
 *   tokens and clear "needs reconnect", then next-auth signs the visitor in to the owning account.
 *   Pleo is the portal's only sign-in, so this is also how a returning user signs in;
 * - company linked to a different account than the one signed in → refuse: nothing is stored, the
 *   current session stays, and the visitor sees why (never linked across accounts, never switched).
 *
 * Whatever is allowed only opens the proven company: a new session is scoped to it, a signed-in
 * session gains it (lib/connections/session-scope.ts). Signing in via one company of an account never opens
 * the account's other companies.
 */

export const AUTH_ERROR_PAGE = "/auth/error";

function authErrorPath(code: AuthFailureCode): string {
  return `${AUTH_ERROR_PAGE}?error=${code}`;
}

/** The user behind a still-valid database session, if any. */
async function userIdForSessionToken(sessionToken: string | null): Promise<string | null> {
  if (!sessionToken) return null;
  const session = await db.session.findUnique({
    where: { sessionToken: sessionKey(sessionToken) },
    select: { userId: true, expires: true, createdAt: true },
  });
  return session && isSessionLive(session, sessionLifetime(env())) ? session.userId : null;
}

function isTokenOwner(v: unknown): v is TokenOwner {
  const o = v as TokenOwner | null | undefined;
  return typeof o?.company?.id === "string" && typeof o.company.name === "string";
}

export async function decidePleoSignIn(args: {
  account: Record<string, unknown> | null | undefined;
  profile: unknown;
  sessionToken: string | null;
  requestedScopes: string;
  /** Filled here for the adapter: the proven company and the signed-in session, if any. */
  proof: SignInProof;
}): Promise<true | string> {
  const { account, profile } = args;
  if (!account || !isTokenOwner(profile)) return authErrorPath("profile_failed");
  const grant = grantFromTokenResponse(account);
  if (!grant) return authErrorPath("incomplete_grant");
  const company = profile.company;
  // From here on, this request's log lines name the company it signs in with.
  addToLogContext({ companyId: company.id });

  const [ownerId, currentUserId] = await Promise.all([
    findCompanyOwner(company.id),
    userIdForSessionToken(args.sessionToken),
  ]);

  if (ownerId && currentUserId && ownerId !== currentUserId) {
    logger().warn({ companyId: company.id }, "connect refused: company belongs to another portal account");
    return authErrorPath("company_linked_elsewhere");
  }
  // Signed in: the company joins this session's scope. Signed out: next-auth creates a session next,
  // and the adapter scopes it to this company alone.
  const signedInSessionToken = currentUserId ? args.sessionToken : null;
  args.proof.companyId = company.id;
  args.proof.signedInSessionToken = signedInSessionToken;
  if (ownerId) {
    await reconnectCompany({
      userId: ownerId,
      company,
      tokens: grant,
      requestedScopes: args.requestedScopes,
      addToSession: signedInSessionToken,
    });
    logger().info({ companyId: company.id }, "company reconnected");
    return true;
  }
  // New link: hand the verified company to linkAccount through the account object next-auth passes on.
  account[TOKEN_OWNER_KEY] = profile;
  return true;
}
