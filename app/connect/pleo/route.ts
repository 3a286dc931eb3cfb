import { redirect } from "next/navigation";
import type { NextRequest } from "next/server";
import { signIn } from "@/auth";
import { safeReturnTo } from "@/lib/auth/return-to";
import { signInFlowIdOfUrl } from "@/lib/auth/sign-in-flow";
import { PLEO_PROVIDER_ID } from "@/lib/connections/link";
import { logger } from "@/lib/log";
import { limitByClient } from "@/lib/limits/guard";
import { tooManyRequestsResponse } from "@/lib/limits/too-many-requests";
import { withRequestLogContext } from "@/lib/log-context";

/**
 * Pleo's "Initiation URL": the marketplace's Connect button (and our own) opens this, signed in or
 * not, and the OAuth flow starts at once (PKCE + state cookies set, browser sent to Pleo's authorize).
 * Optional `?returnTo=/path` picks the page to land on afterwards (same-site paths only). Limited per
 * client address (README → Security → Abuse limits): each start sets cookies and sends the browser to Pleo.
 */
export const dynamic = "force-dynamic";

export async function GET(req: NextRequest) {
  return withRequestLogContext(req.headers, () => startConnect(req));
}

async function startConnect(req: NextRequest) {
  const redirectTo = safeReturnTo(req.nextUrl.searchParams.get("returnTo"));
  const verdict = await limitByClient("connect", req.headers);
  if (!verdict.allowed)
    return tooManyRequestsResponse(req, verdict.retryAfterSeconds, { href: "/", label: "Back to the portal" });
  // next-auth sets its check cookies on the response and hands back Pleo's authorize URL.
  const authorizeUrl = await signIn(PLEO_PROVIDER_ID, { redirectTo, redirect: false });
  logger().info({ event: "auth.signin.start", flow: signInFlowIdOfUrl(authorizeUrl) }, "sign-in started: sent to Pleo");
  redirect(authorizeUrl);
}
