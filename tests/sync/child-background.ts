/**
 * One portal instance's background work in its own process, for tests/sync/instances.test.ts (run
 * with `tsx --conditions=react-server`): its own database pool on the shared PostgreSQL, its own token
 * manager and limiter, the real background jobs (lib/sync/background.ts) with test timings. Its pino
 * lines go to stdout (one JSON line per event), which the parent reads.
 *
 *   prints READY once its database pool answers, then waits for "go" on stdin (so siblings start at
 *   the same instant); on "go": starts the background jobs (scheduler tick 250 ms, keep-alive pass at
 *   once) and, as if a sign-in had just landed on this instance, runs the connect hook for every company
 *   in CHILD_CONNECTED; on "stop": shuts down as on SIGTERM (lib/ops/shutdown.ts) and exits.
 */
import { createInterface } from "node:readline";
import { onCompanyConnected } from "@/lib/connections/events";
import { setDatabaseForProcess } from "@/lib/db";
import { createDatabase } from "@/lib/db/connect";
import { shutdown } from "@/lib/ops/shutdown";
import { startBackgroundJobs } from "@/lib/sync/background";
import { configurePortal } from "@/tests/support/env";

const url = process.env.CHILD_DATABASE_URL;
const sandboxUrl = process.env.CHILD_SANDBOX_URL;
if (!url || !sandboxUrl) {
  process.stderr.write("CHILD_DATABASE_URL and CHILD_SANDBOX_URL are required\n");
  process.exit(2);
}
configurePortal(sandboxUrl, { PLEO_RATE_LIMIT_PER_MINUTE: "600", LOG_LEVEL: "info" });
const database = createDatabase({ kind: "postgres", url });
setDatabaseForProcess(database);
await database.prisma.pleoConnection.count();
process.stdout.write("READY\n");

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line === "go") {
    startBackgroundJobs({ schedulerTickMs: 250, keepAliveFirstMs: 0 });
    for (const companyId of (process.env.CHILD_CONNECTED ?? "").split(",").filter(Boolean)) {
      void onCompanyConnected(companyId);
    }
  } else if (line === "stop") {
    await shutdown({ reason: "stop", timeoutMs: 20_000 });
    await database.close();
    process.exit(0);
  }
}
