/** CLI entry (`npm run sandbox`): start the Pleo sandbox on SANDBOX_PORT (default 4010). */
import { DEFAULT_OPTIONS, optionsFromEnv } from "./config";
import { DEMO_USER, SOLO_USER, COMPANIES } from "./seed/fixtures";
import { startSandbox } from "./server";

async function main() {
  const env = optionsFromEnv();
  const started = performance.now();
  const sb = await startSandbox({ port: DEFAULT_OPTIONS.port, quiet: false, ...env });
  const cfg = sb.state.config;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`Pleo sandbox listening on ${sb.url} (seeded in ${seconds}s, seed ${cfg.seed})`);
  console.log(`  OAuth client: client_id=${cfg.clientId} client_secret=${cfg.clientSecret}`);
  console.log(`  Redirect URIs: ${cfg.redirectUris.join(", ")}`);
  console.log(
    `  Demo logins: ${DEMO_USER.email} / ${DEMO_USER.password} (two companies), ${SOLO_USER.email} / ${SOLO_USER.password} (one company)`,
  );
  for (const c of COMPANIES) {
    console.log(`  Company ${c.name} (${c.currency}) ${c.id}: ${sb.state.company(c.id)!.data.entries.length} entries`);
  }
  console.log(`  Rate limit: ${cfg.rateLimit ? "600/min per token" : "off"}; control API: ${sb.url}/__sandbox`);
  if (cfg.strict) console.log("  Strict mode: only what Pleo documents (no supplier names, no /v1/teams)");

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(`Sandbox stopping (${signal})`);
    sb.close().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((err) => {
  console.error("Sandbox failed to start:", err instanceof Error ? err.message : err);
  process.exit(1);
});
