import { checkReadiness } from "@/lib/ops/readiness";

/**
 * Readiness for a load balancer: 200 when configuration, database and migrations are fine and the
 * instance is not shutting down; 503 otherwise, naming the failing check and nothing more (no
 * versions, hosts or error text; the reason is in the log). Unauthenticated, never cached.
 */
export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const { ready, checks } = await checkReadiness();
  return Response.json(
    { status: ready ? "ready" : "not_ready", checks },
    { status: ready ? 200 : 503, headers: { "cache-control": "no-store" } },
  );
}
