/**
 * Test helpers that drive the sandbox like a browser does: real HTTP, real forms, real cookies,
 * real PKCE. Used by the sandbox's own tests and by other suites that need genuine tokens.
 */
import { createHash, randomBytes } from "node:crypto";
import { DEFAULT_OPTIONS } from "./config";
import { DEMO_USER } from "./seed/fixtures";

export interface AuthorizeResult {
  /** Where the sandbox finally redirected the browser (the client's redirect URI), or "" if it did not. */
  location: string;
  code?: string;
  state?: string;
  error?: string;
  errorDescription?: string;
  /** HTTP status of the last sandbox response (e.g. 400 for the unknown-client page, 401 bad login). */
  status: number;
}

class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

function hidden(html: string, name: string): string | undefined {
  const re = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`, "i");
  return re.exec(html)?.[1];
}

function resultFromRedirect(location: string, status: number): AuthorizeResult {
  const url = new URL(location);
  const p = url.searchParams;
  return {
    location,
    status,
    code: p.get("code") ?? undefined,
    state: p.get("state") ?? undefined,
    error: p.get("error") ?? undefined,
    errorDescription: p.get("error_description") ?? undefined,
  };
}

/**
 * Follow authorize → login form → consent form over HTTP, carrying the sandbox's cookies, and return
 * where the sandbox redirected. `companyId` picks the consent radio (default: the preselected one);
 * `deny` presses "Deny".
 */
export async function authorizeViaForms(opts: {
  authorizeUrl: string;
  email: string;
  password: string;
  companyId?: string;
  deny?: boolean;
}): Promise<AuthorizeResult> {
  const jar = new CookieJar();
  const origin = new URL(opts.authorizeUrl).origin;
  const request = async (url: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    const cookie = jar.header();
    if (cookie) headers.set("cookie", cookie);
    const res = await fetch(url, { ...init, headers, redirect: "manual" });
    jar.store(res);
    return res;
  };
  const postForm = (path: string, fields: Record<string, string>) =>
    request(`${origin}${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });

  // Follow redirects that stay on the sandbox; stop at the first one that leaves it.
  let res = await request(opts.authorizeUrl);
  const settle = async (): Promise<AuthorizeResult | null> => {
    while (res.status >= 300 && res.status < 400) {
      const loc = new URL(res.headers.get("location") ?? "", origin);
      if (loc.origin !== origin || !loc.pathname.startsWith("/oauth/"))
        return resultFromRedirect(loc.toString(), res.status);
      res = await request(loc.toString());
    }
    return null;
  };

  let done = await settle();
  if (done) return done;
  let page = await res.text();
  if (res.status !== 200) return { location: "", status: res.status, error: `http_${res.status}` };

  if (page.includes('action="/oauth/login"')) {
    const requestId = hidden(page, "request_id");
    if (!requestId) throw new Error("Sandbox login page has no request_id");
    res = await postForm("/oauth/login", { request_id: requestId, email: opts.email, password: opts.password });
    done = await settle();
    if (done) return done;
    page = await res.text();
    if (res.status !== 200)
      return { location: "", status: res.status, error: res.status === 401 ? "login_failed" : `http_${res.status}` };
  }

  if (!page.includes('action="/oauth/consent"')) throw new Error("Expected the sandbox consent page");
  const requestId = hidden(page, "request_id");
  if (!requestId) throw new Error("Sandbox consent page has no request_id");
  const checked = /<input[^>]*name="company_id"[^>]*value="([^"]+)"[^>]*checked/i.exec(page)?.[1];
  res = await postForm("/oauth/consent", {
    request_id: requestId,
    company_id: opts.companyId ?? checked ?? "",
    decision: opts.deny ? "deny" : "allow",
  });
  done = await settle();
  if (done) return done;
  return { location: "", status: res.status, error: `http_${res.status}` };
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url"); // 43 characters
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

export interface SandboxTokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  scope: string;
}

/**
 * Authorize (real PKCE S256 + state) through the forms, then exchange the code with HTTP Basic
 * client authentication. Throws with the sandbox's error when any step fails.
 */
export async function getTokensForCompany(opts: {
  sandboxUrl: string;
  companyId: string;
  redirectUri?: string;
  clientId?: string;
  clientSecret?: string;
  email?: string;
  password?: string;
  scope?: string;
}): Promise<SandboxTokenResponse> {
  const redirectUri = opts.redirectUri ?? DEFAULT_OPTIONS.redirectUris[0];
  const clientId = opts.clientId ?? DEFAULT_OPTIONS.clientId;
  const clientSecret = opts.clientSecret ?? DEFAULT_OPTIONS.clientSecret;
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(16).toString("base64url");
  const url = new URL("/oauth/authorize", opts.sandboxUrl);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...(opts.scope !== undefined ? { scope: opts.scope } : {}),
  }).toString();
  const result = await authorizeViaForms({
    authorizeUrl: url.toString(),
    email: opts.email ?? DEMO_USER.email,
    password: opts.password ?? DEMO_USER.password,
    companyId: opts.companyId,
  });
  if (!result.code)
    throw new Error(`Authorization failed: ${result.error ?? "no code"} ${result.errorDescription ?? ""}`.trim());
  if (result.state !== state) throw new Error("Authorization returned a different state");
  const res = await fetch(new URL("/oauth/token", opts.sandboxUrl), {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString("base64")}`,
    },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: result.code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    }).toString(),
  });
  const body = (await res.json()) as SandboxTokenResponse & { error?: string; error_description?: string };
  if (!res.ok)
    throw new Error(`Token exchange failed (${res.status}): ${body.error} ${body.error_description ?? ""}`.trim());
  return body;
}
