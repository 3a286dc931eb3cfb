/**
 * Liveness: the process is up and serving HTTP. Nothing is checked or revealed (for "can it take
 * traffic", see /api/ready). Unauthenticated, never cached.
 */
export const dynamic = "force-dynamic";

export function GET(): Response {
  return Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } });
}
