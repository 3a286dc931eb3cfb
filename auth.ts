import NextAuth from "next-auth";
import { buildAuthConfig } from "@/lib/auth/config";

/**
 * next-auth for server code: `auth()` (who is signed in), `signIn()` (the Initiation URL) and `signOut()`.
 * The /api/auth/* routes are served by lib/auth/route-handlers.ts with the same configuration.
 * Lazy, so configuration is read and validated on first use, not at import (e.g. during `next build`).
 */
export const { auth, signIn, signOut } = NextAuth(() => buildAuthConfig({ sessionToken: null }));
