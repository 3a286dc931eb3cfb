/**
 * `npm run cluster`: the portal as N instances on one PostgreSQL behind a load balancer, on one
 * machine, for trying it out (README, "Deploying" → "Try it locally"). Builds once (`npm run build`;
 * CLUSTER_SKIP_BUILD=1 reuses the last build), migrates once with the install's `node migrate.mjs`,
 * starts the Pleo sandbox on :4010 (SANDBOX_PORT; not when PLEO_API_URL points elsewhere),
 * CLUSTER_INSTANCES (2) instances of <distDir>/standalone on :3001, :3002, … and a round-robin proxy on
 * :3000 (PORT) in front (scripts/cluster/round-robin-proxy.ts). Open http://localhost:3000 and connect
 * as usual.
 *
 * Needs DATABASE_URL (PostgreSQL). Secrets: AUTH_SECRET / TOKEN_ENCRYPTION_KEYS from the environment,
 * else the development ones in .data/dev-secrets.json. Each instance's JSON log lines are printed
 * prefixed with its name. Ctrl-C stops everything, the instances gracefully (SIGTERM).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { loadOrCreateDevSecrets } from "@/lib/env";
import { SandboxControl } from "@/tests/support/sandbox";
import {
  migrateWith,
  ROOT,
  standaloneDir,
  startPortalProcess,
  type PortalProcess,
} from "@/tests/support/portal-process";
import { startRoundRobinProxy } from "./round-robin-proxy";

const PROXY_PORT = Number(process.env.PORT ?? 3000);
const COUNT = Number(process.env.CLUSTER_INSTANCES ?? 2);
const SANDBOX_PORT = Number(process.env.SANDBOX_PORT ?? 4010);
const publicUrl = `http://localhost:${PROXY_PORT}`;

function say(message: string): void {
  process.stdout.write(`[cluster] ${message}\n`);
}

function fail(message: string): never {
  process.stderr.write(`[cluster] ${message}\n`);
  process.exit(1);
}

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl || !/^postgres(ql)?:\/\//.test(databaseUrl)) {
  fail(
    "needs PostgreSQL: set DATABASE_URL=postgresql://user:password@host:5432/portal (README → Switching to PostgreSQL). " +
      "Instances share the database; the embedded PGlite allows one process only.",
  );
}
if (!Number.isInteger(COUNT) || COUNT < 1 || COUNT > 8) fail("CLUSTER_INSTANCES must be between 1 and 8");

if (process.env.CLUSTER_SKIP_BUILD !== "1") {
  say("building once: npm run build");
  const built = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
  if (built.status !== 0) fail("the build failed");
}

const secrets = {
  AUTH_SECRET: process.env.AUTH_SECRET,
  TOKEN_ENCRYPTION_KEYS: process.env.TOKEN_ENCRYPTION_KEYS,
};
if (!secrets.AUTH_SECRET || !secrets.TOKEN_ENCRYPTION_KEYS) Object.assign(secrets, loadOrCreateDevSecrets(".data"));

const children: ChildProcess[] = [];
let sandboxUrl = process.env.PLEO_API_URL;
if (!sandboxUrl) {
  sandboxUrl = `http://127.0.0.1:${SANDBOX_PORT}`;
  say(`starting the Pleo sandbox on ${sandboxUrl}`);
  const sandbox = spawn(process.execPath, ["--import", "tsx", "sandbox/main.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      SANDBOX_PORT: String(SANDBOX_PORT),
      SANDBOX_QUIET: "1",
      SANDBOX_REDIRECT_URIS: `${publicUrl}/api/auth/callback/pleo,http://127.0.0.1:${PROXY_PORT}/api/auth/callback/pleo`,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  children.push(sandbox);
  const control = new SandboxControl(sandboxUrl);
  for (let i = 0; ; i++) {
    try {
      await control.stats();
      break;
    } catch {
      if (sandbox.exitCode !== null || i > 300) fail("the sandbox did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const env: Record<string, string> = {
  PLEO_AUTH_URL: process.env.PLEO_AUTH_URL ?? sandboxUrl,
  PLEO_API_URL: sandboxUrl,
  PLEO_CLIENT_ID: process.env.PLEO_CLIENT_ID ?? "sandbox-portal",
  PLEO_CLIENT_SECRET: process.env.PLEO_CLIENT_SECRET ?? "sandbox-portal-secret",
  AUTH_SECRET: secrets.AUTH_SECRET!,
  TOKEN_ENCRYPTION_KEYS: secrets.TOKEN_ENCRYPTION_KEYS!,
  AUTH_URL: publicUrl,
  // A local evaluation: the portal and the sandbox talk plain http (README, "Security").
  ALLOW_INSECURE_HTTP: process.env.ALLOW_INSECURE_HTTP ?? "true",
  DATABASE_URL: databaseUrl,
  LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
};

const dir = standaloneDir();
say("migrating once: node migrate.mjs");
process.stdout.write(migrateWith(dir, env));

const instances: PortalProcess[] = [];
for (let k = 1; k <= COUNT; k++) {
  const portal = await startPortalProcess({ dir, port: PROXY_PORT + k, env });
  const name = `portal-${k}`;
  const print = (chunk: Buffer) => {
    for (const line of String(chunk).split("\n").filter(Boolean)) process.stdout.write(`[${name}] ${line}\n`);
  };
  portal.child.stdout!.on("data", print);
  portal.child.stderr!.on("data", print);
  instances.push(portal);
  say(`${name} on ${portal.url}`);
}
const proxy = await startRoundRobinProxy({ port: PROXY_PORT, host: "0.0.0.0", backends: instances.map((i) => i.url) });
say(
  `${COUNT} instances on one PostgreSQL behind ${publicUrl} (round-robin; \`x-cluster-backend: <n>\` pins a request)`,
);
say("stop one with `kill -TERM <pid>` to watch a graceful shutdown: " + instances.map((i) => i.child.pid).join(", "));

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  say("stopping");
  await proxy.close();
  await Promise.all(instances.map((i) => i.stop()));
  for (const c of children) c.kill("SIGTERM");
  process.exit(0);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
