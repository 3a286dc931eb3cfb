/**
 * Sandbox throughput: requests/s for accounting-entry search pages of limit=100 at 5,000 and
 * 200,000 entries (rate limit off), at several concurrency levels, with GET /v1/introspect as a
 * same-run baseline. The sandbox runs in its own process (`tsx sandbox/main.ts`) so the load
 * generator does not share its event loop.
 *
 *   npm run bench:sandbox            # defaults
 *   BENCH_SECONDS=3 BENCH_CONCURRENCY=1,8,32 npm run bench:sandbox
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { LARGE_COMPANY_ID } from "../../sandbox/seed/fixtures";
import { getTokensForCompany } from "../../sandbox/testing";

const SIZES = (process.env.BENCH_ENTRIES ?? "5000,200000").split(",").map(Number);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? "1,8,32").split(",").map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);

interface Sandbox {
  url: string;
  child: ChildProcess;
}

function startSandboxProcess(entries: number): Promise<Sandbox> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "sandbox/main.ts"], {
      env: {
        ...process.env,
        SANDBOX_PORT: "0",
        SANDBOX_ENTRIES: String(entries),
        SANDBOX_RATE_LIMIT: "off",
        SANDBOX_QUIET: "1",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1], child });
    });
    child.once("exit", (code) => reject(new Error(`sandbox exited early (${code}): ${out}`)));
  });
}

/**
 * CPU seconds the sandbox process has used (Linux /proc; clock ticks assumed 100/s). Requests/s depend
 * on how busy the machine is; server CPU per request does not, so both are printed.
 */
function serverCpuSeconds(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

interface Scenario {
  name: string;
  request: () => Promise<Response>;
}

async function run(s: Scenario, concurrency: number) {
  const latencies: number[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  let errors = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const res = await s.request();
      await res.arrayBuffer();
      if (res.status !== 200) errors++;
      latencies.push(performance.now() - t0);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
  return { rps: latencies.length / elapsed, p50: pct(0.5), p95: pct(0.95), n: latencies.length, errors };
}

async function main() {
  const rows: string[][] = [];
  for (const entries of SIZES) {
    const sb = await startSandboxProcess(entries);
    try {
      const token = (await getTokensForCompany({ sandboxUrl: sb.url, companyId: LARGE_COMPANY_ID })).access_token;
      const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
      const searchUrl = (q: string) =>
        `${sb.url}/v1/accounting-entries:search?company_id=${LARGE_COMPANY_ID}&limit=100${q}`;
      // A cursor at the old end of the data: deep in the default (performedAt DESC) order.
      const oldest = (await (
        await fetch(searchUrl("&sorting_keys=performedAt&sorting_order=ASC"), { method: "POST", headers, body: "{}" })
      ).json()) as {
        pagination: { endCursor: string };
      };
      const scenarios: Scenario[] = [
        { name: "GET /v1/introspect (baseline)", request: () => fetch(`${sb.url}/v1/introspect`, { headers }) },
        {
          name: "search limit=100, first page",
          request: () => fetch(searchUrl(""), { method: "POST", headers, body: "{}" }),
        },
        {
          name: "search limit=100, deepest pages",
          request: () =>
            fetch(searchUrl(`&after=${oldest.pagination.endCursor}`), { method: "POST", headers, body: "{}" }),
        },
        {
          name: "search limit=100, filtered (CARD_PURCHASE, COMPLETED)",
          request: () =>
            fetch(searchUrl(""), {
              method: "POST",
              headers,
              body: JSON.stringify({ families: ["CARD_PURCHASE"], status: ["COMPLETED"] }),
            }),
        },
      ];
      for (const s of scenarios) await run(s, 4); // warm-up
      for (const s of scenarios) {
        for (const c of CONCURRENCY) {
          const cpu0 = serverCpuSeconds(sb.child.pid);
          const r = await run(s, c);
          const cpu1 = serverCpuSeconds(sb.child.pid);
          const cpuPerReq = cpu0 !== null && cpu1 !== null ? (((cpu1 - cpu0) * 1000) / r.n).toFixed(2) : "n/a";
          rows.push([
            entries.toLocaleString("en-US"),
            s.name,
            String(c),
            r.rps.toFixed(0),
            r.p50.toFixed(2),
            r.p95.toFixed(2),
            cpuPerReq,
            String(r.errors),
          ]);
          process.stderr.write(".");
        }
      }
    } finally {
      sb.child.kill("SIGTERM");
    }
  }
  process.stderr.write("\n");
  const header = ["entries", "request", "concurrency", "req/s", "p50 ms", "p95 ms", "server CPU ms/req", "non-200"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" | ")} |`;
  console.log(
    `Sandbox throughput (${SECONDS}s per cell, rate limit off, Node ${process.version}, load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs)`,
  );
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i >= 2 ? "-".repeat(w + 1) + ":" : "-".repeat(w + 2))).join("|")}|`);
  for (const r of rows) console.log(line(r));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
