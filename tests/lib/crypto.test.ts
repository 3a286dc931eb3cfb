import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DecryptionError, needsReseal, open, parseKeyRing, seal } from "@/lib/crypto";

const key = () => randomBytes(32).toString("base64url");

describe("token encryption", () => {
  const ring = parseKeyRing(`k1:${key()}`);

  it("round-trips and never stores the plaintext", () => {
    const token = "opaque-refresh-token-ÆØÅ";
    const sealed = seal(token, ring);
    expect(sealed).toMatch(/^v1\.k1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain(token);
    expect(open(sealed, ring)).toBe(token);
    expect(seal(token, ring)).not.toBe(sealed); // fresh IV each time
  });

  it("reads values sealed with an older key after rotation and writes with the new one", () => {
    const oldKey = key();
    const before = parseKeyRing(`old:${oldKey}`);
    const sealedBefore = seal("t1", before);
    const after = parseKeyRing(`new:${key()},old:${oldKey}`);
    expect(open(sealedBefore, after)).toBe("t1");
    expect(needsReseal(sealedBefore, after)).toBe(true);
    const resealed = seal("t1", after);
    expect(resealed.split(".")[1]).toBe("new");
    expect(needsReseal(resealed, after)).toBe(false);
  });

  it("rejects a tampered ciphertext, tag or key id", () => {
    const sealed = seal("secret", ring);
    const parts = sealed.split(".");
    const flip = (s: string) => (s[0] === "A" ? "B" : "A") + s.slice(1);
    for (const i of [2, 3, 4]) {
      const bad = [...parts];
      bad[i] = flip(bad[i]);
      expect(() => open(bad.join("."), ring)).toThrow(DecryptionError);
    }
    const other = parseKeyRing(`k2:${key()},k1:${key()}`);
    expect(() => open(sealed, other)).toThrow(/failed authentication/);
    expect(() => open(["v1", "nope", ...parts.slice(2)].join("."), ring)).toThrow(/not in TOKEN_ENCRYPTION_KEYS/);
    expect(() => open("plaintext-token", ring)).toThrow(/not an encrypted value/);
  });

  it("refuses malformed key lists", () => {
    expect(() => parseKeyRing("k1:short")).toThrow(/32 bytes/);
    expect(() => parseKeyRing(`a:${key()},a:${key()}`)).toThrow(/twice/);
    expect(() => parseKeyRing("")).toThrow(/empty/);
  });
});
