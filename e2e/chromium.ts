/**
 * The one Chromium lookup for the e2e suite: $CHROMIUM_PATH, then Debian's /usr/bin/chromium (or
 * /usr/bin/chromium-browser), then a browser Playwright installed itself. playwright.config.ts launches
 * what findChromium() returns; `npm run test:setup` (scripts/test-setup/run.ts, the first step of
 * `npm test`) asks locateChromium() and installs a browser when it finds none.
 */
import fs from "node:fs";
import { chromium } from "@playwright/test";

export type ChromiumSource = "CHROMIUM_PATH" | "debian" | "playwright";
export type ChromiumCandidate = { path: string; source: ChromiumSource };

export type LookupOptions = {
  env?: Record<string, string | undefined>;
  /** Where Playwright keeps (or would keep) its own Chromium; the real one unless a test passes another. */
  playwrightPath?: string;
  exists?: (path: string) => boolean;
};

/** Where to look, in order of preference. */
export function chromiumCandidates({
  env = process.env,
  playwrightPath = playwrightChromiumPath(),
}: LookupOptions = {}) {
  const candidates: ChromiumCandidate[] = [];
  if (env.CHROMIUM_PATH) candidates.push({ path: env.CHROMIUM_PATH, source: "CHROMIUM_PATH" });
  candidates.push(
    { path: "/usr/bin/chromium", source: "debian" },
    { path: "/usr/bin/chromium-browser", source: "debian" },
  );
  if (playwrightPath) candidates.push({ path: playwrightPath, source: "playwright" });
  return candidates;
}

/** The first candidate that exists, or undefined. */
export function locateChromium(options: LookupOptions = {}): ChromiumCandidate | undefined {
  const exists = options.exists ?? fs.existsSync;
  return chromiumCandidates(options).find((c) => exists(c.path));
}

/** For playwright.config.ts: the browser to launch, or a clear stop naming the step that installs one. */
export function findChromium(options: LookupOptions = {}): string {
  const found = locateChromium(options);
  if (!found) {
    throw new Error(
      "No Chromium found for the e2e tests. Run `npm run test:setup` (the first step of `npm test`): it " +
        "installs one, or prints the command to run. Or set CHROMIUM_PATH to a Chromium or Chrome binary.",
    );
  }
  return found.path;
}

/** Playwright's own Chromium path, whether or not it has been downloaded ("" if Playwright cannot say). */
export function playwrightChromiumPath(): string {
  try {
    return chromium.executablePath();
  } catch {
    return "";
  }
}
