/**
 * `npm run bench:client` — what a browser downloads and how long the first connect after a start takes,
 * measured in Chromium (Playwright) against the production server (`npm start` after `npm run build`)
 * and a sandbox process.
 *
 * JavaScript per page, from the browser's resource timing on an empty cache: scripts loaded by the
 * `load` event (first load: what the page needs to run) as `transferSize` (bytes on the wire, gzip as
 * `next start` serves them, headers included), `encodedBodySize` and `decodedBodySize`; scripts fetched
 * after `load` (prefetches for links in view) are a separate column. The HTML document (which carries
 * the server-rendered markup and the React Server Components payload) is shown beside them. Pages: the
 * landing page signed out, and signed in the dashboard, an entry's detail and the settings page.
 *
 * Connect: the time from clicking "Allow" on the sandbox's consent page to the dashboard's `load` event
 * (the callback, the redirect and the whole streamed page with its scripts), for the first connect after
 * `npm start` and for later ones, each from a fresh browser (signed out, so a returning user's
 * reconnect of a company whose data was synced before the restart), over BENCH_RESTARTS starts
 * (default 3) with BENCH_CONNECTS later connects after each (default 2). "callback" is Allow → the
 * callback's redirect; "page" the rest. Start-up: `npm start` → the port accepting connections, and →
 * the landing page served (the first request of the first connect).
 *
 * BENCH_BASELINE=<git ref> also builds and measures that commit (a temporary git worktree with its own
 * `npm ci`, deleted afterwards) and prints it as "before" beside this tree's "after".
 * BENCH_SKIP_BUILD=1 reuses this tree's build; BENCH_START_DELAY_MS waits that long after the port
 * opens before the first connect (a visitor who comes a little later than at once);
 * BENCH_NODE_OPTIONS is added to the restarted servers' NODE_OPTIONS (e.g. `--require` a profiler).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { findChromium } from "@/e2e/chromium";
import { COMPANY_NORDLYS, DEMO_USER } from "@/sandbox/seed/fixtures";
import { portalEnv } from "@/tests/support/portal-env";
import { freePort } from "@/tests/support/portal-process";
import { startSandboxProcess, type TestSandbox } from "@/tests/support/sandbox";

const ROOT = process.cwd();
const BASELINE = process.env.BENCH_BASELINE?.trim() || null;
const RESTARTS = Number(process.env.BENCH_RESTARTS ?? 3);
const LATER_CONNECTS = Number(process.env.BENCH_CONNECTS ?? 2);
const SKIP_BUILD = process.env.BENCH_SKIP_BUILD === "1";
const DIST_DIR = process.env.NEXT_DIST_DIR || ".next";
/** Wait this long after the port opens before the first connect (default: at once, the worst case). */
const START_DELAY_MS = Number(process.env.BENCH_START_DELAY_MS ?? 0);
/** Extra NODE_OPTIONS for the restarted servers (e.g. `--require` a profiler). */
const NODE_OPTIONS_RESTART = process.env.BENCH_NODE_OPTIONS || null;
const ENTRIES = 3000;
/** The issue's goals, first-load JavaScript as served (gzip). */
const BUDGET_KB: Record<string, number> = { landing: 100, dashboard: 150 };

type Weight = { count: number; transfer: number; encoded: number; decoded: number };
type PageWeight = { firstLoad: Weight; later: Weight; html: Weight; compressed: boolean };
type ConnectTime = { total: number; callback: number; page: number };
/** One `npm start`: when it listened and served the landing page (from the spawn), its connects. */
type Restart = {
  listeningMs: number;
  landingMs: number;
  first: ConnectTime;
  later: ConnectTime[];
  warmLog: string | null;
};
type StackResult = {
  label: string;
  commit: string;
  pages: Record<string, PageWeight>;
  restarts: Restart[];
};

const PAGES = ["landing", "dashboard", "entry detail", "settings"] as const;

