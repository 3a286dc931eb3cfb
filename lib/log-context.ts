import { AsyncLocalStorage } from "node:async_hooks";
import { processSlot } from "@/lib/process-singleton";
import { REQUEST_ID_HEADER } from "@/lib/request-id";

/**
 * What every log line of a piece of work says about it, without each call passing it on: the request
 * id (set by proxy.ts), the company it concerns, the sync run. Kept in AsyncLocalStorage, so work a
 * request starts in the background (a sync after "Sync now" or after connecting) carries the request's
 * id too; lib/log.ts adds these fields to every line logged inside (a field the line or its logger
 * already has wins). Entry points — route handlers, server actions, a sync run — open a scope.
 */

export type LogContext = { requestId?: string; companyId?: string; runId?: string };

const storage = processSlot<AsyncLocalStorage<LogContext>>("log-context").getOrCreate(
  () => new AsyncLocalStorage<LogContext>(),
);

/** The fields of the scope this code runs in, if any. */
export function logContext(): LogContext | undefined {
  return storage.getStore();
}

/** Run `fn` in a scope with `fields` added to the current ones. */
export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...fields }, fn);
}

/** Run `fn` in the scope of the request whose headers these are (the id proxy.ts put there). */
export function withRequestLogContext<T>(headers: Headers, fn: () => T): T {
  return withLogContext({ requestId: headers.get(REQUEST_ID_HEADER) ?? undefined }, fn);
}

/** Add fields to the current scope once they are known (the company a request concerns, a run's id). */
export function addToLogContext(fields: LogContext): void {
  const store = storage.getStore();
  if (store) Object.assign(store, fields);
}
