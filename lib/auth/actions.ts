"use server";

import { signOut } from "@/auth";

/** Ends the database session (row deleted, cookie cleared) and returns to the landing page. */
export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: "/" });
}
