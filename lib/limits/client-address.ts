import "server-only";

import http from "node:http";

/**
 * Who a request comes from, for the per-client limits. The App Router does not expose the socket, and
 * Next.js' server fills X-Forwarded-For with the socket address only when the request has none, so a
 * client that connects directly could pick its own address by sending the header. Hence:
 *
 * - `TRUST_PROXY_HOPS` = 0 (default: clients connect to the portal directly): the address of the TCP
 *   peer, which `installPeerAddressHeader` (run once at server start, instrumentation.ts) writes into
 *   PEER_ADDRESS_HEADER on every incoming request, replacing anything a client sent under that name.
 *   X-Forwarded-For is ignored.
 * - `TRUST_PROXY_HOPS` = N ≥ 1 (N reverse proxies/load balancers in front, each appending the address it
 *   was reached from): the Nth X-Forwarded-For entry from the right, the address the outermost trusted
 *   proxy saw. Entries further left were sent by the client and are ignored.
 *
 * Neither known (a request the stamp missed, e.g. in the moments before instrumentation ran): the
 * one shared "unknown" bucket, which errs on the side of limiting.
 */

export const PEER_ADDRESS_HEADER = "x-portal-peer-address";
export const UNKNOWN_CLIENT = "unknown";

/** What the limits read of a request's headers (a `Headers`, or Next's `headers()`). */
export type HeaderReader = { get(name: string): string | null };

export function clientAddress(headers: HeaderReader, trustProxyHops: number): string {
  if (trustProxyHops > 0) {
    const hops = (headers.get("x-forwarded-for") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const address = hops[hops.length - trustProxyHops] ?? hops[0];
    return normalize(address);
  }
  return normalize(headers.get(PEER_ADDRESS_HEADER));
}

function normalize(address: string | null | undefined): string {
  if (!address) return UNKNOWN_CLIENT;
  // IPv4 clients of a dual-stack socket arrive as ::ffff:a.b.c.d; one client, one key. Bounded: it is a
  // database key.
  return address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, "$1").slice(0, 64);
}

const INSTALLED = Symbol.for("pleo-portal.peer-address-header");

/**
 * Stamp every request this process's HTTP servers receive with the TCP peer's address (see above).
 * Idempotent; patches `http.Server.prototype.emit` for the "request" event only, because Next.js
 * creates its server before any app code runs.
 */
export function installPeerAddressHeader(): void {
  const proto = http.Server.prototype as http.Server & { [INSTALLED]?: true };
  if (proto[INSTALLED]) return;
  const emit = proto.emit as (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;
  proto.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request") {
      const req = args[0] as http.IncomingMessage;
      const peer = req.socket?.remoteAddress;
      if (peer) req.headers[PEER_ADDRESS_HEADER] = peer;
      else delete req.headers[PEER_ADDRESS_HEADER];
    }
    return emit.call(this, event, ...args);
  } as typeof proto.emit;
  proto[INSTALLED] = true;
}
