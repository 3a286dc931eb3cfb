/**
 * The production install as a process: `node migrate.mjs` and `node server.js` from a standalone
 * directory (`npm run build` leaves one in <distDir>/standalone; README, "Deploying"), as the e2e
 * cluster suite, `npm run cluster` and the load benchmark run it. Each server gets only the variables
 * passed here (and PATH): nothing of this shell's environment leaks in, as on a real host. Imports
 * nothing server-only, so Playwright and plain scripts can use it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** <root>/<NEXT_DIST_DIR or .next>/standalone, where `npm run build` leaves the production install. */
export function standaloneDir(root = ROOT): string {
  return path.join(root, process.env.NEXT_DIST_DIR || ".next", "standalone");
}

export function assertBuilt(dir: string): void {
  for (const file of ["server.js", "migrate.mjs"]) {
    if (!fs.existsSync(path.join(dir, file)))
      throw new Error(`${path.join(dir, file)} is missing: run \`npm run build\` first.`);
  }
}

function baseEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", NODE_ENV: "production", ...env } as NodeJS.ProcessEnv;
}

/** `node migrate.mjs` in `dir` with `env`; throws with its output when it fails. */
export function migrateWith(dir: string, env: Record<string, string>): string {
  const r = spawnSync(process.execPath, ["migrate.mjs"], { cwd: dir, env: baseEnv(env), encoding: "utf8" });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  if (r.status !== 0) throw new Error(`node migrate.mjs exited with ${r.status}:\n${output}`);
  return output;
}

export type PortalProcess = {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Its JSON log lines so far (pino), parsed. */
  lines(): Array<Record<string, unknown>>;
  /** Resolves when it exits, with its exit code (null if killed by a signal) and the time from `signal()`. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; msAfterSignal: number | null }>;
  /** Send a signal (SIGTERM: graceful shutdown). */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM and wait for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
};

/**
 * `node server.js` in `dir` on 127.0.0.1:`port`; resolves once GET /api/health answers (alive, not
 * necessarily ready).
 */
export async function startPortalProcess(opts: {
  dir: string;
  port: number;
  env: Record<string, string>;
  timeoutMs?: number;
}): Promise<PortalProcess> {
  assertBuilt(opts.dir);
  const url = `http://127.0.0.1:${opts.port}`;
  const child = spawn(process.execPath, ["server.js"], {
    cwd: opts.dir,
    env: baseEnv({ PORT: String(opts.port), HOSTNAME: "127.0.0.1", ...opts.env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += String(d)));
  child.stderr!.on("data", (d) => (out += String(d)));
  let signalledAt: number | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; msAfterSignal: number | null }>(
    (resolve) =>
      child.once("exit", (code, signal) =>
        resolve({ code, signal, msAfterSignal: signalledAt === null ? null : Date.now() - signalledAt }),
      ),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const proc: PortalProcess = {
    url,
    port: opts.port,
    child,
    output: () => out,
    lines: () =>
      out
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    exited,
    signal(signal) {
      signalledAt ??= Date.now();
      if (!gone) child.kill(signal);
    },
    async stop(graceMs = 30_000) {
      if (gone) return;
      proc.signal("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  // What the last probe got, for the failure message (a refused connection and a 5xx need different fixes).
  let last = "no probe answered";
  while (Date.now() < deadline) {
    if (gone) throw new Error(`server.js exited before answering:\n${out}`);
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) });
      const body = await res.text();
      if (res.ok) return proc;
      last = `HTTP ${res.status}: ${body.slice(0, 300)}`;
    } catch (err) {
      // not listening yet
      last = `${(err as Error).name}: ${(err as Error).message}; cause: ${String((err as { cause?: unknown }).cause ?? "")}`;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await proc.stop(1_000);
  throw new Error(
    `server.js did not answer on ${url} within ${opts.timeoutMs ?? 60_000} ms (last probe: ${last}):\n${out}`,
  );
}

/** A TCP port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** GET /api/ready: status and body. */
export async function readiness(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/api/ready`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/**
 * `node server.js` in `dir` with exactly `env` (and PATH; no NODE_ENV unless given) when it is expected
 * to refuse to start: resolves with its exit code and output once it exits (SIGKILL after `timeoutMs`),
 * and whether anything ever accepted a connection on `port` meanwhile (probed every 25 ms).
 */
export async function startExpectingRefusal(opts: {
  dir: string;
  port: number;
  env: Record<string, string>;
  timeoutMs?: number;
}): Promise<{ code: number | null; output: string; listened: boolean }> {
  assertBuilt(opts.dir);
  const child = spawn(process.execPath, ["server.js"], {
    cwd: opts.dir,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      PORT: String(opts.port),
      HOSTNAME: "127.0.0.1",
      ...opts.env,
    } as unknown as NodeJS.ProcessEnv, // NODE_ENV deliberately unset unless `env` has it
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += String(d)));
  child.stderr!.on("data", (d) => (output += String(d)));
  let exited = false;
  const exit = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      exited = true;
      resolve(code);
    }),
  );
  const killer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
  let listened = false;
  while (!exited) {
    listened ||= await new Promise<boolean>((resolve) => {
      const socket = net.connect(opts.port, "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    await new Promise((r) => setTimeout(r, 25));
  }
  clearTimeout(killer);
  return { code: await exit, output, listened };
}
