import "server-only";

import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Token encryption at rest: AES-256-GCM with a random 96-bit IV per value. The stored form names its
 * format and the key that sealed it, `v2.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts), so keys can
 * rotate: seal with the first key of TOKEN_ENCRYPTION_KEYS, open with whichever listed key the value names,
 * and `npm run tokens:reseal` moves every stored token to the first key (README → Security).
 *
 * v2 authenticates what the value belongs to — the company and the field — with the key id, so a
 * database writer cannot move a sealed token to another connection or swap the access and refresh
 * tokens: the value would no longer open. v1 (key id only) is still read, never written.
 */

export type KeyRing = { primary: string; keys: Map<string, Buffer> };

/** Which token a sealed value is: authenticated with it (v2). */
export type TokenField = "access_token" | "refresh_token";
export type TokenBinding = { companyId: string; field: TokenField };

export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecryptionError";
  }
}

export function parseKeyRing(spec: string): KeyRing {
  const keys = new Map<string, Buffer>();
  let primary: string | undefined;
  for (const part of spec
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const idx = part.indexOf(":");
    const id = part.slice(0, idx);
    const key = Buffer.from(part.slice(idx + 1), "base64url");
    if (idx <= 0 || key.length !== 32) {
      throw new Error(`TOKEN_ENCRYPTION_KEYS entry "${id || part.slice(0, 8)}…" must be keyId:<32 bytes base64>`);
    }
    if (keys.has(id)) throw new Error(`TOKEN_ENCRYPTION_KEYS lists key id "${id}" twice`);
    keys.set(id, key);
    primary ??= id;
  }
  if (!primary) throw new Error("TOKEN_ENCRYPTION_KEYS is empty");
  return { primary, keys };
}

/** The additional authenticated data of each format. NUL cannot occur in a key id, UUID or field name. */
function aad(version: string, keyId: string, binding: TokenBinding): Buffer {
  if (version === "v1") return Buffer.from(keyId);
  return Buffer.from(["v2", keyId, binding.companyId.toLowerCase(), binding.field].join("\0"));
}

export function seal(plaintext: string, ring: KeyRing, binding: TokenBinding): string {
  const key = ring.keys.get(ring.primary)!;
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad("v2", ring.primary, binding));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [
    "v2",
    ring.primary,
    iv.toString("base64url"),
    ct.toString("base64url"),
    cipher.getAuthTag().toString("base64url"),
  ].join(".");
}

export function open(sealed: string, ring: KeyRing, binding: TokenBinding): string {
  const parts = sealed.split(".");
  if (parts.length !== 5 || (parts[0] !== "v1" && parts[0] !== "v2")) {
    throw new DecryptionError("not an encrypted value");
  }
  const [version, keyId, iv, ct, tag] = parts;
  const key = ring.keys.get(keyId);
  if (!key) throw new DecryptionError(`encrypted with key "${keyId}", which is not in TOKEN_ENCRYPTION_KEYS`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAAD(aad(version, keyId, binding));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new DecryptionError(
      "encrypted value failed authentication (tampered, moved from another row or field, or wrong key)",
    );
  }
}

/** True when a value is not in the current format under the current key: `tokens:reseal` rewrites it. */
export function needsReseal(sealed: string, ring: KeyRing): boolean {
  const [version, keyId] = sealed.split(".");
  return version !== "v2" || keyId !== ring.primary;
}

let ringCache: { spec: string; ring: KeyRing } | undefined;

/** The process's key ring, from configuration. */
export async function keyRing(): Promise<KeyRing> {
  const { env } = await import("@/lib/env");
  const spec = env().TOKEN_ENCRYPTION_KEYS;
  if (ringCache?.spec !== spec) ringCache = { spec, ring: parseKeyRing(spec) };
  return ringCache.ring;
}

export async function encryptToken(token: string, binding: TokenBinding): Promise<string> {
  return seal(token, await keyRing(), binding);
}

export async function decryptToken(sealed: string, binding: TokenBinding): Promise<string> {
  return open(sealed, await keyRing(), binding);
}
