import "server-only";

import { cache } from "react";
import { redirect } from "next/navigation";
import { auth } from "@/auth";

export type CurrentUser = { id: string; name: string | null };

/** The signed-in portal user, or null. One session lookup per request (React cache). */
export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const session = await auth();
  const user = session?.user as { id?: string; name?: string | null } | undefined;
  if (!user?.id) return null;
  return { id: user.id, name: user.name ?? null };
});

/** Same, for pages that need a user: signed-out visitors go to the landing page. */
export async function requireUser(): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (!user) redirect("/");
  return user;
}
