import "server-only";

import { Auth, setEnvDefaults } from "@auth/core";
import type { NextRequest } from "next/server";
import { buildAuthConfig } from "@/lib/auth/config";
import { limitByClient } from "@/lib/limits/guard";
import { tooManyRequestsResponse } from "@/lib/limits/too-many-requests";
import { logger } from "@/lib/log";
import { withRequestLogContext } from "@/lib/log-context";
import { createFailureSink } from "@/lib/auth/failure-sink";
import { sessionTokenFromCookieHeader } from "@/lib/auth/session-cookie";
import { AUTH_ERROR_PAGE } from "@/lib/auth/sign-in";
import { signInFlowId } from "@/lib/auth/sign-in-flow";

/**
 * /api/auth/* — next-auth's core (`Auth`) with two additions:
 *
 * 1. The request handed to it carries the portal's public URL (AUTH_URL, else the Host header the browser
 *    used). next-auth's own Next.js handler rebuilds the request as a NextRequest, and Next.js rewrites
 *    127.0.0.1 to "localhost" in NextRequest URLs: the token exchange would then send a redirect_uri the
 *    authorization request did not use, and redirects would leave the origin whose cookies hold the session.
 * 2. When next-auth sends the browser to the error page, the reason we classified from the logged error
 *    replaces its generic code (most callback failures arrive as "Configuration"), so the page can say
 *    what actually happened.
 * 3. The OAuth callback is limited per client address (README → Security → Abuse limits): each one makes
 *    the portal call Pleo's token endpoint with its client credentials.
 * Every log line of the request carries its request id; the callback's outcome is logged with the
 * sign-in's flow id (lib/auth/sign-in-flow.ts), as /connect/pleo logged its start.
 */

export function publicOrigin(req: NextRequest): string {
  if (process.env.AUTH_URL) return new URL(process.env.AUTH_URL).origin;
  const host = req.headers.get("host");
  return host ? `${req.nextUrl.protocol}//${host}` : req.nextUrl.origin;
}

async function toPublicRequest(req: NextRequest): Promise<Request> {
  const url = new URL(req.nextUrl.pathname + req.nextUrl.search, publicOrigin(req));
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(url, {
    method: req.method,
    headers: req.headers,
    body: hasBody ? await req.arrayBuffer() : undefined,
  });
}

const CALLBACK_PATH = /\/callback\/[^/]+$/;

function handleAuthRequest(req: NextRequest): Promise<Response> {
  return withRequestLogContext(req.headers, () => authRequest(req));
}

async function authRequest(req: NextRequest): Promise<Response> {
  const callback = CALLBACK_PATH.test(req.nextUrl.pathname);
  if (callback) {
    const verdict = await limitByClient("callback", req.headers);
    if (!verdict.allowed)
      return tooManyRequestsResponse(req, verdict.retryAfterSeconds, { href: "/", label: "Back to the portal" });
  }
  const sink = createFailureSink();
  const config = buildAuthConfig({
    // The cookie next-auth reads for the request it is handed: the public origin's protocol.
    sessionToken: sessionTokenFromCookieHeader(req.headers.get("cookie"), {
      secure: new URL(publicOrigin(req)).protocol === "https:",
    }),
    failures: sink,
  });
  setEnvDefaults(process.env, config, true);
  const res = await Auth(await toPublicRequest(req), config);

  const location = res.headers.get("location");
  let reason = sink.reason();
  const flow = callback ? signInFlowId(req.nextUrl.searchParams.get("state")) : undefined;
  if (callback && !reason) logger().info({ event: "auth.signin.done", flow }, "sign-in completed");
  if (!location || !reason) return res;
  // next-auth drops the provider's error code from OAuthCallbackError; it is on the callback URL, and
  // next-auth only gets to that error after the state check passed.
  if (reason === "provider_error" && req.nextUrl.searchParams.get("error") === "access_denied")
    reason = "access_denied";
  const first = sink.errors[0] as { type?: string } | undefined;
  logger().warn(
    { event: "auth.signin.failed", flow, path: req.nextUrl.pathname, type: first?.type, reason },
    "sign-in failed",
  );
  const target = new URL(location);
  if (target.pathname !== AUTH_ERROR_PAGE) return res;
  target.searchParams.set("error", reason);
  const headers = new Headers(res.headers);
  headers.set("location", target.toString());
  return new Response(null, { status: res.status, headers });
}

export const GET = handleAuthRequest;
export const POST = handleAuthRequest;
