/**
 * setUpChromium against a simulated machine: a set of files that exist and what each command does to
 * it. The real machine is exercised by `npm run test:setup` itself (see the README's Tests section).
 */
import { describe, expect, it } from "vitest";
import { chromiumCandidates, findChromium, locateChromium } from "../../e2e/chromium";
import { parseOsRelease, showCommand, type Command, type HostFacts } from "../../scripts/test-setup/plan";
import { setUpChromium, summarizeOutput, type CommandResult } from "../../scripts/test-setup/setup-chromium";

const PLAYWRIGHT_CHROME = "/home/u/.cache/ms-playwright/chromium-1/chrome-linux64/chrome";
const DEBIAN = parseOsRelease("ID=debian\n");

type Machine = {
  files: Set<string>;
  /** What a command does, by the way it is printed; absent = it fails. */
  commands: Record<string, (files: Set<string>) => CommandResult>;
  /** Paths that exist but do not start. */
  broken?: Set<string>;
};

function simulate(machine: Machine, facts: HostFacts, env: Record<string, string> = {}) {
  const ran: string[] = [];
  const printed: string[] = [];
  const code = setUpChromium({
    facts,
    lookup: { env, playwrightPath: PLAYWRIGHT_CHROME, exists: (p) => machine.files.has(p) },
    run: (command: Command) => {
      const shown = showCommand(command);
      ran.push(shown);
      const effect = machine.commands[shown];
      return effect ? effect(machine.files) : { ok: false, output: `${command.argv[0]}: simulated failure` };
    },
    version: (path) =>
      machine.files.has(path) && !machine.broken?.has(path)
        ? { ok: true, output: "Chromium 156.0 built on Debian\n" }
        : { ok: false, output: `${path}: error while loading shared libraries: libnss3.so` },
    print: (line) => printed.push(line),
  });
  return { code, ran, out: printed.join("\n") };
}

const APT_UPDATE = "DEBIAN_FRONTEND=noninteractive apt-get update -qq";
const APT_INSTALL = "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium";
const PW = "npx playwright install --no-shell chromium";
const ok = (output = "") => ({ ok: true, output });

describe("e2e/chromium lookup", () => {
  it("prefers CHROMIUM_PATH, then Debian's, then Playwright's; skips what does not exist", () => {
    const env = { CHROMIUM_PATH: "/opt/chrome" };
    expect(chromiumCandidates({ env, playwrightPath: PLAYWRIGHT_CHROME }).map((c) => c.source)).toEqual([
      "CHROMIUM_PATH",
      "debian",
      "debian",
      "playwright",
    ]);
    const all = new Set(["/opt/chrome", "/usr/bin/chromium", PLAYWRIGHT_CHROME]);
    const look = (files: string[]) =>
      locateChromium({ env, playwrightPath: PLAYWRIGHT_CHROME, exists: (p) => files.includes(p) })?.path;
    expect(look([...all])).toBe("/opt/chrome");
    expect(look(["/usr/bin/chromium", PLAYWRIGHT_CHROME])).toBe("/usr/bin/chromium");
    expect(look([PLAYWRIGHT_CHROME])).toBe(PLAYWRIGHT_CHROME);
    expect(look([])).toBeUndefined();
  });

  it("findChromium stops with the step that installs one", () => {
    expect(() => findChromium({ env: {}, playwrightPath: PLAYWRIGHT_CHROME, exists: () => false })).toThrow(
      /npm run test:setup/,
    );
  });
});

