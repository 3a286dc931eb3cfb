import { createDecipheriv, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DecryptionError, needsReseal, open, parseKeyRing, seal, type TokenBinding } from "@/lib/crypto";
import { sealV1 } from "@/tests/support/tokens";

const key = () => randomBytes(32).toString("base64url");
const A = "5a0c1f1e-7d43-4c2a-9b1e-3f6d2a8c4e01";
const B = "5a0c1f1e-7d43-4c2a-9b1e-3f6d2a8c4e02";
const accessOfA: TokenBinding = { companyId: A, field: "access_token" };

// Built inside each test, not at collection: a key-list bug must fail tests, not the file's collection
// (which a mutation run would count as "no test failed").
const K1 = key();
const ringOf = () => parseKeyRing(`k1:${K1}`);

describe("token encryption", () => {
  it("round-trips and never stores the plaintext", () => {
    const ring = ringOf();
    const token = "opaque-refresh-token-ÆØÅ";
    const sealed = seal(token, ring, accessOfA);
    expect(sealed).toMatch(/^v2\.k1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain(token);
    expect(open(sealed, ring, accessOfA)).toBe(token);
    expect(seal(token, ring, accessOfA)).not.toBe(sealed); // fresh IV each time
  });

  it("a value opens only for the company and field it was sealed for", () => {
    const ring = ringOf();
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
    const ring = ringOf();
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
    expect(() => parseKeyRing(" , ")).toThrow(/empty/);
    // The message names the entry by its id, or by its first characters when it has none, never the key.
    expect(() => parseKeyRing("k9:short")).toThrow('TOKEN_ENCRYPTION_KEYS entry "k9…" must be');
    const k = key();
    expect(() => parseKeyRing(`:${k}`)).toThrow(`TOKEN_ENCRYPTION_KEYS entry ":${k.slice(0, 7)}…" must be`);
    expect(() => parseKeyRing(k)).toThrow(/must be keyId/);
  });

  it("reads a list with spaces and a trailing comma; the first key seals", () => {
    const k1 = key();
    const k2 = key();
    const ring = parseKeyRing(` first:${k1} ,  second:${k2} ,`);
    expect(ring.primary).toBe("first");
    expect([...ring.keys.keys()]).toEqual(["first", "second"]);
    expect(ring.keys.get("first")).toEqual(Buffer.from(k1, "base64url"));
    expect(ring.keys.get("second")).toEqual(Buffer.from(k2, "base64url"));
  });

  it("authenticates exactly v2, the key id, the lower-case company and the field (a stable format)", () => {
    // Opened here with node:crypto alone, so the stored format cannot drift without this test noticing.
    const ring = ringOf();
    const sealed = seal("tøken", ring, { companyId: A.toUpperCase(), field: "refresh_token" });
    const [version, keyId, iv, ct, tag] = sealed.split(".");
    expect([version, keyId]).toEqual(["v2", "k1"]);
    const d = createDecipheriv("aes-256-gcm", Buffer.from(K1, "base64url"), Buffer.from(iv, "base64url"));
    d.setAAD(Buffer.from(`v2\0k1\0${A.toLowerCase()}\0refresh_token`));
    d.setAuthTag(Buffer.from(tag, "base64url"));
    expect(Buffer.concat([d.update(Buffer.from(ct, "base64url")), d.final()]).toString("utf8")).toBe("tøken");
  });

  it("names its errors and refuses values with the wrong number of parts", () => {
    const ring = ringOf();
    const err = (() => {
      try {
        open("nope", ring, accessOfA);
      } catch (e) {
        return e;
      }
      throw new Error("open did not throw");
    })();
    expect(err).toBeInstanceOf(DecryptionError);
    expect((err as Error).name).toBe("DecryptionError");
    const parts = seal("secret", ring, accessOfA).split(".");
    expect(() => open(parts.slice(0, 4).join("."), ring, accessOfA)).toThrow(/not an encrypted value/);
    expect(() => open([...parts, "x"].join("."), ring, accessOfA)).toThrow(/not an encrypted value/);
  });
});
