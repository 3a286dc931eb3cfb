/**
 * A separate portal process for the sync suites (run with tsx): runs one sync for a company against the
 * PostgreSQL database in SYNC_CHILD_DATABASE_URL and prints one JSON line per committed page, so a
 * test can SIGKILL it mid-backfill (a real crash: no cleanup, the lease is left to expire).
 */
import { createDatabase } from "@/lib/db/connect";
import { setDatabaseForProcess } from "@/lib/db";
import { runSync } from "@/lib/sync/run";

const url = process.env.SYNC_CHILD_DATABASE_URL;
const companyId = process.env.SYNC_CHILD_COMPANY_ID;
if (!url || !companyId) {
  console.error("SYNC_CHILD_DATABASE_URL and SYNC_CHILD_COMPANY_ID are required");
  process.exit(2);
}
const database = createDatabase({ kind: "postgres", url });
// Several children started together wait for one shared instant, so they really race for the lease.
const startAt = Number(process.env.SYNC_CHILD_START_AT ?? 0);
if (startAt > Date.now()) await new Promise((r) => setTimeout(r, startAt - Date.now()));
setDatabaseForProcess(database);
const result = await runSync({
  companyId,
  trigger: "schedule",
  leaseTtlMs: Number(process.env.SYNC_CHILD_LEASE_TTL_MS ?? 60_000),
  onPage: (p) => {
    process.stdout.write(`${JSON.stringify({ page: p.pages, entries: p.entries })}\n`);
  },
});
process.stdout.write(`${JSON.stringify({ done: result })}\n`);
await database.close();
