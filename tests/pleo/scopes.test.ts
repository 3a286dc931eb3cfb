/** lib/pleo/scopes.ts: the scopes the portal needs (from the endpoint list) and what each one's absence costs. */
import { describe, expect, it } from "vitest";
import { endpoints } from "@/lib/pleo/endpoints";
import { checkScopes, NEEDED_SCOPES } from "@/lib/pleo/scopes";

describe("needed scopes", () => {
  it("are every scope an endpoint declares, once each, sorted", () => {
    const declared = Object.values(endpoints)
      .map((e) => e.scope)
      .filter((s): s is string => s !== null);
    expect(declared.length).toBeGreaterThan(NEEDED_SCOPES.length); // some scopes serve several endpoints
    expect(NEEDED_SCOPES).toEqual([...new Set(declared)].sort());
    expect(NEEDED_SCOPES).toEqual([
      "accounting-entries:read",
      "accounts:read",
      "companies:read",
      "tag-groups:read",
      "tax-codes:read",
      "users:read",
    ]);
  });

  it("checkScopes: each needed scope once, granted or not, with its own consequence", () => {
    const checks = checkScopes(["users:read", "accounting-entries:read", "unrelated:write"]);
    expect(checks.map((c) => c.scope)).toEqual(NEEDED_SCOPES);
    expect(checks.filter((c) => c.granted).map((c) => c.scope)).toEqual(["accounting-entries:read", "users:read"]);
    const consequences = checks.map((c) => c.withoutIt);
    // Written for each scope: none empty, none shared, none the generic fallback.
    expect(new Set(consequences).size).toBe(NEEDED_SCOPES.length);
    for (const text of consequences) {
      expect(text).toMatch(/^[A-Z].{20,}\.$/);
      expect(text).not.toBe("Some data the portal syncs is not available.");
    }
    expect(checks[0].withoutIt).toMatch(/^Expenses are not synced/);
    expect(checkScopes([]).every((c) => !c.granted)).toBe(true);
    expect(checkScopes(NEEDED_SCOPES).every((c) => c.granted)).toBe(true);
  });
});
