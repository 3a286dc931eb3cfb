import { NextRequest } from "next/server";
import { afterEach, describe, expect, it } from "vitest";
import { proxy } from "@/proxy";
import { contentSecurityPolicy, newNonce, RECEIPT_FILE_POLICY } from "@/lib/security-headers";

/** A policy as directive → values. */
function directives(policy: string): Record<string, string[]> {
  return Object.fromEntries(
    policy.split(";").map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values];
    }),
  );
}

const saved = { AUTH_URL: process.env.AUTH_URL, PLEO_AUTH_URL: process.env.PLEO_AUTH_URL };
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe("security headers (proxy.ts)", () => {
  it("sends a nonce CSP, fresh per request, on the response and on the request Next renders", () => {
    process.env.PLEO_AUTH_URL = "https://auth.staging.pleo.io";
    process.env.AUTH_URL = "http://127.0.0.1:3000";
    const first = proxy(new NextRequest("http://127.0.0.1:3000/dashboard"));
    const second = proxy(new NextRequest("http://127.0.0.1:3000/dashboard"));
    const csp = first.headers.get("content-security-policy")!;
    const d = directives(csp);
    const nonce = d["script-src"].find((v) => v.startsWith("'nonce-"))!;
    expect(nonce).toMatch(/^'nonce-[A-Za-z0-9+/]{22}=='$/);
    expect(d["script-src"]).toEqual(["'self'", nonce, "'strict-dynamic'"]);
    expect(d["frame-ancestors"]).toEqual(["'none'"]);
    expect(d["base-uri"]).toEqual(["'none'"]);
    expect(d["object-src"]).toEqual(["'none'"]);
    expect(d["form-action"]).toEqual(["'self'", "https://auth.staging.pleo.io"]);
    expect(d["style-src"]).toEqual(["'self'", nonce]);
    expect(csp).not.toContain("unsafe-eval");
    // Next reads the nonce from the request it renders.
    expect(first.headers.get("x-middleware-request-content-security-policy")).toBe(csp);
    expect(second.headers.get("content-security-policy")).not.toBe(csp);
    expect(first.headers.get("x-content-type-options")).toBe("nosniff");
    expect(first.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(first.headers.get("permissions-policy")).toContain("camera=()");
    expect(first.headers.get("x-frame-options")).toBe("DENY");
    // http: no HSTS, no upgrade-insecure-requests (they would break a local http portal).
    expect(first.headers.get("strict-transport-security")).toBeNull();
    expect(csp).not.toContain("upgrade-insecure-requests");
  });

  it("adds HSTS and upgrade-insecure-requests when the portal's public URL is https", () => {
    process.env.AUTH_URL = "https://portal.example.com";
    const res = proxy(new NextRequest("http://10.0.0.5:3000/settings/integrations/pleo"));
    expect(res.headers.get("strict-transport-security")).toBe("max-age=63072000; includeSubDomains");
    expect(res.headers.get("content-security-policy")).toContain("upgrade-insecure-requests");
  });

  it("gives receipt files a policy that runs nothing", () => {
    const res = proxy(new NextRequest("http://127.0.0.1:3000/dashboard/expenses/e1/receipts/r1?ref=x"));
    expect(res.headers.get("content-security-policy")).toBe(RECEIPT_FILE_POLICY);
    expect(directives(RECEIPT_FILE_POLICY)["default-src"]).toEqual(["'none'"]);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("loosens only in development (next dev), and allows the Pleo origin only when configured", () => {
    const dev = contentSecurityPolicy({ nonce: newNonce(), pleoAuthOrigin: null, https: false, development: true });
    expect(directives(dev)["script-src"]).toEqual(["'self'", "'unsafe-inline'", "'unsafe-eval'"]);
    expect(directives(dev)["form-action"]).toEqual(["'self'"]);
    const nonces = new Set(Array.from({ length: 1000 }, newNonce));
    expect(nonces.size).toBe(1000);
  });
});
