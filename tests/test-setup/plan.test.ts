import { describe, expect, it } from "vitest";
import {
  packagesChromium,
  parseOsRelease,
  planChromiumInstall,
  planChromiumRepair,
  showCommand,
  type HostFacts,
} from "../../scripts/test-setup/plan";

const DEBIAN = parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n');
const UBUNTU = parseOsRelease('NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n');
const MINT = parseOsRelease('ID=linuxmint\nID_LIKE="ubuntu debian"\n');
const RASPBIAN = parseOsRelease("ID=raspbian\nID_LIKE=debian\n");
const FEDORA = parseOsRelease("ID=fedora\nVERSION_ID=40\n");

function facts(over: Partial<HostFacts>): HostFacts {
  return { platform: "linux", isRoot: false, hasAptGet: false, os: { idLike: [] }, ...over };
}

/** Each step as the commands it prints, one string per step. */
function stepsOf(f: HostFacts): string[] {
  return planChromiumInstall(f).steps.map((s) => s.commands.map(showCommand).join(" && "));
}

const APT =
  "DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium";
const PW = "npx playwright install --no-shell chromium";
const PW_DEPS = "npx playwright install --with-deps --no-shell chromium";

describe("parseOsRelease", () => {
  it("reads ID and ID_LIKE, quoted or not, lower-cased", () => {
    expect(DEBIAN).toEqual({ id: "debian", idLike: [] });
    expect(MINT).toEqual({ id: "linuxmint", idLike: ["ubuntu", "debian"] });
    expect(parseOsRelease("ID='Alpine'\n")).toEqual({ id: "alpine", idLike: [] });
  });

  it("gives nothing for an empty or unreadable file", () => {
    expect(parseOsRelease("")).toEqual({ id: undefined, idLike: [] });
    expect(parseOsRelease("garbage\n=x\n")).toEqual({ id: undefined, idLike: [] });
  });
});

describe("packagesChromium", () => {
  it("is true for Debian and derivatives that package Chromium, false for Ubuntu's family and others", () => {
    expect(packagesChromium(DEBIAN)).toBe(true);
    expect(packagesChromium(RASPBIAN)).toBe(true);
    expect(packagesChromium(UBUNTU)).toBe(false);
    expect(packagesChromium(MINT)).toBe(false);
    expect(packagesChromium(FEDORA)).toBe(false);
  });
});

describe("planChromiumInstall", () => {
  it("Debian as root with apt: Debian's package first, then Playwright's download", () => {
    const f = facts({ isRoot: true, hasAptGet: true, os: DEBIAN });
    expect(stepsOf(f)).toEqual([APT, PW]);
    expect(planChromiumInstall(f).manual).toBe("apt-get install -y chromium");
  });

  it("Debian without root: only Playwright's download (never sudo), then tells the user to sudo apt-get", () => {
    const f = facts({ isRoot: false, hasAptGet: true, os: DEBIAN });
    expect(stepsOf(f)).toEqual([PW]);
    expect(planChromiumInstall(f).manual).toBe("sudo apt-get install -y chromium");
  });

  it("Ubuntu as root: Playwright's download with its libraries, never Ubuntu's snap stub", () => {
    const f = facts({ isRoot: true, hasAptGet: true, os: UBUNTU });
    expect(stepsOf(f)).toEqual([PW_DEPS]);
    expect(stepsOf(f).join(" ")).not.toContain("apt-get");
    expect(planChromiumInstall(f).manual).toBe(PW_DEPS);
  });

  it("Ubuntu without root: plain download; the command to run lets Playwright sudo for the libraries", () => {
    const f = facts({ isRoot: false, hasAptGet: true, os: UBUNTU });
    expect(stepsOf(f)).toEqual([PW]);
    expect(planChromiumInstall(f).manual).toBe(PW_DEPS);
  });

  it("Debian as root but apt-get missing: Playwright's download only", () => {
    const f = facts({ isRoot: true, hasAptGet: false, os: DEBIAN });
    expect(stepsOf(f)).toEqual([PW]);
    expect(planChromiumInstall(f).manual).toBe(PW);
  });

  it("macOS, Windows and Linux without apt: Playwright's download", () => {
    for (const platform of ["darwin", "win32"] as const) {
      expect(stepsOf(facts({ platform, isRoot: false }))).toEqual([PW]);
      expect(planChromiumInstall(facts({ platform })).manual).toBe(PW);
    }
    expect(stepsOf(facts({ isRoot: true, os: FEDORA }))).toEqual([PW]);
  });

  it("apt runs non-interactively (CI has no stdin)", () => {
    const apt = planChromiumInstall(facts({ isRoot: true, hasAptGet: true, os: DEBIAN })).steps[0];
    expect(apt.commands.every((c) => c.env?.DEBIAN_FRONTEND === "noninteractive")).toBe(true);
    expect(apt.commands[1].argv).toContain("-y");
  });
});

describe("planChromiumRepair", () => {
  it("Playwright's browser missing libraries: installs them as root, tells the user otherwise", () => {
    const root = planChromiumRepair("playwright", "/p/chrome", facts({ isRoot: true, hasAptGet: true, os: DEBIAN }));
    expect(root.steps.map((s) => s.commands.map(showCommand))).toEqual([["npx playwright install-deps chromium"]]);
    const user = planChromiumRepair("playwright", "/p/chrome", facts({ hasAptGet: true, os: UBUNTU }));
    expect(user.steps).toEqual([]);
    expect(user.manual).toBe("sudo npx playwright install-deps chromium");
  });

  it("a broken CHROMIUM_PATH or Debian package is never touched, only named", () => {
    const f = facts({ isRoot: true, hasAptGet: true, os: DEBIAN });
    const bad = planChromiumRepair("CHROMIUM_PATH", "/opt/chrome", f);
    expect(bad.steps).toEqual([]);
    expect(bad.manual).toContain("unset CHROMIUM_PATH");
    expect(bad.manual).toContain("/opt/chrome");
    expect(planChromiumRepair("debian", "/usr/bin/chromium", facts({ hasAptGet: true, os: DEBIAN }))).toEqual({
      steps: [],
      manual: "sudo apt-get install -y --reinstall chromium",
    });
  });

  it("Playwright's browser elsewhere: a forced re-download", () => {
    expect(planChromiumRepair("playwright", "/p/chrome", facts({ platform: "darwin" })).manual).toBe(
      "npx playwright install --force --no-shell chromium",
    );
  });
});
