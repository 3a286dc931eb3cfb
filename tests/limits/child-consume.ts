/**
 * Another portal process for tests/limits (run with tsx): counts LIMITS_CHILD_HITS hits of the "connect"
 * limit for one client against the PostgreSQL database in LIMITS_CHILD_DATABASE_URL, with the limits in
 * its environment, and prints how many were allowed as one JSON line.
 */
import { createDatabase } from "@/lib/db/connect";
import { setDatabaseForProcess } from "@/lib/db";
import { consumeLimit } from "@/lib/limits/limits";

const url = process.env.LIMITS_CHILD_DATABASE_URL;
const hits = Number(process.env.LIMITS_CHILD_HITS ?? 0);
if (!url || !hits) {
  console.error("LIMITS_CHILD_DATABASE_URL and LIMITS_CHILD_HITS are required");
  process.exit(2);
}
const database = createDatabase({ kind: "postgres", url });
setDatabaseForProcess(database);
const verdicts = await Promise.all(Array.from({ length: hits }, () => consumeLimit("connect", "client", "192.0.2.50")));
process.stdout.write(`${JSON.stringify({ allowed: verdicts.filter((v) => v.allowed).length })}\n`);
await database.close();
