/**
 * next-auth's database-session cookie, read straight from a request (the signIn step needs to know who
 * is signed in before next-auth decides). Names are next-auth's defaults; "__Secure-" on https.
 */
const SESSION_COOKIE_NAMES = ["__Secure-authjs.session-token", "authjs.session-token"] as const;

export function sessionTokenFromCookieHeader(header: string | null | undefined): string | null {
  if (!header) return null;
  const cookies = new Map<string, string>();
  for (const part of header.split(";")) {
    const idx = part.indexOf("=");
    if (idx <= 0) continue;
    cookies.set(part.slice(0, idx).trim(), decodeURIComponent(part.slice(idx + 1).trim()));
  }
  for (const name of SESSION_COOKIE_NAMES) {
    const value = cookies.get(name);
    if (value) return value;
  }
  return null;
}
