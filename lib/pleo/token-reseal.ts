import "server-only";

import { DecryptionError, keyRing, needsReseal, open, seal, type KeyRing } from "@/lib/crypto";
import type { Logger } from "@/lib/log";
import {
  readSealedTokens,
  replaceSealedTokens,
  type SealedRow,
  type SealedTable,
  type Db,
} from "@/lib/pleo/token-store";

/**
 * `npm run tokens:reseal`: every stored token re-sealed in the current format (v2, bound to its company
 * and field) under the first key of TOKEN_ENCRYPTION_KEYS, so an older key can be dropped from the list
 * afterwards (README → Security → Rotating the encryption key). Safe while the portal runs: each row is
 * replaced only if its tokens did not change since they were read (a refresh meanwhile already wrote
 * them under the newest key), and running it twice changes nothing the second time.
 */

export type ResealCounts = {
  /** Rows holding tokens. */
  checked: number;
  resealed: number;
  /** Already in the current format under the newest key. */
  current: number;
  /** Stored anew by a refresh or reconnect while this ran (so already current). */
  changedMeanwhile: number;
  /** Could not be opened with any listed key (or were tampered with): left as they are, named in the log. */
  failed: number;
};

export type ResealReport = Record<SealedTable, ResealCounts>;

const PAGE = 200;

async function resealRow(db: Db, table: SealedTable, row: SealedRow, ring: KeyRing) {
  if (!needsReseal(row.accessTokenEnc, ring) && !needsReseal(row.refreshTokenEnc, ring)) return "current" as const;
  const access = { companyId: row.companyId, field: "access_token" } as const;
  const refresh = { companyId: row.companyId, field: "refresh_token" } as const;
  const next = {
    accessTokenEnc: seal(open(row.accessTokenEnc, ring, access), ring, access),
    refreshTokenEnc: seal(open(row.refreshTokenEnc, ring, refresh), ring, refresh),
  };
  return (await replaceSealedTokens(db, table, row, next)) ? ("resealed" as const) : ("changedMeanwhile" as const);
}

export async function resealTokens(opts: { db: Db; log: Logger; ring?: KeyRing }): Promise<ResealReport> {
  const ring = opts.ring ?? (await keyRing());
  const report = {} as ResealReport;
  for (const table of ["PleoConnection", "Disconnection"] as const) {
    const counts: ResealCounts = { checked: 0, resealed: 0, current: 0, changedMeanwhile: 0, failed: 0 };
    for (let afterId: string | null = null; ;) {
      const rows = await readSealedTokens(opts.db, table, afterId, PAGE);
      for (const row of rows) {
        counts.checked++;
        try {
          counts[await resealRow(opts.db, table, row, ring)]++;
        } catch (err) {
          if (!(err instanceof DecryptionError)) throw err;
          counts.failed++;
          opts.log.error(
            { event: "tokens.reseal.failed", table, rowId: row.id, companyId: row.companyId, err },
            "a stored token could not be opened with the listed keys",
          );
        }
      }
      if (rows.length < PAGE) break;
      afterId = rows[rows.length - 1].id;
    }
    report[table] = counts;
  }
  return report;
}