// ---- processes ---------------------------------------------------------------------------------------

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  console.log(`  $ ${cmd} ${args.join(" ")}   (in ${path.relative(ROOT, cwd) || "."})`);
  const r = spawnSync(cmd, args, { cwd, stdio: ["ignore", "inherit", "inherit"], env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status})`);
}

function git(args: string[], cwd = ROOT): string {
  const r = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

/** True once something accepts TCP connections on the port (no HTTP request: that would warm a route). */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

type Portal = { url: string; startedAt: number; listeningMs: number; output: () => string; stop(): Promise<void> };

/** `npm start` in `dir` (migrations, then the production server), as an operator starts it. */
async function startPortal(
  dir: string,
  port: number,
  sandboxUrl: string,
  pgliteDir: string,
  extraEnv: Record<string, string> = {},
): Promise<Portal> {
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child: ChildProcess = spawn("npm", ["run", "start"], {
    cwd: dir,
    // Own process group, so stop() ends npm and the server it runs (and only those).
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      ...portalEnv(sandboxUrl, {
        NODE_ENV: "production",
        PORT: String(port),
        AUTH_URL: url,
        PGLITE_DIR: pgliteDir,
        DATABASE_URL: "",
        LOG_LEVEL: "info",
        NEXT_DIST_DIR: DIST_DIR,
        NEXT_TELEMETRY_DISABLED: "1",
        ...extraEnv,
      }),
    },
  });
  let output = "";
  child.stdout!.on("data", (c) => (output += String(c)));
  child.stderr!.on("data", (c) => (output += String(c)));
  let exited = false;
  child.once("exit", () => (exited = true));
  const stop = async () => {
    if (exited || child.pid === undefined) return;
    const gone = new Promise((r) => child.once("exit", r));
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return;
    }
    const t = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {}
    }, 10_000);
    await gone;
    clearTimeout(t);
  };
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`npm start exited before listening:\n${output}`);
    if (await listening(port))
      return { url, startedAt: t0, listeningMs: performance.now() - t0, output: () => output, stop };
    await new Promise((r) => setTimeout(r, 20));
  }
  await stop();
  throw new Error(`npm start did not listen within 120 s:\n${output}`);
}

// ---- the browser ----------------------------------------------------------------------------------------

async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
}

/** Landing page → Connect Pleo → sandbox login → company → Allow (timed from here) → the dashboard's `load`. */
async function connect(
  context: BrowserContext,
  portalUrl: string,
  { requireData = true } = {},
): Promise<ConnectTime & { landingAt: number }> {
  const page = await context.newPage();
  await page.goto(`${portalUrl}/`);
  const landingAt = performance.now();
  await page.getByRole("link", { name: "Connect Pleo" }).click();
  await page.getByLabel("Email").fill(DEMO_USER.email);
  await page.getByLabel("Password").fill(DEMO_USER.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("radio", { name: COMPANY_NORDLYS.name }).check();
  let callbackAt = 0;
  page.on("response", (res) => {
    if (res.url().includes("/api/auth/callback/pleo")) callbackAt = performance.now();
  });
  const t0 = performance.now();
  await page.getByRole("button", { name: "Allow" }).click();
  await page.waitForURL((u) => u.origin === portalUrl && u.pathname === "/dashboard", {
    waitUntil: "load",
    timeout: 60_000,
  });
  const t1 = performance.now();
  // Timed only if it is the real dashboard with its figures, not an error page or an empty state.
  if (requireData && (await page.getByTestId("kpi-total-value").count()) === 0) {
    throw new Error(`The dashboard after connecting has no KPIs:\n${(await page.content()).slice(0, 2000)}`);
  }
  await page.close();
  if (!callbackAt) throw new Error("No response from /api/auth/callback/pleo was seen");
  return { total: t1 - t0, callback: callbackAt - t0, page: t1 - callbackAt, landingAt };
}

type Resource = { name: string; transfer: number; encoded: number; decoded: number };
const EMPTY: Weight = { count: 0, transfer: 0, encoded: 0, decoded: 0 };

/** One page on an empty cache: JavaScript loaded by `load`, JavaScript loaded after it, the HTML. */
async function weigh(
  browser: Browser,
  url: string,
  storageState?: Awaited<ReturnType<BrowserContext["storageState"]>>,
) {
  const context = await browser.newContext({ storageState, locale: "en-GB" });
  const page = await context.newPage();
  await page.addInitScript(
    `addEventListener("load", () => { window.__firstLoad = performance.getEntriesByType("resource").map((e) => e.name); });`,
  );
  const res = await page.goto(url, { waitUntil: "load" });
  if (!res || res.status() !== 200) throw new Error(`GET ${url} → ${res?.status()}`);
  if (new URL(page.url()).pathname !== new URL(url).pathname) throw new Error(`GET ${url} ended at ${page.url()}`);
  // Prefetches start when the browser is idle after load.
  await page.waitForLoadState("networkidle");
  await page.waitForTimeout(1000);
  // A string, not a function: tsx's transform would add helpers the page does not have.
  const result = (await page.evaluate(`(() => {
    const pick = (e) => ({ name: e.name, transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize });
    const scripts = performance
      .getEntriesByType("resource")
      .filter((e) => new URL(e.name).pathname.endsWith(".js"))
      .map(pick);
    return { first: window.__firstLoad ?? [], scripts, html: pick(performance.getEntriesByType("navigation")[0]) };
  })()`)) as { first: string[]; scripts: Resource[]; html: Resource };
  await context.close();
  const firstNames = new Set(result.first);
  const seen = new Set<string>();
  const firstLoad = { ...EMPTY };
  const later = { ...EMPTY };
  let compressed = true;
  for (const s of result.scripts) {
    if (seen.has(s.name)) continue;
    seen.add(s.name);
    const into = firstNames.has(s.name) ? firstLoad : later;
    into.count++;
    into.transfer += s.transfer;
    into.encoded += s.encoded;
    into.decoded += s.decoded;
    if (s.decoded > 10_000 && s.encoded >= s.decoded) compressed = false;
  }
  const html = { count: 1, transfer: result.html.transfer, encoded: result.html.encoded, decoded: result.html.decoded };
  return { firstLoad, later, html, compressed } satisfies PageWeight;
}

// ---- one stack: a build, its sandbox, its database -------------------------------------------------------

async function measureStack(label: string, dir: string): Promise<StackResult> {
  const commit = git(["rev-parse", "--short", "HEAD"], dir) + (git(["status", "--porcelain"], dir) ? "+changes" : "");
  console.log(`\n[${label}] ${commit}: starting a sandbox and \`npm start\``);
  const port = await freePort();
  const portalUrl = `http://127.0.0.1:${port}`;
  const sandbox: TestSandbox = await startSandboxProcess({
    entries: ENTRIES,
    rateLimit: false,
    redirectUris: [`${portalUrl}/api/auth/callback/pleo`],
  });
  const pgliteDir = mkdtempSync(path.join(os.tmpdir(), "bench-client-pglite-"));
  const browser = await launch();
  let portal: Portal | null = null;
  try {
    // 1. Connect once and let the first sync finish, so every page has data to show.
    portal = await startPortal(dir, port, sandbox.url, pgliteDir);
    const setup = await browser.newContext({ locale: "en-GB" });
    await connect(setup, portalUrl, { requireData: false }); // no figures yet: the first sync has just started
    const page = await setup.newPage();
    await waitForSync(page, portalUrl);
    const detailHref = await page
      .getByRole("region", { name: "Expenses", exact: true })
      .locator("tbody tr a")
      .first()
      .getAttribute("href");
    if (!detailHref) throw new Error("No entry link in the dashboard's table");
    const signedIn = await setup.storageState();
    await setup.close();

    // 2. What each page downloads (the server is warm by now; bytes do not depend on that).
    console.log(`[${label}] weighing pages`);
    const urls: Record<(typeof PAGES)[number], string> = {
      landing: "/",
      dashboard: "/dashboard",
      "entry detail": detailHref.split("?")[0],
      settings: "/settings/integrations/pleo",
    };
    const pages: Record<string, PageWeight> = {};
    for (const name of PAGES) {
      pages[name] = await weigh(browser, portalUrl + urls[name], name === "landing" ? undefined : signedIn);
    }

    // 3. Restarts: the first connect after each `npm start` (the landing page is its first request), then later ones.
    await portal.stop();
    portal = null;
    console.log(`[${label}] ${RESTARTS} restarts: the first connect after \`npm start\`, then ${LATER_CONNECTS} more`);
    const restarts: Restart[] = [];
    for (let r = 0; r < RESTARTS; r++) {
      portal = await startPortal(
        dir,
        port,
        sandbox.url,
        pgliteDir,
        NODE_OPTIONS_RESTART ? { NODE_OPTIONS: NODE_OPTIONS_RESTART } : {},
      );
      if (START_DELAY_MS) await new Promise((r) => setTimeout(r, START_DELAY_MS));
      const { landingAt, ...first } = await fresh(browser, (c) => connect(c, portalUrl));
      const later: ConnectTime[] = [];
      for (let i = 0; i < LATER_CONNECTS; i++) later.push(await fresh(browser, (c) => connect(c, portalUrl)));
      restarts.push({
        listeningMs: portal.listeningMs,
        landingMs: landingAt - portal.startedAt,
        first,
        later,
        warmLog: warmupLine(portal.output()),
      });
      await portal.stop();
      portal = null;
    }
    return { label, commit, pages, restarts };
  } finally {
    await portal?.stop();
    await browser.close();
    await sandbox.close();
    rmSync(pgliteDir, { recursive: true, force: true });
  }
}

