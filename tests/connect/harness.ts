/**
 * Drives the real connect flow in-process: the portal's next-auth route handlers (called with Request
 * objects, as Next.js does), the sandbox over HTTP (login + consent forms), and a real database.
 * A `Browser` is a cookie jar, like a browser profile.
 */
import { NextRequest } from "next/server";
import { authorizeViaForms } from "@/sandbox/testing";
import type { DatabaseKind, TestDatabase } from "@/tests/support/db";
import type { TestSandbox } from "@/tests/support/sandbox";
import { createWorld, type World } from "@/tests/support/world";

// 127.0.0.1 on purpose: Next.js rewrites that host to "localhost" in NextRequest URLs, which must not leak
// into the redirect URI or redirects (see lib/auth/route-handlers.ts). Nothing listens here.
export const PORTAL = "http://127.0.0.1:3999";
export const CALLBACK_URL = `${PORTAL}/api/auth/callback/pleo`;

export class Browser {
  readonly cookies = new Map<string, string>();

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => {
        const [k, v] = a.split("=").map((s) => s?.trim().toLowerCase());
        return (k === "max-age" && Number(v) <= 0) || (k === "expires" && Date.parse(v) < Date.now());
      });
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** The session cookie: `__Secure-` prefixed when the portal's origin is https (next-auth's naming). */
  sessionToken(): string | undefined {
    return this.cookies.get("authjs.session-token") ?? this.cookies.get("__Secure-authjs.session-token");
  }

  clone(): Browser {
    const b = new Browser();
    for (const [k, v] of this.cookies) b.cookies.set(k, v);
    return b;
  }
}

type Handlers = { GET: (req: NextRequest) => Promise<Response>; POST: (req: NextRequest) => Promise<Response> };

export type Harness = {
  /** The portal's public origin (AUTH_URL): PORTAL unless the harness was started on another. */
  origin: string;
  /** The sandbox, database and portal configuration (`world.configure(overrides)` to break it on purpose). */
  world: World;
  sandbox: TestSandbox;
  db: TestDatabase;
  handlers: Handlers;
  /** GET/POST a portal auth route as `browser`, storing the cookies it sets. */
  request(browser: Browser, path: string, init?: { method?: string; form?: Record<string, string> }): Promise<Response>;
  /** Start the flow (what /connect/pleo does): returns Pleo's authorize URL. */
  startConnect(browser: Browser, callbackUrl?: string): Promise<string>;
  /** Start the flow and walk Pleo's login + consent: returns the callback path Pleo redirected to. */
  authorize(browser: Browser, opts: ConnectOptions): Promise<string>;
  /** Deliver Pleo's redirect to the portal's callback: returns where the portal sends the browser. */
  finish(browser: Browser, callbackPath: string): Promise<string>;
  /** The whole flow; returns where the portal finally sends the browser. */
  connect(browser: Browser, opts: ConnectOptions): Promise<string>;
  close(): Promise<void>;
};

export type ConnectOptions = { email: string; password: string; companyId?: string; deny?: boolean };

/** `origin`: the portal's public origin, e.g. an https one (secure cookies); nothing listens there. */
export async function startHarness(kind: DatabaseKind = "pglite", origin = PORTAL): Promise<Harness> {
  const callbackUrl = `${origin}/api/auth/callback/pleo`;
  const world = await createWorld({
    database: kind,
    // Only the connect flow runs here (small data); Pleo redirects back to this in-process portal.
    sandbox: { entries: 50, redirectUris: [callbackUrl] },
    env: { AUTH_URL: origin },
  });
  const handlers = (await import("@/lib/auth/route-handlers")) as Handlers;

  const request: Harness["request"] = async (browser, path, init = {}) => {
    const headers = new Headers();
    const cookie = browser.header();
    if (cookie) headers.set("cookie", cookie);
    let body: string | undefined;
    if (init.form) {
      headers.set("content-type", "application/x-www-form-urlencoded");
      body = new URLSearchParams(init.form).toString();
    }
    const method = init.method ?? (init.form ? "POST" : "GET");
    const req = new NextRequest(new URL(path, origin), { method, headers, body });
    const res = await (method === "POST" ? handlers.POST(req) : handlers.GET(req));
    browser.store(res);
    return res;
  };

  const startConnect: Harness["startConnect"] = async (browser, callbackUrl = "/dashboard") => {
    const csrf = await request(browser, "/api/auth/csrf");
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const res = await request(browser, "/api/auth/signin/pleo", { form: { csrfToken, callbackUrl } });
    const location = res.headers.get("location");
    if (res.status !== 302 || !location) throw new Error(`sign-in did not redirect (HTTP ${res.status})`);
    return location;
  };

  const authorize: Harness["authorize"] = async (browser, opts) => {
    const authorizeUrl = await startConnect(browser);
    const result = await authorizeViaForms({ authorizeUrl, ...opts });
    if (!result.location.startsWith(callbackUrl)) throw new Error(`sandbox did not redirect back: ${result.error}`);
    return result.location.slice(origin.length);
  };

  const finish: Harness["finish"] = async (browser, callbackPath) => {
    const res = await request(browser, callbackPath);
    return res.headers.get("location") ?? "";
  };

  const connect: Harness["connect"] = async (browser, opts) => finish(browser, await authorize(browser, opts));

  return {
    origin,
    world,
    sandbox: world.sandbox,
    db: world.database,
    handlers,
    request,
    startConnect,
    authorize,
    finish,
    connect,
    close: () => world.close(),
  };
}

/** `?error=` of a redirect to the auth error page, or null when it went elsewhere. */
export function errorCodeOf(location: string): string | null {
  const url = new URL(location, PORTAL);
  return url.pathname === "/auth/error" ? url.searchParams.get("error") : null;
}

export async function countRows(db: TestDatabase) {
  const [users, accounts, connections, sessions, companies] = await Promise.all([
    db.prisma.user.count(),
    db.prisma.account.count(),
    db.prisma.pleoConnection.count(),
    db.prisma.session.count(),
    db.prisma.pleoCompany.count(),
  ]);
  return { users, accounts, connections, sessions, companies };
}
