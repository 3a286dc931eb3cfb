import "server-only";

import { headers } from "next/headers";
import { limitBySession } from "@/lib/limits/guard";
import type { LimitName } from "@/lib/limits/limits";
import { tooManyRequestsMessage } from "@/lib/limits/too-many-requests";
import { withRequestLogContext } from "@/lib/log-context";

/**
 * For a server action: one hit of `name` for the caller's session. Null when allowed; otherwise the
 * sentence the form shows inline (an action cannot answer 429: its form renders the state it returns).
 */
export async function overActionLimit(name: LimitName): Promise<string | null> {
  const h = await headers();
  const verdict = await withRequestLogContext(h, () => limitBySession(name, h));
  return verdict.allowed ? null : tooManyRequestsMessage(verdict.retryAfterSeconds);
}
