import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv, withDevelopmentDefaults } from "@/lib/env";

const key = "k1:" + "A".repeat(43);

/** The ConfigError `parseEnv` throws for `raw`; the test fails if it throws nothing or something else. */
function configErrorOf(raw: Record<string, string | undefined>): ConfigError {
  try {
    parseEnv(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("parseEnv accepted a configuration it should have refused");
}

describe("configuration", () => {
  it("in production names every missing variable and generates nothing", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "env-"));
    const raw = withDevelopmentDefaults({ NODE_ENV: "production" }, dir);
    const msg = configErrorOf(raw).message;
    for (const name of [
      "AUTH_SECRET",
      "TOKEN_ENCRYPTION_KEYS",
      "PLEO_AUTH_URL",
      "PLEO_API_URL",
      "PLEO_CLIENT_ID",
      "PLEO_CLIENT_SECRET",
    ]) {
      expect(msg).toContain(`${name} is missing`);
    }
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("names malformed values", () => {
    expect(() =>
      parseEnv({
        NODE_ENV: "production",
        AUTH_SECRET: "short",
        TOKEN_ENCRYPTION_KEYS: "nokey",
        PLEO_AUTH_URL: "ftp://x",
        PLEO_API_URL: "https://external.staging.pleo.io",
        PLEO_CLIENT_ID: "id",
        PLEO_CLIENT_SECRET: "secret",
        DATABASE_URL: "mysql://x",
      }),
    ).toThrow(ConfigError);
    const msg = configErrorOf({
      NODE_ENV: "production",
      AUTH_SECRET: "short",
      TOKEN_ENCRYPTION_KEYS: "nokey",
      PLEO_AUTH_URL: "ftp://x",
      DATABASE_URL: "mysql://x",
    }).message;
    expect(msg).toContain("AUTH_SECRET must be at least 32");
    expect(msg).toContain("TOKEN_ENCRYPTION_KEYS must be");
    expect(msg).toContain("PLEO_AUTH_URL must be an http(s) URL");
    expect(msg).toContain("DATABASE_URL must be a postgresql");
  });

  it("in development fills sandbox defaults and generates secrets once", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "env-"));
    const first = parseEnv(withDevelopmentDefaults({ NODE_ENV: "development" }, dir));
    const second = parseEnv(withDevelopmentDefaults({ NODE_ENV: "development" }, dir));
    expect(first.PLEO_AUTH_URL).toBe("http://127.0.0.1:4010");
    expect(first.PLEO_CLIENT_ID).toBe("sandbox-portal");
    expect(first.AUTH_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(second.AUTH_SECRET).toBe(first.AUTH_SECRET);
    expect(second.TOKEN_ENCRYPTION_KEYS).toBe(first.TOKEN_ENCRYPTION_KEYS);
  });

  it("accepts a complete production configuration and trims URL slashes", () => {
    const e = parseEnv({
      NODE_ENV: "production",
      AUTH_SECRET: "x".repeat(32),
      TOKEN_ENCRYPTION_KEYS: key,
      PLEO_AUTH_URL: "https://auth.staging.pleo.io/",
      PLEO_API_URL: "https://external.staging.pleo.io",
      PLEO_CLIENT_ID: "id",
      PLEO_CLIENT_SECRET: "secret",
      AUTH_URL: "https://portal.example.com/",
    });
    expect(e.PLEO_AUTH_URL).toBe("https://auth.staging.pleo.io");
    expect(e.AUTH_URL).toBe("https://portal.example.com");
    expect(e.PLEO_SCOPES).toContain("accounting-entries:read");
  });
});

