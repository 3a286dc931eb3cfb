/**
 * The production install's first step (bundled by scripts/build-standalone.mjs into start-check.mjs,
 * which the install's server.js runs before Next's server listens): validate the whole configuration
 * as a production build (lib/env.ts) and refuse to start, naming every problem, when it is not
 * deployable. One JSON log line either way. README, "Security" → "Production start".
 */
import { ConfigError, env } from "@/lib/env";
import { logger } from "@/lib/log";

/** True when the server may start; otherwise the problems are logged. */
export function checkConfiguration(): boolean {
  const log = logger().child({ module: "start" });
  try {
    const e = env();
    if (e.ALLOW_INSECURE_HTTP === "true") {
      log.warn(
        { event: "config.insecure_http" },
        "ALLOW_INSECURE_HTTP=true: http URLs accepted. For evaluating a build against the local sandbox only, never for a deployment",
      );
    }
    return true;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    log.fatal(
      { event: "config.invalid", problems: err.problems },
      `invalid configuration, not starting (README → Configuration): ${err.problems.join("; ")}`,
    );
    return false;
  }
}
