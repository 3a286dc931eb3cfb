import "server-only";

/**
 * What a client over a limit gets. Route handlers answer 429 with Retry-After (seconds): a browser
 * navigation gets a small readable page with a way forward, an API client JSON. Server actions answer
 * their form's inline message instead (tooManyRequestsMessage).
 */

export function seconds(n: number): string {
  return n === 1 ? "1 second" : `${n} seconds`;
}

/** The inline message a form shows (role="alert"/"status" in the forms). */
export function tooManyRequestsMessage(retryAfterSeconds: number): string {
  return `Too many requests in a short time. Try again in ${seconds(retryAfterSeconds)}.`;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

function wantsHtml(req: Request): boolean {
  const accept = req.headers.get("accept") ?? "";
  return accept.includes("text/html");
}

export type WayForward = { href: string; label: string };

export function tooManyRequestsResponse(req: Request, retryAfterSeconds: number, back: WayForward): Response {
  const headers = {
    "retry-after": String(retryAfterSeconds),
    "cache-control": "no-store",
  };
  if (!wantsHtml(req)) {
    return Response.json(
      { error: "rate_limited", message: tooManyRequestsMessage(retryAfterSeconds), retryAfterSeconds },
      { status: 429, headers },
    );
  }
  // Plain HTML without scripts or inline styles, so it renders under any Content-Security-Policy.
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Too many requests · Pleo Partner Portal</title>
</head>
<body>
<main>
<h1>Too many requests</h1>
<p>This was tried too many times in a short time, so the portal paused it to protect your account.</p>
<p>Try again in ${escapeHtml(seconds(retryAfterSeconds))}.</p>
<p><a href="${escapeHtml(back.href)}">${escapeHtml(back.label)}</a></p>
</main>
</body>
</html>
`;
  return new Response(html, { status: 429, headers: { ...headers, "content-type": "text/html; charset=utf-8" } });
}
