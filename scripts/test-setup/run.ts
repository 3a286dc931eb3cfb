/**
 * `npm run test:setup`, the first step of `npm test` and `npm run test:e2e`: puts in place what the
 * default test run needs from the machine, so `npm install && npm test` works on a fresh one. That is a
 * Chromium for the e2e suite (setup-chromium.ts). Nothing else: the unit suites bring their own sandbox
 * and in-memory PGlite, and the PostgreSQL suites are optional (they skip without TEST_DATABASE_URL).
 * Non-interactive (no stdin, no sudo), so it behaves the same under CI=true.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import process from "node:process";
import { parseOsRelease, type Command, type HostFacts } from "./plan";
import { setUpChromium, type CommandResult } from "./setup-chromium";

function hostFacts(): HostFacts {
  const onPath = (name: string) =>
    (process.env.PATH ?? "").split(":").some((dir) => dir && fs.existsSync(`${dir}/${name}`));
  let osRelease = "";
  try {
    osRelease = fs.readFileSync("/etc/os-release", "utf8");
  } catch {
    // not Linux, or a minimal image without it
  }
  return {
    platform: process.platform,
    isRoot: typeof process.getuid === "function" && process.getuid() === 0,
    hasAptGet: process.platform === "linux" && onPath("apt-get"),
    os: parseOsRelease(osRelease),
  };
}

function run(command: Command): CommandResult {
  const [file, ...args] = command.argv;
  const result = spawnSync(file, args, {
    env: { ...process.env, ...command.env },
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    // npx is npx.cmd on Windows
    shell: process.platform === "win32",
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? String(result.error) : ""}`;
  return { ok: result.status === 0, output };
}

function version(path: string): CommandResult {
  const result = spawnSync(path, ["--version"], {
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    timeout: 30_000,
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? String(result.error) : ""}`;
  return { ok: result.status === 0, output };
}

process.exitCode = setUpChromium({
  facts: hostFacts(),
  lookup: { env: process.env, exists: fs.existsSync },
  run,
  version,
  print: (line) => console.log(line),
});
