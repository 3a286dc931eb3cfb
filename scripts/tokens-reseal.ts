/**
 * `npm run tokens:reseal`: re-seals every stored Pleo token under the first key of
 * TOKEN_ENCRYPTION_KEYS (README → Security → Rotating the encryption key). Exits 1 if any token could not
 * be opened with the listed keys (each is named in the log), so an old key is never dropped too early.
 */
import { ConfigError } from "@/lib/env";
import { database, db } from "@/lib/db";
import { logger } from "@/lib/log";
import { resealTokens } from "@/lib/pleo/token-reseal";

async function main() {
  const report = await resealTokens({ db, log: logger().child({ component: "tokens-reseal" }) });
  for (const [table, c] of Object.entries(report)) {
    console.log(
      `[tokens] ${table}: ${c.checked} with tokens, ${c.resealed} re-sealed, ${c.current} already current, ` +
        `${c.changedMeanwhile} changed meanwhile (already current), ${c.failed} could not be opened`,
    );
  }
  await database().close();
  const failed = Object.values(report).reduce((n, c) => n + c.failed, 0);
  if (failed > 0) {
    console.error(`[tokens] ${failed} row(s) could not be opened: keep the old key listed until they are fixed.`);
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : `[tokens] reseal failed: ${error?.message ?? error}`);
  process.exit(1);
});