describe("production refusals", () => {
  const complete = {
    NODE_ENV: "production",
    AUTH_SECRET: "x".repeat(32),
    TOKEN_ENCRYPTION_KEYS: key,
    AUTH_URL: "https://portal.example.com",
    PLEO_AUTH_URL: "https://auth.pleo.io",
    PLEO_API_URL: "https://external.pleo.io",
    PLEO_CLIENT_ID: "id",
    PLEO_CLIENT_SECRET: "issued-by-pleo",
  };

  it("refuses http URLs, a missing AUTH_URL and the sandbox's public client secret, naming each", () => {
    const problems = configErrorOf({
      ...complete,
      AUTH_URL: "http://portal.example.com",
      PLEO_AUTH_URL: "http://127.0.0.1:4010",
      PLEO_API_URL: "http://127.0.0.1:4010",
      PLEO_CLIENT_SECRET: "sandbox-portal-secret",
    }).problems;
    expect(problems).toEqual([
      expect.stringMatching(/^AUTH_URL must be an https URL in production/),
      expect.stringMatching(/^PLEO_AUTH_URL must be an https URL in production/),
      expect.stringMatching(/^PLEO_API_URL must be an https URL in production/),
      expect.stringMatching(/^PLEO_CLIENT_SECRET is the sandbox's public secret/),
    ]);
    expect(configErrorOf({ ...complete, AUTH_URL: undefined }).problems).toEqual([
      expect.stringMatching(/^AUTH_URL is missing/),
    ]);
  });

  it("reports schema problems and production refusals together", () => {
    const problems = configErrorOf({
      ...complete,
      AUTH_SECRET: "short",
      PLEO_CLIENT_SECRET: "sandbox-portal-secret",
    }).problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^AUTH_SECRET must be at least 32/);
    expect(problems[1]).toMatch(/^PLEO_CLIENT_SECRET is the sandbox's public secret/);
  });

  it("allows http only with ALLOW_INSECURE_HTTP=true, and the sandbox secret only towards an http Pleo then", () => {
    const local = { ...complete, AUTH_URL: "http://127.0.0.1:3000", PLEO_AUTH_URL: "http://127.0.0.1:4010" };
    expect(parseEnv({ ...local, ALLOW_INSECURE_HTTP: "true" }).ALLOW_INSECURE_HTTP).toBe("true");
    expect(configErrorOf({ ...local, ALLOW_INSECURE_HTTP: "yes" }).problems[0]).toMatch(/^ALLOW_INSECURE_HTTP/);
    // A local evaluation against the sandbox uses the sandbox's client.
    const sandboxClient = { PLEO_CLIENT_SECRET: "sandbox-portal-secret" };
    expect(parseEnv({ ...local, ...sandboxClient, ALLOW_INSECURE_HTTP: "true" }).PLEO_CLIENT_SECRET).toBe(
      "sandbox-portal-secret",
    );
    // Towards an https Pleo (a real one) the sandbox's secret is refused, opt-in or not.
    expect(
      configErrorOf({ ...complete, ...sandboxClient, AUTH_URL: "http://127.0.0.1:3000", ALLOW_INSECURE_HTTP: "true" })
        .problems,
    ).toEqual([expect.stringMatching(/^PLEO_CLIENT_SECRET is the sandbox's public secret/)]);
  });

  it("applies to a production build whatever NODE_ENV says, and then fills no development defaults", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "env-"));
    const raw = withDevelopmentDefaults({ NODE_ENV: "development" }, dir, true);
    expect(raw.PLEO_AUTH_URL).toBeUndefined();
    expect(fs.readdirSync(dir)).toEqual([]);
    const problems = (() => {
      try {
        parseEnv(raw, { production: true });
      } catch (e) {
        return (e as ConfigError).problems;
      }
      throw new Error("parseEnv accepted an empty production configuration");
    })();
    expect(problems).toContain("AUTH_SECRET is missing");
    expect(problems).toContainEqual(expect.stringMatching(/^AUTH_URL is missing/));
    // Outside production the same values pass (development and tests talk http to the sandbox).
    expect(
      parseEnv({ ...complete, NODE_ENV: "development", PLEO_CLIENT_SECRET: "sandbox-portal-secret" }).NODE_ENV,
    ).toBe("development");
  });
});
