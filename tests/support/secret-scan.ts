/**
 * The secret scan's matcher (README "Security", "Proofs"): which secret values to look for, in which
 * spellings, and where each one was found. Pure (no server-only code), so Playwright's final scan and
 * its own unit test use the same code. A finding names the secret and the place, never the value.
 */

export type Secret = { name: string; value: string };
export type Finding = { secret: string; where: string; at: number };

/** Shorter values would match by chance (and no real secret of ours is this short). */
export const MIN_SECRET_LENGTH = 16;

/** The spellings a value can take on its way into a page, a URL, a header or a log line. */
export function spellings(value: string): string[] {
  const b64 = Buffer.from(value, "utf8").toString("base64");
  return [
    ...new Set([
      value,
      encodeURIComponent(value),
      JSON.stringify(value).slice(1, -1),
      b64,
      b64.replace(/=+$/, ""),
      Buffer.from(value, "utf8").toString("base64url"),
    ]),
  ];
}

/**
 * The values the portal holds in a test run, as secrets: the auth secret, every encryption key (the
 * variable, each key's material and its decoded bytes), the OAuth client secret (alone and as the
 * Basic credentials the token endpoint gets), and the tokens the sandbox issued.
 */
export function runSecrets(input: {
  authSecret: string;
  tokenEncryptionKeys: string;
  clientId: string;
  clientSecret: string;
  tokens: Array<{ kind: string; value: string }>;
}): Secret[] {
  const secrets: Secret[] = [
    { name: "AUTH_SECRET", value: input.authSecret },
    { name: "TOKEN_ENCRYPTION_KEYS", value: input.tokenEncryptionKeys },
    { name: "PLEO_CLIENT_SECRET", value: input.clientSecret },
    { name: "client credentials (Basic)", value: `${input.clientId}:${input.clientSecret}` },
  ];
  for (const entry of input.tokenEncryptionKeys.split(",")) {
    const [id, material] = entry.split(":");
    if (!material) continue;
    secrets.push({ name: `encryption key ${id}`, value: material });
    secrets.push({ name: `encryption key ${id} (decoded)`, value: Buffer.from(material, "base64").toString("latin1") });
  }
  for (const [i, t] of input.tokens.entries()) secrets.push({ name: `${t.kind} token #${i + 1}`, value: t.value });
  return secrets;
}

/** Scans texts for secrets; `add` each text with where it came from, then read `findings`. */
export class SecretScanner {
  readonly findings: Finding[] = [];
  /** Texts scanned and their total length, per kind of place (e.g. "body", "log line"). */
  readonly counts: Record<string, { texts: number; chars: number }> = {};
  private readonly needles: Array<{ name: string; needle: string }>;

  constructor(readonly secrets: Secret[]) {
    const tooShort = secrets.filter((s) => s.value.length < MIN_SECRET_LENGTH);
    if (tooShort.length > 0)
      throw new Error(
        `secrets shorter than ${MIN_SECRET_LENGTH} characters: ${tooShort.map((s) => s.name).join(", ")}`,
      );
    this.needles = secrets.flatMap((s) => spellings(s.value).map((needle) => ({ name: s.name, needle })));
  }

  add(kind: string, where: string, text: string): void {
    const c = (this.counts[kind] ??= { texts: 0, chars: 0 });
    c.texts++;
    c.chars += text.length;
    for (const { name, needle } of this.needles) {
      const at = text.indexOf(needle);
      if (at >= 0) this.findings.push({ secret: name, where, at });
    }
  }

  /** One line per finding, for a failure message. */
  report(): string {
    return this.findings.map((f) => `${f.secret} in ${f.where} (offset ${f.at})`).join("\n");
  }
}
