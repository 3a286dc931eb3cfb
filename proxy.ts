import { NextResponse, type NextRequest } from "next/server";
import { REQUEST_ID_HEADER, requestIdFor } from "@/lib/request-id";
import { SANDBOX_URL } from "@/lib/sandbox-defaults";
import { newNonce, originOf, RECEIPT_FILE_POLICY, securityHeaders } from "@/lib/security-headers";

/**
 * Runs before every route (Next.js 16's proxy, formerly middleware). It stays a list of small steps,
 * each adding headers for the app (the request it sees) and for the browser (the response): the
 * request id every log line of the request carries (lib/request-id.ts), and the security headers with
 * this request's CSP nonce (lib/security-headers.ts).
 */
type Step = (request: NextRequest, toApp: Headers, toBrowser: Headers) => void;

const tagRequestId: Step = (request, toApp, toBrowser) => {
  const id = requestIdFor(request.headers.get(REQUEST_ID_HEADER));
  toApp.set(REQUEST_ID_HEADER, id);
  toBrowser.set(REQUEST_ID_HEADER, id);
};

// A receipt file streamed from Pleo (app/(portal)/dashboard/expenses/[id]/receipts/[receiptId]).
const RECEIPT_FILE = /^\/dashboard\/expenses\/[^/]+\/receipts\/[^/]+\/?$/;

const secure: Step = (request, toApp, toBrowser) => {
  const development = process.env.NODE_ENV === "development";
  const headers = securityHeaders({
    nonce: newNonce(),
    // The configured Pleo, else (development only) the sandbox lib/env.ts defaults to.
    pleoAuthOrigin: originOf(process.env.PLEO_AUTH_URL) ?? (development ? SANDBOX_URL : null),
    https: originOf(process.env.AUTH_URL)?.startsWith("https:") ?? request.nextUrl.protocol === "https:",
    development,
  });
  if (RECEIPT_FILE.test(request.nextUrl.pathname)) headers["content-security-policy"] = RECEIPT_FILE_POLICY;
  // Next.js reads the nonce from the request's policy and stamps its scripts with it.
  toApp.set("content-security-policy", headers["content-security-policy"]);
  for (const [name, value] of Object.entries(headers)) toBrowser.set(name, value);
};

const STEPS: Step[] = [tagRequestId, secure];

export function proxy(request: NextRequest): NextResponse {
  const toApp = new Headers(request.headers);
  const toBrowser = new Headers();
  for (const step of STEPS) step(request, toApp, toBrowser);
  const response = NextResponse.next({ request: { headers: toApp } });
  toBrowser.forEach((value, key) => response.headers.set(key, value));
  return response;
}

export const config = {
  // Everything but the build's static files.
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
