import { NextResponse, type NextRequest } from "next/server";
import { REQUEST_ID_HEADER, requestIdFor } from "@/lib/request-id";

/**
 * Runs before every route (Next.js 16's proxy, formerly middleware). It stays a list of small steps,
 * each adding headers for the app (the request it sees) and for the browser (the response); today one:
 * the request id every log line of the request carries (lib/request-id.ts).
 */
type Step = (request: NextRequest, toApp: Headers, toBrowser: Headers) => void;

const tagRequestId: Step = (request, toApp, toBrowser) => {
  const id = requestIdFor(request.headers.get(REQUEST_ID_HEADER));
  toApp.set(REQUEST_ID_HEADER, id);
  toBrowser.set(REQUEST_ID_HEADER, id);
};

const STEPS: Step[] = [tagRequestId];

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