describe("setUpChromium", () => {
  it("uses a Chromium that is there and installs nothing", () => {
    const r = simulate(
      { files: new Set(["/usr/bin/chromium"]), commands: {} },
      { platform: "linux", isRoot: true, hasAptGet: true, os: DEBIAN },
    );
    expect(r.code).toBe(0);
    expect(r.ran).toEqual([]);
    expect(r.out).toContain("Chromium for the e2e tests: /usr/bin/chromium (Chromium 156.0");
  });

  it("says when CHROMIUM_PATH points nowhere, then looks further", () => {
    const r = simulate(
      { files: new Set([PLAYWRIGHT_CHROME]), commands: {} },
      { platform: "linux", isRoot: false, hasAptGet: true, os: DEBIAN },
      { CHROMIUM_PATH: "/nowhere/chrome" },
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain("CHROMIUM_PATH=/nowhere/chrome does not exist");
    expect(r.out).toContain(`Chromium for the e2e tests: ${PLAYWRIGHT_CHROME}`);
  });

  it("root on Debian, downloads blocked: installs Debian's package, printing each command", () => {
    const machine: Machine = {
      files: new Set(),
      commands: {
        [APT_UPDATE]: () => ok(),
        [APT_INSTALL]: (files) => (files.add("/usr/bin/chromium"), ok()),
      },
    };
    const r = simulate(
      machine,
      { platform: "linux", isRoot: true, hasAptGet: true, os: DEBIAN },
      { CHROMIUM_PATH: "/nowhere" },
    );
    expect(r.code).toBe(0);
    expect(r.ran).toEqual([APT_UPDATE, APT_INSTALL]);
    expect(r.out).toContain(`$ ${APT_INSTALL}`);
    expect(r.out).toContain("Chromium for the e2e tests: /usr/bin/chromium");
  });

  it("root on Debian, apt failing: falls back to Playwright's download", () => {
    const machine: Machine = {
      files: new Set(),
      commands: { [PW]: (files) => (files.add(PLAYWRIGHT_CHROME), ok()) },
    };
    const r = simulate(machine, { platform: "linux", isRoot: true, hasAptGet: true, os: DEBIAN });
    expect(r.code).toBe(0);
    expect(r.ran).toEqual([APT_UPDATE, PW]);
    expect(r.out).toContain("apt-get: simulated failure");
    expect(r.out).toContain(`Chromium for the e2e tests: ${PLAYWRIGHT_CHROME}`);
  });

  it("neither possible (not root, no download): prints the one command and fails", () => {
    const r = simulate(
      { files: new Set(), commands: {} },
      { platform: "linux", isRoot: false, hasAptGet: true, os: DEBIAN },
    );
    expect(r.code).toBe(1);
    expect(r.ran).toEqual([PW]);
    expect(r.out).toContain("Run this, then `npm test` again:\n\n    sudo apt-get install -y chromium\n");
  });

  it("a command that 'succeeds' without leaving a browser does not count", () => {
    const r = simulate(
      { files: new Set(), commands: { [PW]: () => ok("nothing to do") } },
      { platform: "darwin", isRoot: false, hasAptGet: false, os: { idLike: [] } },
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain("still no Chromium");
    expect(r.out).toContain(`    ${PW}`);
  });

  it("Playwright's download without system libraries: installs them as root, re-checks", () => {
    const machine: Machine = {
      files: new Set([PLAYWRIGHT_CHROME]),
      broken: new Set([PLAYWRIGHT_CHROME]),
      commands: { "npx playwright install-deps chromium": () => (machine.broken!.clear(), ok()) },
    };
    const r = simulate(machine, { platform: "linux", isRoot: true, hasAptGet: true, os: DEBIAN });
    expect(r.code).toBe(0);
    expect(r.out).toContain("does not start");
    expect(r.out).toContain("libnss3.so");
    expect(r.ran).toEqual(["npx playwright install-deps chromium"]);
  });

  it("Playwright's download without libraries and no root: names the command", () => {
    const machine: Machine = {
      files: new Set([PLAYWRIGHT_CHROME]),
      broken: new Set([PLAYWRIGHT_CHROME]),
      commands: {},
    };
    const r = simulate(machine, { platform: "linux", isRoot: false, hasAptGet: true, os: DEBIAN });
    expect(r.code).toBe(1);
    expect(r.ran).toEqual([]);
    expect(r.out).toContain("    sudo npx playwright install-deps chromium\n");
  });
});

describe("summarizeOutput", () => {
  it("keeps a failed download readable: no colours, no stack frames, retries shown once, the end kept", () => {
    const retry =
      "Downloading Chrome for Testing 159 \x1b[2mfrom https://cdn.playwright.dev/x.zip\x1b[22m\n" +
      "Error: getaddrinfo ENOTFOUND cdn.playwright.dev\n    at GetAddrInfoReqWrap.onlookupall (node:internal/dns:1:1)\n";
    const output =
      retry.repeat(5) + "Failed to install browsers\n" + Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n");
    const lines = summarizeOutput(output);
    expect(lines).toHaveLength(15);
    expect(lines.at(-1)).toBe("line 29");
    expect(summarizeOutput(retry.repeat(5))).toEqual([
      "Downloading Chrome for Testing 159 from https://cdn.playwright.dev/x.zip",
      "Error: getaddrinfo ENOTFOUND cdn.playwright.dev",
    ]);
  });
});
