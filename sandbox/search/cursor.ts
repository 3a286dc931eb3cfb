/**
 * Opaque cursors. Pleo's cursors match `^[A-Z2-7=~]+$` (FOUND), i.e. RFC 4648 base32; ours encode a
 * keyset position (sort key, sort value, id) so a cursor stays valid while data changes.
 */
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
export const CURSOR_PATTERN = /^[A-Z2-7=~]+$/;

export function base32Encode(input: string): string {
  const bytes = Buffer.from(input, "utf8");
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += "=";
  return out;
}

export function base32Decode(input: string): string | null {
  const clean = input.replace(/=+$/, "");
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const idx = ALPHABET.indexOf(ch);
    if (idx < 0) return null;
    value = ((value << 5) | idx) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

export type CursorValue = number | string | null;

export interface KeysetCursor {
  key: string;
  value: CursorValue;
  id: string;
}

export function encodeCursor(c: KeysetCursor): string {
  return base32Encode(JSON.stringify([c.key, c.value, c.id]));
}

/** Returns null when the string is not a cursor this sandbox issued. */
export function decodeCursor(raw: string): KeysetCursor | null {
  if (!CURSOR_PATTERN.test(raw)) return null;
  const json = base32Decode(raw);
  if (json === null) return null;
  try {
    const parsed: unknown = JSON.parse(json);
    if (!Array.isArray(parsed) || parsed.length !== 3) return null;
    const [key, value, id] = parsed as unknown[];
    if (typeof key !== "string" || typeof id !== "string") return null;
    if (value !== null && typeof value !== "number" && typeof value !== "string") return null;
    return { key, value, id };
  } catch {
    return null;
  }
}
