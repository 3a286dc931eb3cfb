/**
 * Next.js calls register() once when a server process starts. Background work (sync schedule, first
 * sync after connecting, token keep-alive) runs inside the Node.js server process only — never in the
 * Edge runtime — and not at all with BACKGROUND_JOBS=off (e.g. a web-only instance, or runs that drive
 * syncs themselves).
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
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
