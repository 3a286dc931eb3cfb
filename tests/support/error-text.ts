/**
 * Internal error text an answer must never carry (README "Security", "Proofs"): stack frames, error
 * class names, database and driver messages. Pure, so the fuzz (e2e/proofs/tenant.spec.ts) and its
 * own unit test use the same patterns.
 */
export const INTERNAL_ERROR_TEXT = [
  /\n\s+at [\w$.<>[\] ]+ \(/,
  /\bat [^\s()]+ \((?:file:\/\/|\/|node:)[^)]*:\d+:\d+\)/,
  /\b(?:Type|Reference|Syntax|Range|Prisma[A-Za-z]*|Postgres|Zod)Error\b/,
  /\bError: /,
  /PrismaClient|Invalid `prisma|P20\d\d\b/,
  /\brelation "[^"]+" does not exist|syntax error at or near|invalid input syntax for type|violates \w+ constraint/,
  /ECONNREFUSED|ECONNRESET|node_modules\//,
];

/** The first match with some context around it, or null. */
export function internalErrorText(body: string): string | null {
  for (const re of INTERNAL_ERROR_TEXT) {
    const m = re.exec(body);
    if (m) return body.slice(Math.max(0, m.index - 80), m.index + 120);
  }
  return null;
}