async function fresh<T>(browser: Browser, fn: (c: BrowserContext) => Promise<T>): Promise<T> {
  const context = await browser.newContext({ locale: "en-GB" });
  try {
    return await fn(context);
  } finally {
    await context.close();
  }
}

/** Reload the dashboard until the first sync has finished ("Data as of …", the table filled). */
async function waitForSync(page: Page, portalUrl: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    await page.goto(`${portalUrl}/dashboard`, { waitUntil: "load" });
    const asOf =
      (await page
        .getByTestId("data-as-of")
        .textContent()
        .catch(() => "")) ?? "";
    const progress = await page.getByTestId("sync-progress").count();
    if (asOf.includes("Data as of") && progress === 0 && (await page.getByTestId("kpi-total-value").count()) > 0)
      return;
    await page.waitForTimeout(1000);
  }
  throw new Error("The first sync did not finish within 180 s");
}

/** The server's own log line about warming routes at start-up, if it writes one (pino JSON). */
function warmupLine(output: string): string | null {
  for (const line of output.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const o = JSON.parse(line) as { msg?: string; durationMs?: number; routes?: number };
      if (o.msg?.includes("warm")) return `${o.msg}${o.durationMs !== undefined ? ` (${o.durationMs} ms)` : ""}`;
    } catch {}
  }
  return null;
}

