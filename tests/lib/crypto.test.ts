import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DecryptionError, needsReseal, open, parseKeyRing, seal, type TokenBinding } from "@/lib/crypto";
import { sealV1 } from "@/tests/support/tokens";

const key = () => randomBytes(32).toString("base64url");
const A = "5a0c1f1e-7d43-4c2a-9b1e-3f6d2a8c4e01";
const B = "5a0c1f1e-7d43-4c2a-9b1e-3f6d2a8c4e02";
const accessOfA: TokenBinding = { companyId: A, field: "access_token" };

describe("token encryption", () => {
  const ring = parseKeyRing(`k1:${key()}`);

  it("round-trips and never stores the plaintext", () => {
    const token = "opaque-refresh-token-ÆØÅ";
    const sealed = seal(token, ring, accessOfA);
    expect(sealed).toMatch(/^v2\.k1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain(token);
    expect(open(sealed, ring, accessOfA)).toBe(token);
    expect(seal(token, ring, accessOfA)).not.toBe(sealed); // fresh IV each time
  });

  it("a value opens only for the company and field it was sealed for", () => {
    const sealed = seal("token-of-a", ring, accessOfA);
    expect(() => open(sealed, ring, { companyId: B, field: "access_token" })).toThrow(DecryptionError);
    expect(() => open(sealed, ring, { companyId: A, field: "refresh_token" })).toThrow(/moved from another row/);
    // The company id is compared as a UUID: case does not matter.
    expect(open(sealed, ring, { companyId: A.toUpperCase(), field: "access_token" })).toBe("token-of-a");
  });

  it("still reads v1 values (key id only) and marks them for resealing", () => {
    const k = key();
    const legacyRing = parseKeyRing(`old:${k}`);
    const v1 = sealV1("legacy-token", "old", k);
    expect(open(v1, legacyRing, accessOfA)).toBe("legacy-token");
    expect(needsReseal(v1, legacyRing)).toBe(true);
    expect(needsReseal(seal("legacy-token", legacyRing, accessOfA), legacyRing)).toBe(false);
    // A v1 value relabelled as v2 does not open: the format is authenticated too.
    expect(() => open(v1.replace(/^v1/, "v2"), legacyRing, accessOfA)).toThrow(DecryptionError);
  });

  it("reads values sealed with an older key after rotation and writes with the new one", () => {
    const oldKey = key();
    const before = parseKeyRing(`old:${oldKey}`);
    const sealedBefore = seal("t1", before, accessOfA);
    const after = parseKeyRing(`new:${key()},old:${oldKey}`);
    expect(open(sealedBefore, after, accessOfA)).toBe("t1");
    expect(needsReseal(sealedBefore, after)).toBe(true);
    const resealed = seal("t1", after, accessOfA);
    expect(resealed.split(".")[1]).toBe("new");
    expect(needsReseal(resealed, after)).toBe(false);
  });

  it("rejects a tampered ciphertext, tag or key id", () => {
    const sealed = seal("secret", ring, accessOfA);
    const parts = sealed.split(".");
    const flip = (s: string) => (s[0] === "A" ? "B" : "A") + s.slice(1);
    for (const i of [2, 3, 4]) {
      const bad = [...parts];
      bad[i] = flip(bad[i]);
      expect(() => open(bad.join("."), ring, accessOfA)).toThrow(DecryptionError);
    }
    const other = parseKeyRing(`k2:${key()},k1:${key()}`);
    expect(() => open(sealed, other, accessOfA)).toThrow(/failed authentication/);
    expect(() => open(["v2", "nope", ...parts.slice(2)].join("."), ring, accessOfA)).toThrow(
      /not in TOKEN_ENCRYPTION_KEYS/,
    );
    expect(() => open("plaintext-token", ring, accessOfA)).toThrow(/not an encrypted value/);
    expect(() => open(["v3", ...parts.slice(1)].join("."), ring, accessOfA)).toThrow(/not an encrypted value/);
  });

  it("refuses malformed key lists", () => {
    expect(() => parseKeyRing("k1:short")).toThrow(/32 bytes/);
    expect(() => parseKeyRing(`a:${key()},a:${key()}`)).toThrow(/twice/);
    expect(() => parseKeyRing("")).toThrow(/empty/);
  });
});
