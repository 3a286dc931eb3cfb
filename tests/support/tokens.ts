import { createCipheriv, randomBytes } from "node:crypto";
import { decryptToken } from "@/lib/crypto";

/** A stored row's tokens in plain text, opened with the binding they were sealed with (lib/crypto). */
type Sealed = { companyId: string; accessTokenEnc: string | null; refreshTokenEnc: string | null };

export const openAccess = (row: Sealed): Promise<string> =>
  decryptToken(row.accessTokenEnc!, { companyId: row.companyId, field: "access_token" });

export const openRefresh = (row: Sealed): Promise<string> =>
  decryptToken(row.refreshTokenEnc!, { companyId: row.companyId, field: "refresh_token" });

/** The format the portal wrote before v2 (AAD = key id only, no binding): still stored in older databases. */
export function sealV1(plaintext: string, keyId: string, keyB64: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", Buffer.from(keyB64, "base64url"), iv);
  cipher.setAAD(Buffer.from(keyId));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return ["v1", keyId, iv.toString("base64url"), ct.toString("base64url"), tag.toString("base64url")].join(".");
}