// ---- the baseline tree -----------------------------------------------------------------------------------

function prepareBaseline(ref: string): { dir: string; cleanup: () => void } {
  const parent = mkdtempSync(path.join(os.tmpdir(), "bench-client-baseline-"));
  const dir = path.join(parent, "tree");
  console.log(`\nBaseline ${ref}: a temporary worktree in ${dir}`);
  run("git", ["worktree", "add", "--detach", dir, ref], ROOT);
  const cleanup = () => {
    spawnSync("git", ["worktree", "remove", "--force", dir], { cwd: ROOT });
    rmSync(parent, { recursive: true, force: true });
    spawnSync("git", ["worktree", "prune"], { cwd: ROOT });
  };
  try {
    run("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], dir);
    return { dir, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}

function build(dir: string): void {
  run("npm", ["run", "build"], dir, {
    ...process.env,
    NODE_ENV: "production",
    NEXT_DIST_DIR: DIST_DIR,
    NEXT_TELEMETRY_DISABLED: "1",
  });
}

// ---- the report -----------------------------------------------------------------------------------------

const kB = (n: number) => (n / 1000).toFixed(1);
const ms = (n: number) => Math.round(n).toLocaleString("en");
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

function report(results: StackResult[]): void {
  console.log(
    `\nJavaScript per page (Chromium resource timing, empty cache; kB = 1,000 bytes; "as served" = transferSize, gzip from \`next start\`, headers included)`,
  );
  const weightCells = (p: PageWeight) => [
    String(p.firstLoad.count),
    kB(p.firstLoad.transfer),
    kB(p.firstLoad.decoded),
    p.later.count ? `${p.later.count} / ${kB(p.later.transfer)}` : "–",
    `${kB(p.html.transfer)} / ${kB(p.html.decoded)}`,
  ];
  const head = ["page"];
  for (const r of results)
    head.push(`${r.label}: scripts`, "JS as served", "JS decoded", "after load: scripts / kB", "HTML served / decoded");
  head.push("goal (JS as served)");
  const rows = PAGES.map((name) => {
    const cells: string[] = [name];
    for (const r of results) cells.push(...weightCells(r.pages[name]));
    const goal = BUDGET_KB[name];
    const last = results[results.length - 1].pages[name].firstLoad.transfer / 1000;
    cells.push(goal ? `≤ ${goal} kB: ${last <= goal ? "met" : "missed"}` : "–");
    return cells;
  });
  console.log(table(head, rows));
  for (const r of results) {
    const uncompressed = PAGES.filter((p) => !r.pages[p].compressed);
    if (uncompressed.length)
      console.log(`WARNING [${r.label}]: scripts served uncompressed on ${uncompressed.join(", ")}`);
  }

  console.log(
    `\nConnect: "Allow" → dashboard loaded, ms (callback = Allow → the callback's redirect; page = the rest); ${RESTARTS} restarts, the first connect starting ${START_DELAY_MS ? `${START_DELAY_MS} ms after` : "as soon as"} the port opens`,
  );
  const connectHead = ["", ...results.map((r) => `${r.label} (${r.commit})`)];
  const summary = (cs: ConnectTime[]) =>
    cs.length === 0
      ? "–"
      : `${ms(median(cs.map((c) => c.total)))} (callback ${ms(median(cs.map((c) => c.callback)))}, page ${ms(median(cs.map((c) => c.page)))}); each ${cs.map((c) => ms(c.total)).join(", ")}`;
  const firsts = (r: StackResult) => r.restarts.map((x) => x.first);
  const laters = (r: StackResult) => r.restarts.flatMap((x) => x.later);
  console.log(
    table(connectHead, [
      ["first connect after `npm start` (median)", ...results.map((r) => summary(firsts(r)))],
      ["later connects (median)", ...results.map((r) => summary(laters(r)))],
      ["`npm start` → listening (median)", ...results.map((r) => ms(median(r.restarts.map((x) => x.listeningMs))))],
      [
        "`npm start` → landing page served (median)",
        ...results.map((r) => ms(median(r.restarts.map((x) => x.landingMs)))),
      ],
      ["start-up warming (server log)", ...results.map((r) => r.restarts.map((x) => x.warmLog ?? "–").join("; "))],
    ]),
  );
  const firstMedian = median(firsts(results[results.length - 1]).map((c) => c.total));
  console.log(
    `Goal: first connect ≤ 1,500 ms: ${firstMedian <= 1500 ? "met" : "missed"} (median ${ms(firstMedian)} ms)`,
  );
  console.log(
    `Load average (1/5/15 min) at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" / ")}, ${os.cpus().length} cores`,
  );
}

async function main() {
  console.log(
    `Load average at the start: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" / ")}, ${os.cpus().length} cores`,
  );
  const results: StackResult[] = [];
  if (BASELINE) {
    const baseline = prepareBaseline(BASELINE);
    try {
      build(baseline.dir);
      results.push(await measureStack("before", baseline.dir));
    } finally {
      baseline.cleanup();
    }
  }
  if (!SKIP_BUILD) {
    console.log("\nBuilding this tree");
    build(ROOT);
  }
  results.push(await measureStack(BASELINE ? "after" : "this tree", ROOT));
  report(results);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
