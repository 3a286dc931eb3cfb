/**
 * Records what the e2e specs' browsers receive, for the secret scan that runs after them
 * (e2e/proofs/secret-scan.final.ts, README "Security", "Proofs"): every response body (stored once per
 * content, by its SHA-256) and every Set-Cookie header, with the URL and status, plus each context's
 * cookies when its test ends. Attached by e2e/support/test.ts to every browser context a spec opens.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { BrowserContext, Response } from "@playwright/test";

/** Under Playwright's output directory, which it empties at the start of every run. */
export const SECRET_SCAN_DIR = path.resolve("test-results/secret-scan");
export const BODIES_DIR = path.join(SECRET_SCAN_DIR, "bodies");
/** Where runs that start their own sandbox leave the tokens it issued (`<name>.json`: [{kind, value}]). */
export const TOKENS_DIR = path.join(SECRET_SCAN_DIR, "tokens");
/** Where the portals' stdout and stderr go (playwright.config.ts; the proofs spec writes its own). */
export const PORTAL_LOGS_DIR = path.resolve("test-results/portal-logs");

export type RecordLine =
  | { kind: "response"; test: string; url: string; status: number; body: string | null; setCookie: string[] }
  | { kind: "cookies"; test: string; cookies: Array<{ name: string; domain: string; value: string }> };

export class ResponseRecorder {
  private readonly pending = new Set<Promise<void>>();
  private readonly contexts = new Set<BrowserContext>();
  private readonly index: string;
  test = "";

  constructor(worker: string) {
    fs.mkdirSync(BODIES_DIR, { recursive: true });
    this.index = path.join(SECRET_SCAN_DIR, `index-${worker}-${process.pid}.jsonl`);
  }

  attach(context: BrowserContext): void {
    if (this.contexts.has(context)) return;
    this.contexts.add(context);
    context.on("response", (res) => this.track(this.record(res)));
    context.on("close", () => this.contexts.delete(context));
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async record(res: Response): Promise<void> {
    const headers = await res.headersArray().catch(() => []);
    const setCookie = headers.filter((h) => h.name.toLowerCase() === "set-cookie").map((h) => h.value);
    // Redirects and aborted loads have no body.
    const body = await res.body().catch(() => null);
    let sha: string | null = null;
    if (body) {
      sha = createHash("sha256").update(body).digest("hex");
      const file = path.join(BODIES_DIR, sha);
      if (!fs.existsSync(file)) fs.writeFileSync(file, body);
    }
    this.write({ kind: "response", test: this.test, url: res.url(), status: res.status(), body: sha, setCookie });
  }

  private write(line: RecordLine): void {
    fs.appendFileSync(this.index, `${JSON.stringify(line)}\n`);
  }

  /** At a test's end: wait for the bodies still being read, and record every open context's cookies. */
  async flush(): Promise<void> {
    for (const context of this.contexts) {
      const cookies = await context.cookies().catch(() => []);
      this.write({
        kind: "cookies",
        test: this.test,
        cookies: cookies.map((c) => ({ name: c.name, domain: c.domain, value: c.value })),
      });
    }
    await Promise.allSettled([...this.pending]);
  }
}
