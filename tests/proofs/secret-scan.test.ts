/** The secret scan's matcher: a planted secret is found in every spelling, clean text passes. */
import { describe, expect, it } from "vitest";
import { TEST_SECRETS, SANDBOX_CLIENT } from "@/tests/support/portal-env";
import { runSecrets, SecretScanner } from "@/tests/support/secret-scan";

const TOKEN = "q9Zt3-xR_7vLmN2pQ8sW4yK1aB6cD0eF5gH9jJ2kL4m";
const secrets = runSecrets({
  authSecret: TEST_SECRETS.AUTH_SECRET,
  tokenEncryptionKeys: TEST_SECRETS.TOKEN_ENCRYPTION_KEYS,
  clientId: SANDBOX_CLIENT.clientId,
  clientSecret: SANDBOX_CLIENT.clientSecret,
  tokens: [{ kind: "access", value: TOKEN }],
});

describe("SecretScanner", () => {
  it("finds nothing in text without secrets, and counts what it scanned", () => {
    const scan = new SecretScanner(secrets);
    scan.add("body", "GET /", "<html><body>Connect Pleo sandbox-portal t1 0123456789</body></html>");
    scan.add("log line", "portal.log:1", '{"level":50,"msg":"token refresh failed","companyId":"c"}');
    expect(scan.findings).toEqual([]);
    expect(scan.counts).toEqual({ body: { texts: 1, chars: 67 }, "log line": { texts: 1, chars: 57 } });
  });

  it.each([
    ["as is, in HTML", (v: string) => `<pre>${v}</pre>`],
    ["URL-encoded in a query", (v: string) => `/x?t=${encodeURIComponent(v)}`],
    ["base64 in a header", (v: string) => `authorization: Basic ${Buffer.from(v).toString("base64")}`],
    ["inside a JSON string", (v: string) => JSON.stringify({ err: v })],
  ])("finds a planted token %s, naming it and the place but never printing the value", (_, plant) => {
    const scan = new SecretScanner(secrets);
    scan.add("body", "GET /dashboard", `before ${plant(TOKEN)} after`);
    expect(scan.findings.map((f) => f.secret)).toContain("access token #1");
    expect(scan.findings.every((f) => f.where === "GET /dashboard")).toBe(true);
    expect(scan.report()).toContain("access token #1 in GET /dashboard");
    expect(scan.report()).not.toContain(TOKEN);
  });

  it("looks for the client secret, the Basic credentials, the auth secret and each encryption key", () => {
    const scan = new SecretScanner(secrets);
    scan.add("log line", "a", `secret=${SANDBOX_CLIENT.clientSecret}`);
    scan.add("log line", "b", `Basic ${btoa(`${SANDBOX_CLIENT.clientId}:${SANDBOX_CLIENT.clientSecret}`)}`);
    scan.add("cookie", "c", `x=${TEST_SECRETS.AUTH_SECRET}`);
    scan.add("chunk", "d", `k="${TEST_SECRETS.TOKEN_ENCRYPTION_KEYS.split(":")[1]}"`);
    scan.add("chunk", "e", "raw 0123456789abcdef0123456789abcdef");
    // A place can match more than one secret (the key material is also the decoded key's base64).
    const found = scan.findings.map((f) => `${f.where}:${f.secret}`);
    expect(found).toEqual(
      expect.arrayContaining([
        "a:PLEO_CLIENT_SECRET",
        "b:client credentials (Basic)",
        "c:AUTH_SECRET",
        "d:encryption key t1",
        "e:encryption key t1 (decoded)",
      ]),
    );
    expect(new Set(scan.findings.map((f) => f.where))).toEqual(new Set(["a", "b", "c", "d", "e"]));
  });

  it("refuses a secret too short to look for without false alarms", () => {
    expect(() => new SecretScanner([{ name: "short", value: "abc" }])).toThrow(/shorter than 16/);
  });
});
