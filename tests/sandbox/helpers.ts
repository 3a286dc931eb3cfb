/**
 * Raw protocol helpers for the sandbox's own suites: OAuth requests, API calls and searches over real
 * HTTP, answers unchecked so the tests can assert on them.
 */
import { DEFAULT_OPTIONS } from "@/sandbox/config";
import { pkcePair } from "@/sandbox/testing";

export const CLIENT_ID = DEFAULT_OPTIONS.clientId;
export const CLIENT_SECRET = DEFAULT_OPTIONS.clientSecret;
export const REDIRECT_URI = DEFAULT_OPTIONS.redirectUris[0];

export function basic(id = CLIENT_ID, secret = CLIENT_SECRET): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
}

export function authorizeUrl(base: string, params: Record<string, string | undefined>): string {
  const url = new URL("/oauth/authorize", base);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

/** A complete, valid authorize URL plus the PKCE verifier and state that go with it. */
export function validAuthorize(base: string, overrides: Record<string, string | undefined> = {}) {
  const { verifier, challenge } = pkcePair();
  const state = `st-${Math.random().toString(36).slice(2)}`;
  const url = authorizeUrl(base, {
    response_type: "code",
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope: "accounting-entries:read users:read companies:read",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...overrides,
  });
  return { url, verifier, state, challenge };
}

export async function postToken(base: string, fields: Record<string, string>, auth: string | null = basic()) {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (auth) headers.authorization = auth;
  const res = await fetch(new URL("/oauth/token", base), {
    method: "POST",
    headers,
    body: new URLSearchParams(fields).toString(),
  });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

export async function api(
  base: string,
  token: string | null,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...init.headers };
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(new URL(path, base), {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
  });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { res, status: res.status, json: json as any };
}

/**
 * One raw call to the control API (`/__sandbox` + path), answer unchecked: for the suite that tests the
 * control API's own answers. Everything else drives it with SandboxControl (tests/support/sandbox.ts).
 */
export function controlRequest(base: string, method: "GET" | "POST" | "DELETE", path: string, body?: unknown) {
  return api(base, null, `/__sandbox${path}`, { method, body });
}

export function search(
  base: string,
  token: string,
  companyId: string,
  query: Record<string, string | string[]> = {},
  body: unknown = {},
) {
  const params = new URLSearchParams({ company_id: companyId });
  for (const [k, v] of Object.entries(query)) {
    if (Array.isArray(v)) for (const x of v) params.append(k, x);
    else params.set(k, v);
  }
  return api(base, token, `/v1/accounting-entries:search?${params}`, { method: "POST", body });
}
