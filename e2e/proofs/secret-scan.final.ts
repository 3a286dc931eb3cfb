/**
 * The secret scan (README "Security", "Proofs"), after every other e2e project: no secret value the run
 * used — the tokens the sandboxes issued, the OAuth client secret, AUTH_SECRET, the encryption keys —
 * appears in anything the portal handed out or wrote: the response bodies (HTML, RSC payloads, JSON,
 * CSV, scripts) and Set-Cookie headers the specs' browsers received (e2e/support/recorder.ts), the
 * cookies they held, a few error pages fetched here, the client bundle and prerendered pages of the
 * build, and every line the portals printed (playwright.config.ts and the proofs spec save them).
 */
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { SANDBOX_CLIENT, TEST_SECRETS } from "../../tests/support/portal-env";
import { SandboxControl } from "../../tests/support/sandbox";
import { runSecrets, SecretScanner } from "../../tests/support/secret-scan";
import { CONNECT_STACK, DASHBOARD_STACK, DASHBOARD_STRICT_STACK, SETTINGS_STACK } from "../env";
import { BODIES_DIR, PORTAL_LOGS_DIR, SECRET_SCAN_DIR, TOKENS_DIR, type RecordLine } from "../support/recorder";

const STACKS = [CONNECT_STACK, DASHBOARD_STACK, SETTINGS_STACK, DASHBOARD_STRICT_STACK];

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

test("no secret of the run in any page, payload, cookie, client bundle or log line", async () => {
  test.setTimeout(120_000);
  const tokens: Array<{ kind: string; value: string }> = [];
  for (const stack of STACKS) tokens.push(...(await new SandboxControl(stack.sandboxUrl).issuedTokens()));
  for (const file of filesUnder(TOKENS_DIR))
    tokens.push(...(JSON.parse(fs.readFileSync(file, "utf8")) as Array<{ kind: string; value: string }>));
  // The specs connected companies, so the sandboxes issued tokens: none would mean nothing was looked for.
  expect(tokens.length).toBeGreaterThan(0);
  const scan = new SecretScanner(
    runSecrets({
      authSecret: TEST_SECRETS.AUTH_SECRET,
      tokenEncryptionKeys: TEST_SECRETS.TOKEN_ENCRYPTION_KEYS,
      clientId: SANDBOX_CLIENT.clientId,
      clientSecret: SANDBOX_CLIENT.clientSecret,
      tokens,
    }),
  );

  // What the specs' browsers received: each distinct body once, every Set-Cookie, every cookie held.
  const seen = new Set<string>();
  let responses = 0;
  for (const file of filesUnder(SECRET_SCAN_DIR).filter((f) => /index-.*\.jsonl$/.test(f))) {
    for (const raw of fs.readFileSync(file, "utf8").split("\n").filter(Boolean)) {
      const line = JSON.parse(raw) as RecordLine;
      if (line.kind === "cookies") {
        for (const c of line.cookies) scan.add("cookie", `cookie ${c.name} (${c.domain}) in ${line.test}`, c.value);
        continue;
      }
      responses++;
      for (const h of line.setCookie) scan.add("set-cookie", `Set-Cookie of ${line.url}`, h);
      if (line.body && !seen.has(line.body)) {
        seen.add(line.body);
        scan.add(
          "response body",
          `${line.url} (${line.status}, ${line.test})`,
          fs.readFileSync(path.join(BODIES_DIR, line.body), "latin1"),
        );
      }
    }
  }
  expect(responses).toBeGreaterThan(0);

  // Error pages, as a signed-out visitor meets them.
  for (const stack of STACKS) {
    for (const p of [
      "/no-such-page",
      "/auth/error?error=Configuration",
      "/api/auth/callback/pleo?code=x&state=y",
      "/api/auth/callback/pleo?error=access_denied&error_description=%3Cb%3E",
      "/dashboard/expenses/00000000-0000-4000-8000-000000000000",
    ]) {
      const res = await fetch(`${stack.portalUrl}${p}`);
      scan.add("error page", `${stack.portalUrl}${p} (${res.status})`, await res.text());
      for (const c of res.headers.getSetCookie()) scan.add("set-cookie", `Set-Cookie of ${p}`, c);
    }
  }

  // The build: what any browser may download, and the pages rendered at build time.
  const distDir = process.env.NEXT_DIST_DIR || ".next";
  const bundle = filesUnder(path.join(distDir, "static"));
  for (const f of bundle) scan.add("client bundle file", f, fs.readFileSync(f, "latin1"));
  const prerendered = filesUnder(path.join(distDir, "server/app")).filter((f) => /\.(html|rsc|body|meta)$/.test(f));
  for (const f of prerendered) scan.add("prerendered file", f, fs.readFileSync(f, "latin1"));
  expect(bundle.length).toBeGreaterThan(0);

  // Everything the portals printed, line by line.
  const logs = filesUnder(PORTAL_LOGS_DIR);
  for (const f of logs) {
    for (const [i, l] of fs.readFileSync(f, "utf8").split("\n").entries()) scan.add("log line", `${f}:${i + 1}`, l);
  }
  expect(logs.length).toBeGreaterThan(0);

  const summary = {
    secrets: scan.secrets.length,
    tokens: tokens.length,
    responses,
    ...Object.fromEntries(Object.entries(scan.counts).map(([k, v]) => [k, v.texts])),
  };
  console.log(`secret scan: ${JSON.stringify(summary)}`);
  test.info().annotations.push({ type: "secret scan", description: JSON.stringify(summary) });
  expect(scan.findings, scan.report()).toEqual([]);
});
