/**
 * The HTTP security headers every response carries (README, "Security"), set by proxy.ts. Pure and
 * free of Node-only imports, like lib/request-id.ts: the proxy may run anywhere.
 *
 * The Content-Security-Policy is nonce-based, as Next.js documents it: the proxy makes a fresh nonce
 * per request and puts the policy on the request the app renders (Next reads the nonce from it and
 * stamps its own scripts) and on the response. With `'strict-dynamic'` only scripts carrying the nonce,
 * and what they load, run; an injected `<script>` or `onclick` does not. That is also why every page
 * that loads JavaScript is rendered per request (app/layout.tsx): a page prerendered at build time
 * has no nonce to carry.
 */

/** What the policy depends on besides the nonce. */
export type SecurityHeaderOptions = {
  /** Fresh per request (`newNonce()`). */
  nonce: string;
  /** Pleo's authorization server: the connect form's redirect goes there, so `form-action` allows it. */
  pleoAuthOrigin: string | null;
  /** The portal is served over https (its public URL, AUTH_URL, is https): adds HSTS. */
  https: boolean;
  /**
   * `next dev`: a looser policy, never in a build. React needs eval for its debugging stacks (Next
   * documents this), the error overlay adds <style> elements and the Pages Router's development
   * scripts carry no nonce. The e2e suite runs the production build under the strict policy.
   */
  development: boolean;
};

/** 128 random bits, base64: unguessable and different for every request. */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/** The origin of an absolute http(s) URL, or null for anything else (a missing or broken variable). */
export function originOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.origin : null;
  } catch {
    return null;
  }
}

export function contentSecurityPolicy(o: SecurityHeaderOptions): string {
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    "script-src": o.development
      ? ["'self'", "'unsafe-inline'", "'unsafe-eval'"]
      : ["'self'", `'nonce-${o.nonce}'`, "'strict-dynamic'"],
    // <style> elements need the nonce; style="" attributes are allowed: the charts and progress bars
    // size themselves with them, and an attribute cannot run script.
    "style-src": ["'self'", o.development ? "'unsafe-inline'" : `'nonce-${o.nonce}'`],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'", ...(o.pleoAuthOrigin ? [o.pleoAuthOrigin] : [])],
    "frame-ancestors": ["'none'"],
  };
  const policy = Object.entries(directives).map(([name, values]) => `${name} ${values.join(" ")}`);
  if (o.https) policy.push("upgrade-insecure-requests");
  return policy.join("; ");
}

/**
 * Features the portal never uses, switched off for it and anything it might embed. Only names Chrome
 * knows, so the console stays free of "unrecognized feature" noise.
 */
export const PERMISSIONS_POLICY = [
  "camera=()",
  "microphone=()",
  "geolocation=()",
  "payment=()",
  "usb=()",
  "serial=()",
  "hid=()",
].join(", ");

/** Every header for one response (the CSP's nonce included), by name. */
export function securityHeaders(o: SecurityHeaderOptions): Record<string, string> {
  return {
    "content-security-policy": contentSecurityPolicy(o),
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": PERMISSIONS_POLICY,
    // frame-ancestors for browsers that predate it.
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    // Two years, as the HSTS preload list asks; only once the portal is known to be on https.
    ...(o.https ? { "strict-transport-security": "max-age=63072000; includeSubDomains" } : {}),
  };
}

/**
 * Receipt files are documents from Pleo shown at the portal's origin (an SVG could carry script): they
 * get a policy that runs nothing and loads nothing but themselves.
 */
export const RECEIPT_FILE_POLICY =
  "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'";
