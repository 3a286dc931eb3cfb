import "server-only";

import type { NextRequest } from "next/server";
import { handlers } from "@/auth";
import { attachFailureSink, createFailureSink } from "@/lib/auth/failure-sink";
import { AUTH_ERROR_PAGE } from "@/lib/auth/sign-in";

type Handler = (req: NextRequest) => Promise<Response>;

/**
 * next-auth's route handlers, with one addition: when next-auth sends the browser to the error page,
 * the reason we classified from the logged error replaces its generic code (most callback failures
 * arrive as "Configuration"), so the page can say what actually happened.
 */
export function withFailureReasons(handler: Handler): Handler {
  return async (req) => {
    const sink = createFailureSink();
    attachFailureSink(req, sink);
    const res = await handler(req);
    const location = res.headers.get("location");
    let reason = sink.reason();
    // next-auth drops the provider's error code from OAuthCallbackError; it is on the callback URL, and
    // next-auth only gets to that error after the state check passed.
    if (reason === "provider_error" && req.nextUrl.searchParams.get("error") === "access_denied") {
      reason = "access_denied";
    }
    if (!location || !reason) return res;
    const target = new URL(location, req.url);
    if (target.pathname !== AUTH_ERROR_PAGE) return res;
    target.searchParams.set("error", reason);
    const headers = new Headers(res.headers);
    headers.set("location", target.toString());
    return new Response(null, { status: res.status, headers });
  };
}

export const GET = withFailureReasons(handlers.GET);
export const POST = withFailureReasons(handlers.POST);
