/**
 * Next.js calls register() once when a server process starts. It warms the database so the first
 * request after a start is as fast as the rest, and starts the background work (sync schedule, first
 * sync after connecting, token keep-alive). Both run inside the Node.js server process only — never in
 * the Edge runtime — and background work not at all with BACKGROUND_JOBS=off (e.g. a web-only
 * instance, or runs that drive syncs themselves).
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // Not awaited: the server starts listening meanwhile (see lib/db/warm-up.ts).
  void import("@/lib/db/warm-up").then((m) => m.warmDatabase());
  try {
    const { env } = await import("@/lib/env");
    if (env().BACKGROUND_JOBS === "off") return;
    const { startBackgroundJobs } = await import("@/lib/sync/background");
    startBackgroundJobs();
  } catch (err) {
    // Invalid configuration must surface on the pages (with its explanation), not kill the server here.
    const { logger } = await import("@/lib/log");
    logger().error({ module: "instrumentation", err }, "background jobs not started");
  }
}
