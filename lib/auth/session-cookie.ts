/**
 * next-auth's database-session cookie, read straight from a request (the signIn step needs to know who
 * is signed in before next-auth decides; the settings page needs the session row's id). It reads exactly
 * the cookie next-auth itself uses for that request, and parses the header the way next-auth does:
 *
 * - The name is next-auth's default for the request's protocol, `__Secure-authjs.session-token` on https
 *   and `authjs.session-token` on http, and only that one: on https an unprefixed cookie is one any
 *   sibling site or plain-http response could have planted, so it is never read.
 * - The protocol is the one next-auth derives (`createActionURL`): AUTH_URL's when it is set, else the
 *   `x-forwarded-proto` header, else https.
 * - A malformed value elsewhere in the header (e.g. `x=100%`, which any same-site app can set) never
 *   throws: a value that does not percent-decode is kept as it is, and the first of two same-named
 *   cookies wins, as in the `cookie` parser next-auth uses.
 */

const SECURE_NAME = "__Secure-authjs.session-token";
const PLAIN_NAME = "authjs.session-token";

export function sessionCookieName(secure: boolean): string {
  return secure ? SECURE_NAME : PLAIN_NAME;
}

/** https as next-auth sees this request (see above); `authUrl` defaults to the AUTH_URL variable. */
export function isSecureAuthRequest(
  headers: { get(name: string): string | null },
  authUrl: string | undefined = process.env.AUTH_URL,
): boolean {
  if (authUrl) return new URL(authUrl).protocol === "https:";
  return (headers.get("x-forwarded-proto") ?? "https").replace(/:$/, "") === "https";
}

function decode(value: string): string {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The named cookie's value from a Cookie header, or null; never throws. */
export function readCookie(header: string | null | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const idx = part.indexOf("=");
    if (idx <= 0 || part.slice(0, idx).trim() !== name) continue;
    let value = part.slice(idx + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length > 1) value = value.slice(1, -1);
    return decode(value);
  }
  return null;
}

export function sessionTokenFromCookieHeader(
  header: string | null | undefined,
  opts: { secure: boolean },
): string | null {
  return readCookie(header, sessionCookieName(opts.secure)) || null;
}
