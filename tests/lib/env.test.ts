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
    });
    expect(e.PLEO_AUTH_URL).toBe("https://auth.staging.pleo.io");
    expect(e.PLEO_SCOPES).toContain("accounting-entries:read");
  });
});
