/**
 * lib/pleo/errors.ts: what each typed failure carries (status, type, retryable, message) and the guards
 * that recognise an error also when it comes from another bundle's copy of the class (same name).
 */
import { describe, expect, it } from "vitest";
import {
  ConnectionNotFoundError,
  isNeedsReauth,
  isPleoApiError,
  isPleoRateLimited,
  isPleoUnavailable,
  NeedsReauthError,
  PleoApiError,
  PleoRateLimitError,
  PleoResponseError,
  PleoUnavailableError,
} from "@/lib/pleo/errors";

const COMPANY = "7b7e8d62-6f0e-4a8e-9d1c-0c6a2f4b9e11";

/** An error as another bundle's copy of a class would make it: same name, not our class. */
function foreign(name: string): Error {
  const err = new Error("from another bundle");
  err.name = name;
  return err;
}

describe("typed Pleo errors", () => {
  it("PleoApiError: the fields as given, not retryable by default", () => {
    const err = new PleoApiError(403, "ACCESS_DENIED", "no access");
    expect(err).toMatchObject({ status: 403, type: "ACCESS_DENIED", message: "no access", retryable: false });
    expect(err.name).toBe("PleoApiError");
    expect(err.endpoint).toBeUndefined();
  });

  it("PleoRateLimitError: 429, retryable, the wait and the endpoint in the message when known", () => {
    const err = new PleoRateLimitError(30, "GET /v1/users");
    expect(err).toMatchObject({
      status: 429,
      type: "TOO_MANY_REQUESTS",
      retryable: true,
      retryAfterSeconds: 30,
      endpoint: "GET /v1/users",
      name: "PleoRateLimitError",
      message: "Pleo rate limit still exceeded on GET /v1/users; retry after 30s",
    });
    expect(err).toBeInstanceOf(PleoApiError);
    expect(new PleoRateLimitError(5).message).toBe("Pleo rate limit still exceeded; retry after 5s");
  });

  it("PleoUnavailableError: 503 stand-in, retryable, an answer by default; cause and noResponse when given", () => {
    const plain = new PleoUnavailableError("down");
    expect(plain).toMatchObject({
      status: 503,
      type: "UNAVAILABLE",
      retryable: true,
      noResponse: false,
      name: "PleoUnavailableError",
      message: "down",
    });
    expect("cause" in plain).toBe(false);
    const retryAt = new Date("2026-01-01T00:00:00Z");
    const cause = new Error("ECONNRESET");
    const full = new PleoUnavailableError("no answer", 502, "GET /v1/x", retryAt, { cause, noResponse: true });
    expect(full).toMatchObject({ status: 502, endpoint: "GET /v1/x", retryAt, noResponse: true });
    expect(full.cause).toBe(cause);
  });

  it("PleoResponseError: names the endpoint and every problem; not retryable; status 200 unless given", () => {
    const err = new PleoResponseError("GET /v1/users", ["data[0].email: required", "data[1].id: expected string"]);
    expect(err).toMatchObject({
      status: 200,
      type: "INVALID_RESPONSE",
      retryable: false,
      endpoint: "GET /v1/users",
      name: "PleoResponseError",
      message:
        "Pleo GET /v1/users returned an unexpected response: data[0].email: required; data[1].id: expected string",
    });
    expect(new PleoResponseError("x", []).status).toBe(200);
    expect(new PleoResponseError("x", [], 201).status).toBe(201);
  });

  it("NeedsReauthError and ConnectionNotFoundError: the company and reason in the message", () => {
    const bare = new NeedsReauthError(COMPANY, "invalid_grant");
    expect(bare.message).toBe(`Pleo connection for company ${COMPANY} needs to be reconnected (invalid_grant)`);
    expect(bare.name).toBe("NeedsReauthError");
    const detailed = new NeedsReauthError(COMPANY, "refresh_interrupted", "token inactive");
    expect(detailed.message).toBe(
      `Pleo connection for company ${COMPANY} needs to be reconnected (refresh_interrupted: token inactive)`,
    );
    const missing = new ConnectionNotFoundError(COMPANY);
    expect(missing.message).toBe(`No Pleo connection for company ${COMPANY}`);
    expect(missing.name).toBe("ConnectionNotFoundError");
  });
});

describe("guards across bundles", () => {
  it("recognise our classes and same-named errors from another copy; nothing else", () => {
    expect(isNeedsReauth(new NeedsReauthError(COMPANY, "not_connected"))).toBe(true);
    expect(isNeedsReauth(foreign("NeedsReauthError"))).toBe(true);
    expect(isPleoUnavailable(new PleoUnavailableError("x"))).toBe(true);
    expect(isPleoUnavailable(foreign("PleoUnavailableError"))).toBe(true);
    expect(isPleoRateLimited(new PleoRateLimitError(1))).toBe(true);
    expect(isPleoRateLimited(foreign("PleoRateLimitError"))).toBe(true);
    for (const name of ["PleoApiError", "PleoRateLimitError", "PleoUnavailableError", "PleoResponseError"]) {
      expect(isPleoApiError(foreign(name)), name).toBe(true);
    }
    expect(isPleoApiError(new PleoResponseError("x", ["y"]))).toBe(true);

    for (const guard of [isNeedsReauth, isPleoUnavailable, isPleoRateLimited, isPleoApiError]) {
      expect(guard(new Error("plain"))).toBe(false);
      expect(guard(foreign("TypeError"))).toBe(false);
      // Not an Error at all, whatever its name says.
      expect(guard({ name: "PleoApiError" })).toBe(false);
      expect(guard({ name: "NeedsReauthError" })).toBe(false);
      expect(guard({ name: "PleoUnavailableError" })).toBe(false);
      expect(guard({ name: "PleoRateLimitError" })).toBe(false);
    }
    expect(isPleoApiError(foreign("NeedsReauthError"))).toBe(false);
    expect(isPleoUnavailable(new PleoApiError(503, "UNAVAILABLE", "x"))).toBe(false);
    expect(isPleoRateLimited(new PleoApiError(429, "TOO_MANY_REQUESTS", "x"))).toBe(false);
    expect(isNeedsReauth(new ConnectionNotFoundError(COMPANY))).toBe(false);
  });
});
