/**
 * Which Chromium the e2e suite drives: $CHROMIUM_PATH, then Debian's /usr/bin/chromium, then a browser
 * Playwright installed itself. With none, fail at once and say how to get one (Playwright's own
 * download does not work offline; Debian's package does).
 */
import fs from "node:fs";
import { chromium } from "@playwright/test";

export function findChromium(): string {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  try {
    candidates.push(chromium.executablePath());
  } catch {
    // Playwright has no browser of its own installed
  }
  const found = candidates.find((p): p is string => Boolean(p) && fs.existsSync(p!));
  if (!found) {
    throw new Error(
      "No Chromium found for the e2e tests. Install one with `apt-get install -y chromium` " +
        "(or `npx playwright install chromium` where downloads work), or set CHROMIUM_PATH.",
    );
  }
  return found;
}
