/**
 * The request id: one per HTTP request, set by proxy.ts on the request the app sees and on the
 * response, and logged with every line the request causes (lib/log-context.ts), so an operator can
 * follow one request across the log lines of whichever instance served it. An id a load balancer
 * already set (X-Request-Id) is kept when it looks like one; anything else gets a fresh UUID.
 * No Node-only imports: proxy.ts may run anywhere.
 */

export const REQUEST_ID_HEADER = "x-request-id";

const ACCEPTED = /^[A-Za-z0-9._:-]{8,128}$/;

/** The id to use for a request that arrived with `incoming` (its X-Request-Id header, if any). */
export function requestIdFor(incoming: string | null | undefined): string {
  return incoming && ACCEPTED.test(incoming) ? incoming : crypto.randomUUID();
}
