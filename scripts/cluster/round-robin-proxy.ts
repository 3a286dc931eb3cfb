/**
 * A tiny round-robin HTTP proxy standing in for the load balancer in front of N portal instances, for
 * `npm run cluster` and the e2e cluster suite. Not for production (use your platform's load balancer).
 *
 * - Each request goes to the next instance in turn; the Host header is kept (as load balancers do) and
 *   X-Forwarded-For/-Proto/-Host are set.
 * - An instance that refuses the connection (stopped, restarting) is skipped for that request: the
 *   request never reached it, so the next one gets it — how a rolling restart looks to a browser.
 * - `x-cluster-backend: <n>` on a request sends it to instance n (0-based) and nowhere else; every
 *   response says which instance answered in the same header. For trying things out and for tests.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export const BACKEND_HEADER = "x-cluster-backend";

export type Served = { method: string; path: string; backend: number; status: number };

export type RoundRobinProxy = {
  url: string;
  port: number;
  /** Instance URLs, in order; may be replaced while running (e.g. a restarted instance on a new port). */
  backends: string[];
  /** Every request answered so far: which instance answered it. */
  served: Served[];
  close(): Promise<void>;
};

function forward(
  backend: string,
  req: http.IncomingMessage,
  body: Buffer,
  res: http.ServerResponse,
  onResponse: (status: number) => void,
): Promise<"ok" | "refused"> {
  const target = new URL(req.url ?? "/", backend);
  const headers = { ...req.headers };
  delete headers[BACKEND_HEADER];
  const client = req.socket.remoteAddress ?? "";
  headers["x-forwarded-for"] = headers["x-forwarded-for"] ? `${headers["x-forwarded-for"]}, ${client}` : client;
  headers["x-forwarded-proto"] ??= "http";
  headers["x-forwarded-host"] ??= req.headers.host ?? "";
  return new Promise((resolve) => {
    const upstream = http.request(
      {
        hostname: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers,
      },
      (answer) => {
        onResponse(answer.statusCode ?? 502);
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
        answer.pipe(res);
        answer.on("end", () => resolve("ok"));
        answer.on("error", () => {
          res.destroy();
          resolve("ok");
        });
      },
    );
    upstream.on("error", (err: NodeJS.ErrnoException) => {
      if (!res.headersSent && (err.code === "ECONNREFUSED" || err.code === "ECONNRESET")) return resolve("refused");
      res.destroy();
      resolve("ok");
    });
    res.on("close", () => upstream.destroy());
    upstream.end(body);
  });
}

export async function startRoundRobinProxy(opts: {
  port: number;
  backends: string[];
  host?: string;
}): Promise<RoundRobinProxy> {
  const served: Served[] = [];
  let next = 0;
  const proxy: RoundRobinProxy = {
    url: "",
    port: 0,
    backends: [...opts.backends],
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const pinned = req.headers[BACKEND_HEADER];
    const order =
      typeof pinned === "string" && /^\d+$/.test(pinned)
        ? [Number(pinned)]
        : proxy.backends.map((_, k) => (next + k) % proxy.backends.length);
    if (pinned === undefined) next = (next + 1) % Math.max(1, proxy.backends.length);
    for (const index of order) {
      const backend = proxy.backends[index];
      if (!backend) break;
      res.setHeader(BACKEND_HEADER, String(index));
      const outcome = await forward(backend, req, body, res, (status) =>
        served.push({ method: req.method ?? "GET", path: req.url ?? "/", backend: index, status }),
      );
      if (outcome === "ok") return;
    }
    if (!res.headersSent) {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end("No portal instance is answering.\n");
    }
  });
  // Streaming pages and exports may take a while; keep idle keep-alive connections like a load balancer.
  server.keepAliveTimeout = 61_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "127.0.0.1", () => resolve());
  });
  proxy.port = (server.address() as AddressInfo).port;
  proxy.url = `http://${opts.host ?? "127.0.0.1"}:${proxy.port}`;
  return proxy;
}
