import "server-only";

import { cache } from "react";
import { redirect } from "next/navigation";
import { auth } from "@/auth";

export type CurrentUser = {
  id: string;
  name: string | null;
  /** The Pleo companies this session may see (lib/auth/session-scope.ts); a subset of the user's. */
  companyIds: string[];
};

/** The signed-in portal user, or null. One session lookup per request (React cache). */
export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const session = (await auth()) as { user?: { id?: string; name?: string | null }; companyIds?: unknown } | null;
  const user = session?.user;
  if (!user?.id) return null;
  const companyIds = Array.isArray(session?.companyIds)
    ? session.companyIds.filter((id): id is string => typeof id === "string")
    : [];
  return { id: user.id, name: user.name ?? null, companyIds };
});

/** Same, for pages that need a user: signed-out visitors go to the landing page. */
export async function requireUser(): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (!user) redirect("/");
  return user;
}
