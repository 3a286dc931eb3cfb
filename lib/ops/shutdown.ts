import "server-only";

import diagnostics from "node:diagnostics_channel";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { logger } from "@/lib/log";
import { processSlot } from "@/lib/process-singleton";

/**
 * lib/ops owns how one server process runs as one instance among many: graceful shutdown (this file)
 * and readiness (readiness.ts, behind GET /api/ready). It may import lib/db and the shared lib/*.ts
 * modules, never a domain folder; domains import it to stop their work at shutdown (lib/sync's
 * background jobs register here). eslint.config.mjs enforces this.
 *
 * Shutdown, on SIGTERM (or SIGINT), in order:
 *   1. draining: `isShuttingDown()` turns true: /api/ready answers 503 so the load balancer moves on,
 *      and no new background work starts here (requestSync refuses, the scheduler stops ticking);
 *   2. "work" steps: background jobs stop taking work; a running sync finishes the page it is on
 *      (committed with its cursor), records its run and releases its lease, so another instance resumes
 *      at once instead of waiting for the lease to expire;
 *   3. in-flight requests finish: Next.js's own signal handler (start-server) closes the HTTP server —
 *      no new connections, requests under way complete — and then calls process.exit. That exit is held
 *      until steps 2 and 4 are done. Browsers keep connections open between requests (the dashboard
 *      polls while a sync runs), which would hold the close until the deadline: so while draining,
 *      every response says `Connection: close` and idle connections are closed (the server and its
 *      requests are learnt from Node's `http.server.request.start` diagnostics channel);
 *   4. "close" steps: the database (PGlite flushes its files; PostgreSQL pools end).
 * All of it within SHUTDOWN_TIMEOUT_SECONDS of the signal; past it the process exits with code 1 and
 * whatever was unfinished is left as a crash leaves it (a page's transaction rolls back, the lease
 * expires): nothing is lost, another instance just starts a little later.
 */

export type ShutdownPhase = "work" | "close";
type Step = { phase: ShutdownPhase; name: string; run: () => Promise<void> };
type State = { draining: boolean; steps: Set<Step>; done: Promise<ShutdownResult> | null };
export type ShutdownResult = { clean: boolean; ms: number };

const slot = processSlot<State>("shutdown");
const state = (): State => slot.getOrCreate(() => ({ draining: false, steps: new Set(), done: null }));

/** True once this process has begun shutting down: take no new work. */
export function isShuttingDown(): boolean {
  return state().draining;
}

/** Run `run` when the process shuts down, in `phase`; returns a function that removes it. */
export function onShutdown(phase: ShutdownPhase, name: string, run: () => Promise<void>): () => void {
  const step: Step = { phase, name, run };
  state().steps.add(step);
  return () => {
    state().steps.delete(step);
  };
}

async function runPhase(phase: ShutdownPhase, log: ReturnType<typeof logger>): Promise<void> {
  const steps = [...state().steps].filter((s) => s.phase === phase);
  await Promise.all(
    steps.map(async (s) => {
      const started = performance.now();
      try {
        await s.run();
        log.info({ step: s.name, ms: Math.round(performance.now() - started) }, `shutdown: ${s.name} stopped`);
      } catch (err) {
        log.error({ step: s.name, err }, `shutdown: ${s.name} failed to stop cleanly`);
      }
    }),
  );
}

/**
 * Drain this process: stop work, wait for `requestsDone` (the HTTP server finished its requests), then
 * close resources. Idempotent: a second call returns the first one's outcome. `clean` is false when
 * `timeoutMs` passed first (the steps may still be running).
 */
export function shutdown(opts: {
  reason: string;
  timeoutMs: number;
  requestsDone?: Promise<void>;
}): Promise<ShutdownResult> {
  const s = state();
  if (s.done) return s.done;
  s.draining = true;
  const log = logger().child({ module: "shutdown" });
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  log.info({ event: "server.shutdown", reason: opts.reason, timeoutMs: opts.timeoutMs }, "shutdown: draining");
  const drained = (async () => {
    await runPhase("work", log);
    await opts.requestsDone;
    await runPhase("close", log);
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), opts.timeoutMs);
  });
  s.done = Promise.race([drained.then(() => "drained" as const), deadline]).then((outcome) => {
    clearTimeout(timer);
    const result = { clean: outcome === "drained", ms: ms() };
    if (result.clean) log.info({ event: "server.shutdown.done", ms: result.ms }, "shutdown: complete");
    else
      log.error(
        { event: "server.shutdown.timeout", ms: result.ms },
        "shutdown: deadline passed with work unfinished; exiting anyway",
      );
    return result;
  });
  return s.done;
}

type HttpWatch = { servers: Set<Server>; inFlight: number };
const http = processSlot<HttpWatch>("shutdown-http");

/** Learn this process's HTTP servers and count its requests in flight; while draining, end keep-alive. */
function watchHttp(): HttpWatch {
  return http.getOrCreate(() => {
    const watch: HttpWatch = { servers: new Set(), inFlight: 0 };
    diagnostics.subscribe("http.server.request.start", (message) => {
      const { response, server } = message as { request: IncomingMessage; response: ServerResponse; server: Server };
      watch.servers.add(server);
      watch.inFlight++;
      response.once("close", () => watch.inFlight--);
      if (isShuttingDown() && !response.headersSent) response.setHeader("connection", "close");
    });
    return watch;
  });
}

/** While draining: close connections that sit idle between requests, now and every 200 ms. */
function closeIdleConnections(): void {
  const watch = watchHttp();
  const sweep = () => {
    for (const server of watch.servers) server.closeIdleConnections();
  };
  sweep();
  setInterval(sweep, 200).unref();
}

/**
 * SIGTERM / SIGINT → shutdown, then exit (143 / 130, or 1 past the deadline). Installed once per
 * server process (instrumentation.ts), next to Next.js's own handler, whose process.exit (after the
 * HTTP server closed) is held until the shutdown is done; with NEXT_MANUAL_SIG_HANDLE set Next.js
 * installs none and in-flight requests are not waited for.
 */
export function installSignalHandlers(opts: { timeoutMs: number }): void {
  const installed = processSlot<boolean>("shutdown-signals");
  if (installed.get()) return;
  installed.set(true);
  watchHttp();
  const onSignal = (signal: NodeJS.Signals) => {
    logger()
      .child({ module: "shutdown" })
      .info({ requestsInFlight: watchHttp().inFlight }, `shutdown: ${signal} received`);
    const realExit = process.exit.bind(process);
    let exitCode = signal === "SIGINT" ? 130 : 143;
    let requestsFinished!: () => void;
    const requestsDone = new Promise<void>((resolve) => (requestsFinished = resolve));
    if (process.env.NEXT_MANUAL_SIG_HANDLE) requestsFinished();
    else
      process.exit = ((code?: number | string | null) => {
        if (typeof code === "number") exitCode = code;
        requestsFinished();
      }) as typeof process.exit;
    const done = shutdown({ reason: signal, timeoutMs: opts.timeoutMs, requestsDone });
    closeIdleConnections();
    void done.then((r) => realExit(r.clean ? exitCode : 1));
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
}

/** Tests only: forget a finished shutdown so the next test starts from a running process. */
export function resetShutdownForTests(): void {
  slot.set(undefined);
}
