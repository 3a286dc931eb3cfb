import "server-only";

import { cache } from "react";
import { redirect } from "next/navigation";
import { auth } from "@/auth";
import type { Viewer } from "@/lib/connections/queries";
import { companyIdsOf } from "@/lib/connections/session-scope";

/**
 * The signed-in portal user. It is the Viewer that lib/connections' reads take: the user and the
 * Pleo companies this session may see (lib/connections/session-scope.ts), a subset of the user's.
 */
export type CurrentUser = Viewer & { name: string | null };

/** The signed-in portal user, or null. One session lookup per request (React cache). */
export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const session = (await auth()) as { user?: { id?: string; name?: string | null }; companyIds?: unknown } | null;
  const user = session?.user;
  if (!user?.id) return null;
  return { userId: user.id, name: user.name ?? null, companyIds: companyIdsOf(session) };
});

/** Same, for pages that need a user: signed-out visitors go to the landing page. */
export async function requireUser(): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (!user) redirect("/");
  return user;
}
