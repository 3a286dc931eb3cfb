/**
 * The Pleo sandbox server: authorization server (/oauth/*), External API (/v0, /v1, /v1-beta, /v2)
 * and control API (/__sandbox/*) on one origin.
 */
import type { AddressInfo } from "node:net";
import { serve, type HttpBindings } from "@hono/node-server";
import { Hono } from "hono";
import { accountingEntriesRoutes } from "./api/accounting-entries";
import { categoryRoutes } from "./api/categories";
import { bearerAuth, type ApiEnv } from "./api/common";
import { directoryRoutes } from "./api/directory";
import { installationRoutes } from "./api/installations";
import { receiptFileRoutes, receiptRoutes } from "./api/receipts";
import { taxCodeRoutes } from "./api/tax-codes";
import type { SandboxOptions } from "./config";
import { controlRoutes } from "./control";
import { faultMiddleware } from "./faults";
import { authorizeRoutes } from "./oauth/authorize";
import { tokenRoutes } from "./oauth/token";
import { SandboxState } from "./store";

export type { SandboxOptions } from "./config";
export { SandboxState } from "./store";

const API_PREFIXES = ["/v0/*", "/v1/*", "/v1-beta/*", "/v2/*"];

export function createSandboxApp(opts: Partial<SandboxOptions> = {}, state: SandboxState = new SandboxState(opts)) {
  const app = new Hono<{ Bindings: HttpBindings }>();

  if (!state.config.quiet) {
    app.use("*", async (c, next) => {
      const started = performance.now();
      await next();
      if (!c.req.path.startsWith("/__sandbox")) {
        console.log(
          `[sandbox] ${c.req.method} ${c.req.path} ${c.res.status} ${(performance.now() - started).toFixed(1)}ms`,
        );
      }
    });
  }
  app.use("*", faultMiddleware(state));

  app.get("/", (c) =>
    c.json({
      name: "Pleo sandbox",
      authorizationEndpoint: "/oauth/authorize",
      tokenEndpoint: "/oauth/token",
      introspectionEndpoint: "/oauth/token/introspect",
      control: "/__sandbox",
    }),
  );
  app.route("/", authorizeRoutes(state));
  app.route("/", tokenRoutes(state));
  app.route("/", controlRoutes(state));
  app.route("/", receiptFileRoutes(state));

  const api = new Hono<ApiEnv>();
  for (const prefix of API_PREFIXES) api.use(prefix, bearerAuth(state));
  api.route("/", installationRoutes(state));
  api.route("/", directoryRoutes(state));
  api.route("/", receiptRoutes(state));
  api.route("/", accountingEntriesRoutes(state));
  api.route("/", taxCodeRoutes(state));
  api.route("/", categoryRoutes(state));
  app.route("/", api);

  app.notFound((c) =>
    c.req.path.startsWith("/v")
      ? c.json({ type: "NOT_FOUND", message: `No route for ${c.req.method} ${c.req.path}` }, 404)
      : c.text("Not found", 404),
  );
  app.onError((err, c) => {
    console.error("[sandbox] unhandled error", err);
    return c.json({ type: "INTERNAL_SERVER_ERROR", message: "Unexpected sandbox error" }, 500);
  });
  return app;
}

export interface RunningSandbox {
  url: string;
  port: number;
  close(): Promise<void>;
  state: SandboxState;
}

/**
 * Start in-process. Unlike `npm run sandbox` (port 4010, request logs), in-process use defaults to an
 * ephemeral port and quiet logs, since it is mostly tests.
 */
export async function startSandbox(opts: Partial<SandboxOptions> = {}): Promise<RunningSandbox> {
  const state = new SandboxState({ port: 0, quiet: true, ...opts });
  const host = state.config.host;
  const app = createSandboxApp(opts, state);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: state.config.port, hostname: host }, () => resolve(s));
    s.once("error", reject);
  });
  if ("keepAliveTimeout" in server) {
    // Node's 5 s default races clients that reuse an idle keep-alive socket just as the server closes
    // it (seen as "other side closed" under load). Load balancers in front of APIs keep ~60 s.
    server.keepAliveTimeout = 61_000;
    server.headersTimeout = 62_000;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  state.issuer = url;
  return {
    url,
    port,
    state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets would otherwise hold close() open.
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}
