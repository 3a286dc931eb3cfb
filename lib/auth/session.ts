import "server-only";

import { cache } from "react";
import { redirect } from "next/navigation";
import { auth } from "@/auth";
import type { Viewer } from "@/lib/connections/queries";
import { headers } from "next/headers";
import { db } from "@/lib/db";
import { isSecureAuthRequest, sessionTokenFromCookieHeader } from "@/lib/auth/session-cookie";
import { companyIdsOf } from "@/lib/connections/session-scope";
import { sessionKey } from "@/lib/sessions";

/**
 * The signed-in portal user. It is the Viewer that lib/connections' reads take: the user and the
 * Pleo companies this session may see (lib/connections/session-scope.ts), a subset of the user's.
 */
export type CurrentUser = Viewer;

/** The signed-in portal user, or null. One session lookup per request (React cache). */
export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const session = (await auth()) as { user?: { id?: string }; companyIds?: unknown } | null;
  const user = session?.user;
  if (!user?.id) return null;
  return { userId: user.id, companyIds: companyIdsOf(session) };
});

/** Same, for pages that need a user: signed-out visitors go to the landing page. */
export async function requireUser(): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (!user) redirect("/");
  return user;
}

/**
 * The signed-in user with the id of their session row (not its token), for what is scoped to one
 * session beyond its companies: the settings page lists the disconnects made in it, and every portal
 * page the companies it lost because Pleo ended their connection. One more indexed read, so only the
 * pages and actions that need it ask.
 */
export const getCurrentSessionUser = cache(async (): Promise<CurrentUser | null> => {
  const user = await getCurrentUser();
  if (!user) return null;
  const h = await headers();
  const token = sessionTokenFromCookieHeader(h.get("cookie"), { secure: isSecureAuthRequest(h) });
  const row = token
    ? await db.session.findUnique({
        where: { sessionToken: sessionKey(token) },
        select: { id: true, userId: true, endedCompanyIds: true },
      })
    : null;
  const mine = row && row.userId === user.userId ? row : null;
  return { ...user, sessionId: mine?.id ?? null, endedCompanyIds: mine?.endedCompanyIds ?? [] };
});

export async function requireSessionUser(): Promise<CurrentUser> {
  const user = await getCurrentSessionUser();
  if (!user) redirect("/");
  return user;
}
