import type { NextRequest } from "next/server";
import { signIn } from "@/auth";
import { safeReturnTo } from "@/lib/auth/return-to";
import { PLEO_PROVIDER_ID } from "@/lib/connections/link";

/**
 * Pleo's "Initiation URL": the marketplace's Connect button (and our own) opens this, signed in or
 * not, and the OAuth flow starts at once (PKCE + state cookies set, browser sent to Pleo's authorize).
 * Optional `?returnTo=/path` picks the page to land on afterwards (same-site paths only).
 */
export const dynamic = "force-dynamic";

export async function GET(req: NextRequest) {
  const redirectTo = safeReturnTo(req.nextUrl.searchParams.get("returnTo"));
  // Throws Next's redirect to Pleo's authorize URL; next-auth sets its check cookies on the response.
  await signIn(PLEO_PROVIDER_ID, { redirectTo });
}
