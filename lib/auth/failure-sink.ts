import { classifyAuthFailure, type AuthFailureCode } from "@/lib/auth/failures";

/**
 * Per-request record of the errors next-auth logged, so the route handler can tell the error page why
 * a callback failed.
 */
export type FailureSink = { errors: unknown[]; reason(): AuthFailureCode | null };

export function createFailureSink(): FailureSink {
  const errors: unknown[] = [];
  return {
    errors,
    reason() {
      if (errors.length === 0) return null;
      const codes = errors.map(classifyAuthFailure);
      return codes.find((c) => c !== "server_error") ?? "server_error";
    },
  };
}
