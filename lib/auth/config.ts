import "server-only";

import type { NextAuthConfig } from "next-auth";
import { env, runsAsProduction } from "@/lib/env";
import { logger } from "@/lib/log";
import { portalAdapter } from "@/lib/auth/adapter";
import { classifyAuthFailure } from "@/lib/auth/failures";
import type { FailureSink } from "@/lib/auth/failure-sink";
import { PleoProvider } from "@/lib/auth/pleo-provider";
import { createSignInProof } from "@/lib/auth/sign-in-proof";
import { AUTH_ERROR_PAGE, decidePleoSignIn } from "@/lib/auth/sign-in";
import { companyIdsOf } from "@/lib/connections/session-scope";
import { sessionLifetime } from "@/lib/sessions";

/**
 * lib/auth owns signing in with Pleo: the next-auth configuration (this file), the Pleo provider, the
 * adapter, the sign-in rules, the /api/auth route handlers, the signed-in user (session.ts) and the
 * classification of sign-in failures for the error page. It is the top of lib/: it may import
 * lib/connections (to link companies and scope sessions), lib/pleo (identity), lib/db and the shared
 * lib/*.ts modules, never lib/sync, lib/expenses or lib/settings; and nothing under lib/ imports it (nor the root
 * auth.ts): pages and actions read the session here and pass its scope down. eslint.config.mjs
 * enforces this.
 */

/** What next-auth's lazy configuration knows about the request it serves (nothing for `auth()` calls). */
export type AuthRequestContext = { sessionToken: string | null; failures?: FailureSink };

/**
 * next-auth may use the request's Host header only in development; a production build must have
 * AUTH_URL (lib/env.ts refuses to start without it), and then every URL next-auth builds, including
 * the redirect_uri sent to Pleo, uses exactly that origin.
 */
export function shouldTrustHost(e: NodeJS.ProcessEnv = process.env, production = runsAsProduction(e)): boolean {
  return Boolean(e.AUTH_URL) || !production;
}

export function buildAuthConfig(ctx: AuthRequestContext): NextAuthConfig {
  const e = env();
  // This request's proven company, passed from the signIn callback to the adapter (one per config).
  const proof = createSignInProof();
  const lifetime = sessionLifetime(e);
  return {
    secret: e.AUTH_SECRET,
    trustHost: shouldTrustHost(),
    basePath: "/api/auth",
    adapter: portalAdapter(e.PLEO_SCOPES, lifetime, proof),
    // maxAge is the idle timeout (next-auth moves `expires` forward on use, at most once a minute); the
    // absolute end after sign-in is enforced by the adapter (lib/sessions.ts).
    session: { strategy: "database", maxAge: lifetime.idleMs / 1000, updateAge: 60 },
    providers: [
      PleoProvider({
        authUrl: e.PLEO_AUTH_URL,
        apiUrl: e.PLEO_API_URL,
        clientId: e.PLEO_CLIENT_ID,
        clientSecret: e.PLEO_CLIENT_SECRET,
        scopes: e.PLEO_SCOPES,
      }),
    ],
    // Sign-in errors (e.g. the user pressed Deny) go to pages.signIn: same page, which also serves as the
    // "please connect to continue" prompt when it has no ?error.
    pages: { error: AUTH_ERROR_PAGE, signIn: AUTH_ERROR_PAGE },
    callbacks: {
      signIn: ({ account, profile }) =>
        decidePleoSignIn({
          account: account as Record<string, unknown> | null,
          profile,
          sessionToken: ctx.sessionToken,
          requestedScopes: e.PLEO_SCOPES,
          proof,
        }),
      // The session the app sees: who, and which companies this session may see; never tokens. Not
      // the user's name: it is the first company the account ever linked, which this session may not see.
      session: ({ session, user }) =>
        ({
          expires: session.expires,
          user: { id: user.id },
          companyIds: companyIdsOf(session),
        }) as unknown as typeof session,
    },
    debug: false,
    logger: {
      // next-auth's errors can carry Pleo's response bodies (tokens included): log names and our
      // classification only, and remember the error for the error page.
      // Inside /api/auth the route handler logs once with the final reason (lib/auth/route-handlers.ts).
      error(error) {
        if (ctx.failures) ctx.failures.errors.push(error);
        else
          logger().warn(
            { type: (error as { type?: string }).type ?? error.name, reason: classifyAuthFailure(error) },
            "auth error",
          );
      },
      warn(code) {
        // Not under `code`: the logger redacts that key (an OAuth authorization code goes by that name).
        logger().warn({ warning: code }, "next-auth warning");
      },
      debug() {},
    },
  };
}
