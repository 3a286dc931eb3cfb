import { describe, expect, it } from "vitest";
import {
  ConnectionNotFoundError,
  NeedsReauthError,
  PleoApiError,
  PleoRateLimitError,
  PleoResponseError,
  PleoUnavailableError,
} from "@/lib/pleo/errors";
import { plainSyncError, SYNC_ERROR_SENTENCES } from "@/lib/sync/describe-error";
import { syncErrorCode } from "@/lib/sync/error-code";

const COMPANY = "5a0c1f1e-7d43-4c2a-9b1e-3f6d2a8c4e01";

describe("a failed sync's stored error", () => {
  it("is a stable code chosen by the error's type, never its message", () => {
    const cases: Array<[unknown, string]> = [
      [new NeedsReauthError(COMPANY, "invalid_grant", "Refresh token has been revoked"), "needs_reconnect"],
      [new PleoRateLimitError(30, "POST /v1/accounting-entries:search"), "rate_limited"],
      [new PleoUnavailableError("Pleo GET /v1/x answered HTTP 503 after 4 attempt(s)", 503), "pleo_unavailable"],
      [new PleoResponseError("GET /v2/employees", ["data[0].email: expected string"]), "unexpected_response"],
      [new PleoApiError(403, "ACCESS_DENIED", "Pleo GET /v1/x answered HTTP 403: scope missing"), "pleo_refused"],
      [new PleoApiError(500, "INTERNAL", "Pleo GET /v1/x answered HTTP 500"), "pleo_unavailable"],
      [new ConnectionNotFoundError(COMPANY), "disconnected"],
      [new Error('relation "AccountingEntry" does not exist at character 15'), "internal"],
      ["a thrown string", "internal"],
    ];
    for (const [err, code] of cases) expect(syncErrorCode(err), String(err)).toBe(code);
  });

  it("recognises an error from another bundle's copy of the class by its name", () => {
    const foreign = Object.assign(new Error("Pleo connection … needs to be reconnected"), { name: "NeedsReauthError" });
    expect(syncErrorCode(foreign)).toBe("needs_reconnect");
  });

  it("reads as a plain sentence: codes, messages stored before codes existed, and anything else", () => {
    for (const [code, sentence] of Object.entries(SYNC_ERROR_SENTENCES)) expect(plainSyncError(code)).toBe(sentence);
    expect(plainSyncError("the process running this sync stopped")).toBe(SYNC_ERROR_SENTENCES.interrupted);
    expect(plainSyncError("Pleo GET /v1/x answered HTTP 503 after 4 attempt(s)")).toBe(
      SYNC_ERROR_SENTENCES.pleo_unavailable,
    );
    const leak = 'insert into "AccountingEntry" failed: duplicate key value violates unique constraint';
    expect(plainSyncError(leak)).toBe(SYNC_ERROR_SENTENCES.internal);
    expect(plainSyncError(null)).toBeNull();
  });
  it("reads every kind of message stored before codes, and only those, as its sentence", () => {
    const S = SYNC_ERROR_SENTENCES;
    const cases: Array<[string, string]> = [
      ["Nordlys needs to be reconnected in Pleo", S.needs_reconnect],
      ["Pleo rate limit reached", S.rate_limited],
      ["Pleo GET /v1/accounting-entries answered HTTP 502", S.pleo_unavailable],
      ["token refresh failed after 12 attempts", S.pleo_unavailable],
      ["Pleo is unavailable", S.pleo_unavailable],
      ["backing off after errors", S.pleo_unavailable],
      ["another instance is still refreshing the token", S.pleo_unavailable],
      ["Pleo sent an unexpected response", S.unexpected_response],
      ["sync lease lost", S.lease_lost],
      ["server shut down mid-page", S.shutdown],
      ["No Pleo connection for this company", S.disconnected],
      ["stopped", S.stopped],
      ["Pleo POST /v1/export-jobs answered HTTP 403", S.pleo_refused],
      // Near misses are not those kinds: they read as "unexpected".
      ["it was stopped", S.internal],
      ["stopped early", S.internal],
      ["Pleo answered HTTP 4x3", S.internal],
      ["failed after many attempts", S.internal],
    ];
    for (const [stored, sentence] of cases) expect([stored, plainSyncError(stored)]).toEqual([stored, sentence]);
    expect(cases).toHaveLength(17);
  });
});
