/**
 * Strict mode (`SANDBOX_STRICT=1`, or `POST /__sandbox/config {"strict": true}`): the sandbox serves only
 * what Pleo documents. Extensions disappear (`supplier.name`, `GET /v1/teams`) and optional fields are
 * sometimes absent, as a real company's data would have them. Which field of which record is absent
 * depends only on the seed, the record's id and the field, so every request sees the same answer.
 */
import type { SandboxState } from "./store";

/** FNV-1a of `seed:id:field`, as a number in [0, 1). */
function unit(seed: number, id: string, field: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  const s = `${id}:${field}`;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  // A final avalanche so nearby ids do not give nearby values.
  h ^= h >>> 16;
  h = Math.imul(h, 0x45d9f3b) >>> 0;
  h ^= h >>> 16;
  return h / 4294967296;
}

/** Share of records that omit each optional field in strict mode. */
export const ABSENT_RATE = {
  entry: {
    teamId: 0.1,
    subFamily: 0.1,
    settledAt: 0.05,
    bookkeepingDate: 0.15,
    accountCode: 0.1,
    taxCodeId: 0.05,
    // Only where it would equal transactionValue (same currency): see README.
    totalBillValue: 0.05,
  },
  split: { accountCode: 0.1, taxCodeId: 0.05, transactionValue: 0.1, totalBillValue: 0.05 },
  employee: { code: 0.2, jobTitle: 0.3, phone: 0.4 },
  supplier: { cif: 0.5 },
} as const;

export type StrictView = {
  /** True when the sandbox serves Pleo's documented shapes only. */
  readonly strict: boolean;
  /** In strict mode: whether this record leaves out this optional field (never outside strict mode). */
  absent(id: string, field: string, rate: number): boolean;
};

export function strictView(state: SandboxState): StrictView {
  const strict = state.config.strict;
  const seed = state.initial.seed;
  return { strict, absent: (id, field, rate) => strict && unit(seed, id, field) < rate };
}
