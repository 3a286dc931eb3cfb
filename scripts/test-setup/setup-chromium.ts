/**
 * Makes sure the e2e suite has a Chromium that starts: find one with the same lookup
 * playwright.config.ts uses (e2e/chromium.ts), otherwise install one as planned in ./plan.ts, saying
 * what it runs; check it starts (`--version`), repairing Playwright's download where it can. The
 * machine is reached only through `SetupIO`, so tests can stand in for it.
 */
import fs from "node:fs";
import { locateChromium, type ChromiumCandidate, type LookupOptions } from "../../e2e/chromium";
import { planChromiumInstall, planChromiumRepair, showCommand, type Command, type HostFacts, type Plan } from "./plan";

export type CommandResult = { ok: boolean; output: string };

export type SetupIO = {
  facts: HostFacts;
  lookup: LookupOptions;
  /** Runs a command with no stdin; `output` is its stdout and stderr. */
  run: (command: Command) => CommandResult;
  /** `<path> --version`. */
  version: (path: string) => CommandResult;
  print: (line: string) => void;
};

const SHOWN_OUTPUT_LINES = 15;

/** 0 when a working Chromium is in place (found or installed), 1 after printing the command to run. */
export function setUpChromium(io: SetupIO): number {
  const log = (line: string) => io.print(`[test:setup] ${line}`);
  const env = io.lookup.env ?? process.env;
  const exists = io.lookup.exists ?? fs.existsSync;

  const requested = env.CHROMIUM_PATH;
  if (requested && !exists(requested)) {
    log(`CHROMIUM_PATH=${requested} does not exist; looking for another Chromium.`);
  }

  let found = locateChromium(io.lookup);
  if (!found) {
    log("No Chromium for the e2e tests; installing one (command output is shown only if it fails).");
    const install = planChromiumInstall(io.facts);
    found = runPlan(io, install, log, () => locateChromium(io.lookup));
    if (!found) return stop(io, log, "No Chromium could be installed here.", install.manual);
  }

  if (io.facts.platform === "win32") {
    // chrome.exe --version opens a window instead of printing on Windows: trust the lookup there.
    log(`Chromium for the e2e tests: ${found.path}`);
    return 0;
  }
  let version = io.version(found.path);
  if (!version.ok) {
    log(`${found.path} does not start:`);
    printTail(io, version.output);
    const repair = planChromiumRepair(found.source, found.path, io.facts);
    const candidate = found;
    const repaired = runPlan(io, repair, log, () => (io.version(candidate.path).ok ? candidate : undefined));
    if (!repaired) return stop(io, log, `${found.path} does not start.`, repair.manual);
    version = io.version(found.path);
  }
  log(`Chromium for the e2e tests: ${found.path} (${firstLine(version.output) || "version unknown"})`);
  return 0;
}

/** Tries each step until `done()` answers; prints every command before running it. */
function runPlan(
  io: SetupIO,
  plan: Plan,
  log: (line: string) => void,
  done: () => ChromiumCandidate | undefined,
): ChromiumCandidate | undefined {
  for (const step of plan.steps) {
    log(`Trying ${step.label}:`);
    let ok = true;
    for (const command of step.commands) {
      log(`$ ${showCommand(command)}`);
      const result = io.run(command);
      if (!result.ok) {
        log(`failed: ${showCommand(command)}`);
        printTail(io, result.output);
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    const found = done();
    if (found) return found;
    log(`${step.label}: the commands succeeded, but still no Chromium.`);
  }
  return undefined;
}

function stop(io: SetupIO, log: (line: string) => void, why: string, manual: string): number {
  log(why);
  io.print("");
  io.print("Run this, then `npm test` again:");
  io.print("");
  io.print(`    ${manual}`);
  io.print("");
  io.print("(Or set CHROMIUM_PATH to a Chromium or Chrome binary that starts.)");
  return 1;
}

function printTail(io: SetupIO, output: string): void {
  for (const line of summarizeOutput(output)) io.print(`    ${line}`);
}

/**
 * The end of a failed command's output, readable: colours and stack frames removed, a line repeated by
 * retries shown once.
 */
export function summarizeOutput(output: string): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const raw of output.replace(/\x1b\[[0-9;]*m/g, "").split("\n")) {
    const line = raw.trimEnd();
    if (!line.trim() || /^\s+at /.test(line) || seen.has(line)) continue;
    seen.add(line);
    lines.push(line);
  }
  return lines.slice(-SHOWN_OUTPUT_LINES);
}

function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((l) => l.trim())
      // Debian's wrapper script can print a shell warning before the version.
      .find((l) => /chrom/i.test(l)) ?? ""
  );
}
