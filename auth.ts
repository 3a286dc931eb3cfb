import NextAuth from "next-auth";
import { buildAuthConfig } from "@/lib/auth/config";
import { failureSinkFor } from "@/lib/auth/failure-sink";
import { sessionTokenFromCookieHeader } from "@/lib/auth/session-cookie";

/**
 * next-auth, configured per request: the signIn rules need to know who is signed in on the request
 * being served, and failures are recorded for the error page. See lib/auth/config.ts.
 */
export const { handlers, auth, signIn, signOut } = NextAuth((req) =>
  buildAuthConfig({
    sessionToken: sessionTokenFromCookieHeader(req?.headers.get("cookie")),
    failures: failureSinkFor(req),
  }),
);
