import "server-only";

import { isNeedsReauth, isPleoApiError, isPleoRateLimited, isPleoUnavailable } from "@/lib/pleo/errors";
import type { SyncErrorCode } from "@/lib/sync/describe-error";

/** What a failed run stores: a stable code from the error's type, never its message (lib/sync/describe-error.ts). */
export function syncErrorCode(err: unknown): SyncErrorCode {
  if (isNeedsReauth(err)) return "needs_reconnect";
  if (isPleoRateLimited(err)) return "rate_limited";
  if (isPleoUnavailable(err)) return "pleo_unavailable";
  if (err instanceof Error && err.name === "PleoResponseError") return "unexpected_response";
  if (isPleoApiError(err)) return err.status >= 500 ? "pleo_unavailable" : "pleo_refused";
  if (err instanceof Error && err.name === "ConnectionNotFoundError") return "disconnected";
  return "internal";
}
