/**
 * The deployed install's start fails closed (README, "Security" → "Production start"): `node
 * server.js` checks the whole configuration as a production build before Next's server listens, and
 * exits 1 naming every problem, whatever NODE_ENV the host sets.
 */
import { expect, test } from "@playwright/test";
import { portalEnv } from "../../tests/support/portal-env";
import { startExpectingRefusal } from "../../tests/support/portal-process";
import { clusterPort, deployDir } from "../support/cluster";

/** The JSON line the refusal logs. */
function refusal(output: string): { event: string; problems: string[] } {
  const line = output
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { event?: string; problems?: string[] })
    .find((l) => l.event === "config.invalid");
  if (!line?.problems) throw new Error(`no config.invalid line in:\n${output}`);
  return line as { event: string; problems: string[] };
}

test("nothing configured: exits 1 before listening, naming every missing variable", async () => {
  const port = clusterPort();
  const r = await startExpectingRefusal({ dir: deployDir(), port, env: {} });
  expect(r.code).toBe(1);
  expect(r.listened).toBe(false);
  const { problems } = refusal(r.output);
  for (const name of [
    "AUTH_SECRET",
    "TOKEN_ENCRYPTION_KEYS",
    "PLEO_AUTH_URL",
    "PLEO_API_URL",
    "PLEO_CLIENT_ID",
    "PLEO_CLIENT_SECRET",
    "AUTH_URL",
  ]) {
    expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^${name} is missing`)));
  }
  // Development defaults (generated secrets, the sandbox) never apply: nothing was written.
  expect(r.output).not.toMatch(/dev-secrets/);
});

test("NODE_ENV=development does not unlock development rules: http and the sandbox secret towards https are refused", async () => {
  const port = clusterPort();
  const env = portalEnv("http://127.0.0.1:9", {
    NODE_ENV: "development",
    AUTH_URL: `http://127.0.0.1:${port}`,
    ALLOW_INSECURE_HTTP: "false",
    PLEO_API_URL: "https://external.pleo.io",
    PGLITE_DIR: "/nonexistent/never-opened",
  });
  const r = await startExpectingRefusal({ dir: deployDir(), port, env });
  expect(r.code).toBe(1);
  expect(r.listened).toBe(false);
  expect(refusal(r.output).problems).toEqual([
    expect.stringMatching(/^AUTH_URL must be an https URL in production/),
    expect.stringMatching(/^PLEO_AUTH_URL must be an https URL in production/),
    expect.stringMatching(/^PLEO_CLIENT_SECRET is the sandbox's public secret/),
  ]);
  // The secret itself is never echoed.
  expect(r.output).not.toContain(env.PLEO_CLIENT_SECRET);
  expect(r.output).not.toContain(env.AUTH_SECRET);
});
