/**
 * Next.js calls register() once when a server process starts: it stamps each request with its TCP peer's
 * address for the abuse limits, warms the database so the first
 * request after a start is as fast as the rest (lib/db/warm-up.ts), installs graceful shutdown on
 * SIGTERM / SIGINT (lib/ops/shutdown.ts), hooks the session rules into the token refresh (a company
 * whose grant Pleo ended leaves every session), then starts the background work (sync schedule, first sync
 * after connecting, token keep-alive) — inside the Node.js server process only, never in the Edge
 * runtime, and background work not at all with BACKGROUND_JOBS=off (e.g. a web-only instance, or runs
 * that drive syncs themselves). onRequestError logs what a request failed with, as one JSON line with
 * its request id.
 */
import type { Instrumentation } from "next";

const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 25;

export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // Before anything else: the per-client abuse limits key on the TCP peer (lib/limits/client-address.ts).
  (await import("@/lib/limits/client-address")).installPeerAddressHeader();
  // Not awaited: the server starts listening meanwhile (see lib/db/warm-up.ts).
  void import("@/lib/db/warm-up").then((m) => m.warmDatabase());
  const { logger } = await import("@/lib/log");
  const { installSignalHandlers, onShutdown } = await import("@/lib/ops/shutdown");
  const { closeDatabase } = await import("@/lib/db");
  const { env } = await import("@/lib/env");
  let config: ReturnType<typeof env> | null = null;
  try {
    config = env();
  } catch (err) {
    // Invalid configuration must surface on the pages (with its explanation) and in /api/ready, not
    // kill the server here.
    logger().error({ module: "instrumentation", err }, "configuration invalid: background jobs not started");
  }
  onShutdown("close", "database", closeDatabase);
  // Every instance, background jobs or not: any token use may find that Pleo ended a grant, and the
  // company must then leave every session in the same transaction (lib/connections/session-scope.ts).
  const { registerSessionScopeHooks } = await import("@/lib/connections/session-scope");
  registerSessionScopeHooks();
  installSignalHandlers({
    timeoutMs: (config?.SHUTDOWN_TIMEOUT_SECONDS ?? DEFAULT_SHUTDOWN_TIMEOUT_SECONDS) * 1000,
  });
  if (!config || config.BACKGROUND_JOBS === "off") return;
  try {
    const { startBackgroundJobs } = await import("@/lib/sync/background");
    startBackgroundJobs();
  } catch (err) {
    logger().error({ module: "instrumentation", err }, "background jobs not started");
  }
}

export const onRequestError: Instrumentation.onRequestError = async (err, request, context) => {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { logger } = await import("@/lib/log");
  const header = request.headers["x-request-id"];
  logger().error(
    {
      event: "http.error",
      requestId: Array.isArray(header) ? header[0] : header,
      method: request.method,
      route: context.routePath,
      routeType: context.routeType,
      digest: (err as { digest?: string }).digest,
      err,
    },
    "request failed",
  );
};
