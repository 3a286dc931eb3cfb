/**
 * What `npm run test:setup` tries when the e2e suite has no Chromium, decided from facts about the
 * machine alone (no I/O here, so the tests cover every kind of machine):
 *
 * - Debian (or a derivative that packages Chromium itself) as root with apt-get: Debian's `chromium`
 *   package first (it brings its system libraries along, and Debian's mirror is often reachable where
 *   Playwright's download host is not), then Playwright's download.
 * - Other Linux as root with apt-get (Ubuntu's `chromium` package is a snap stub that does not run in
 *   containers): Playwright's download with the system libraries it needs (`--with-deps`).
 * - Everyone else (not root, macOS, Windows, Linux without apt): Playwright's download, which needs no
 *   root. Never sudo: `npm test` must not stop at a password prompt, and CI has no terminal.
 *
 * When every step fails, the one command that fixes it, for this machine.
 */
import type { ChromiumSource } from "../../e2e/chromium";

export type OsRelease = { id?: string; idLike: string[] };

export type HostFacts = {
  platform: NodeJS.Platform;
  isRoot: boolean;
  hasAptGet: boolean;
  os: OsRelease;
};

export type Command = { argv: string[]; env?: Record<string, string> };
export type InstallStep = { label: string; commands: Command[] };
export type Plan = { steps: InstallStep[]; manual: string };

const APT_ENV = { DEBIAN_FRONTEND: "noninteractive" };
// Playwright's headless shell is not needed: playwright.config.ts launches the full browser by path.
const PLAYWRIGHT_INSTALL = ["npx", "playwright", "install", "--no-shell", "chromium"];

/** /etc/os-release (`KEY=value` lines, values optionally quoted) → the fields that matter here. */
export function parseOsRelease(text: string): OsRelease {
  const fields = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) fields.set(m[1], m[2].replace(/^(["'])(.*)\1$/, "$2"));
  }
  return {
    id: fields.get("ID")?.toLowerCase() || undefined,
    idLike: (fields.get("ID_LIKE") ?? "").toLowerCase().split(/\s+/).filter(Boolean),
  };
}

/** Debian and derivatives that ship Chromium as a real package (not Ubuntu and its family: a snap stub). */
export function packagesChromium(os: OsRelease): boolean {
  const family = [os.id, ...os.idLike];
  return family.includes("debian") && !family.includes("ubuntu");
}

function aptInstall(facts: HostFacts): boolean {
  return facts.platform === "linux" && facts.isRoot && facts.hasAptGet;
}

function asRoot(facts: HostFacts, command: string): string {
  return facts.isRoot ? command : `sudo ${command}`;
}

/** No Chromium anywhere: what to try, in order, and the command to print if all of it fails. */
export function planChromiumInstall(facts: HostFacts): Plan {
  const debian = facts.platform === "linux" && packagesChromium(facts.os);
  const steps: InstallStep[] = [];
  if (aptInstall(facts) && debian) {
    steps.push({
      label: "Debian's chromium package",
      commands: [
        { argv: ["apt-get", "update", "-qq"], env: APT_ENV },
        { argv: ["apt-get", "install", "-y", "-qq", "chromium"], env: APT_ENV },
      ],
    });
    steps.push({ label: "Playwright's Chromium download", commands: [{ argv: PLAYWRIGHT_INSTALL }] });
  } else if (aptInstall(facts)) {
    steps.push({
      label: "Playwright's Chromium download with its system libraries",
      commands: [{ argv: [...PLAYWRIGHT_INSTALL.slice(0, 3), "--with-deps", ...PLAYWRIGHT_INSTALL.slice(3)] }],
    });
  } else {
    steps.push({ label: "Playwright's Chromium download", commands: [{ argv: PLAYWRIGHT_INSTALL }] });
  }

  let manual: string;
  if (debian && facts.hasAptGet) manual = asRoot(facts, "apt-get install -y chromium");
  // Playwright runs sudo itself for the libraries and keeps the browser in this user's cache.
  else if (facts.platform === "linux" && facts.hasAptGet)
    manual = "npx playwright install --with-deps --no-shell chromium";
  else manual = PLAYWRIGHT_INSTALL.join(" ");
  return { steps, manual };
}

/** A Chromium was found but does not start (`--version` fails): what to try, and what to print. */
export function planChromiumRepair(source: ChromiumSource, path: string, facts: HostFacts): Plan {
  if (source === "CHROMIUM_PATH") {
    return { steps: [], manual: `unset CHROMIUM_PATH   # or point it at a Chromium that starts (now: ${path})` };
  }
  if (source === "debian") {
    return { steps: [], manual: asRoot(facts, "apt-get install -y --reinstall chromium") };
  }
  // Playwright's download on Linux usually lacks system libraries.
  if (facts.platform === "linux" && facts.hasAptGet) {
    const deps = ["npx", "playwright", "install-deps", "chromium"];
    return {
      steps: facts.isRoot
        ? [{ label: "the system libraries Playwright's Chromium needs", commands: [{ argv: deps }] }]
        : [],
      manual: asRoot(facts, deps.join(" ")),
    };
  }
  return { steps: [], manual: "npx playwright install --force --no-shell chromium" };
}

/** How a command is shown to the user. */
export function showCommand(command: Command): string {
  const env = Object.entries(command.env ?? {}).map(([k, v]) => `${k}=${v} `);
  return `${env.join("")}${command.argv.join(" ")}`;
}
