import { classifyAuthFailure, type AuthFailureCode } from "@/lib/auth/failures";

/**
 * Per-request record of the errors next-auth logged, so the route wrapper can tell the error page why
 * a callback failed. Keyed by the incoming Request object (next-auth's lazy config receives the same one).
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

const sinks = new WeakMap<Request, FailureSink>();

export function attachFailureSink(req: Request, sink: FailureSink): void {
  sinks.set(req, sink);
}

export function failureSinkFor(req: Request | undefined): FailureSink | undefined {
  return req ? sinks.get(req) : undefined;
}
