/**
 * Precomputed sort orders over one company's entries, so any search page costs O(limit) (plus
 * O(log n) to find the cursor) instead of O(entries).
 *
 * Each sort key has one physical array of entry positions ordered by (value ASC with null last, id
 * ASC). Every PageOrder is a "logical" walk over that array (forwards, backwards, or with the null
 * block moved to the other end), so six orders cost one array per key.
 */
import type { EntryRec } from "../model";
import type { CursorValue } from "./cursor";

export const SORT_KEYS = ["performedAt", "settledAt", "id", "bookkeepingDate"] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export const PAGE_ORDERS = [
  "ASC",
  "ASC_NULLS_FIRST",
  "ASC_NULLS_LAST",
  "DESC",
  "DESC_NULLS_FIRST",
  "DESC_NULLS_LAST",
] as const;
export type PageOrder = (typeof PAGE_ORDERS)[number];

export function keyValue(e: EntryRec, key: SortKey): CursorValue {
  switch (key) {
    case "performedAt":
      return e.performedAt;
    case "settledAt":
      return e.settledAt;
    case "bookkeepingDate":
      return e.bookkeepingDate;
    default:
      return e.id;
  }
}

function cmpValue(a: CursorValue, b: CursorValue): number {
  // null sorts last physically.
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class EntryIndex {
  private readonly arrays = new Map<SortKey, number[]>();
  private readonly nonNull = new Map<SortKey, number>();

  constructor(private readonly entries: EntryRec[]) {
    const n = entries.length;
    const byId = Array.from({ length: n }, (_, i) => i);
    byId.sort((a, b) => cmpId(entries[a].id, entries[b].id));
    const idRank = new Int32Array(n);
    byId.forEach((pos, rank) => (idRank[pos] = rank));
    this.arrays.set("id", byId);
    this.nonNull.set("id", n);
    for (const key of SORT_KEYS) {
      if (key === "id") continue;
      const vals = new Float64Array(n);
      let nn = 0;
      for (let i = 0; i < n; i++) {
        const v = keyValue(entries[i], key) as number | null;
        vals[i] = v === null ? Infinity : v;
        if (v !== null) nn++;
      }
      const arr = Array.from({ length: n }, (_, i) => i);
      arr.sort((a, b) => vals[a] - vals[b] || idRank[a] - idRank[b]);
      this.arrays.set(key, arr);
      this.nonNull.set(key, nn);
    }
  }

  get size(): number {
    return this.entries.length;
  }

  /** Physical position where (value, id) sits or would be inserted. */
  /** `self` is the position being moved: its stored value is already the new one, so it compares equal. */
  private lowerBound(key: SortKey, value: CursorValue, id: string, self = -1): number {
    const arr = this.arrays.get(key)!;
    let lo = 0;
    let hi = arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (arr[mid] === self) {
        hi = mid;
        continue;
      }
      const e = this.entries[arr[mid]];
      const c = cmpValue(keyValue(e, key), value) || cmpId(e.id, id);
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Add entries[pos] (already pushed to the entries array) to every order. */
  insert(pos: number): void {
    const e = this.entries[pos];
    for (const key of SORT_KEYS) {
      const v = keyValue(e, key);
      this.arrays.get(key)!.splice(this.lowerBound(key, v, e.id), 0, pos);
      if (v !== null) this.nonNull.set(key, this.nonNull.get(key)! + 1);
    }
  }

  /** Re-sort entries[pos] after its sort values changed from `before`. */
  update(pos: number, before: Record<Exclude<SortKey, "id">, number | null>): void {
    const e = this.entries[pos];
    for (const key of ["performedAt", "settledAt", "bookkeepingDate"] as const) {
      const oldV = before[key];
      const newV = keyValue(e, key);
      if (oldV === newV) continue;
      const arr = this.arrays.get(key)!;
      const at = this.lowerBound(key, oldV, e.id, pos);
      if (arr[at] !== pos) throw new Error(`index corrupt for ${key}`);
      arr.splice(at, 1);
      arr.splice(this.lowerBound(key, newV, e.id), 0, pos);
      const delta = (newV !== null ? 1 : 0) - (oldV !== null ? 1 : 0);
      this.nonNull.set(key, this.nonNull.get(key)! + delta);
    }
  }

  view(key: SortKey, order: PageOrder): LogicalView {
    return new LogicalView(this.entries, this.arrays.get(key)!, this.nonNull.get(key)!, key, order);
  }
}

/** One PageOrder over one key: logical positions 0..n-1 in the requested order. */
export class LogicalView {
  readonly n: number;
  readonly dir: 1 | -1;
  readonly nullsFirst: boolean;

  constructor(
    readonly entries: EntryRec[],
    private readonly arr: number[],
    private readonly nn: number,
    readonly key: SortKey,
    order: PageOrder,
  ) {
    this.n = arr.length;
    this.dir = order.startsWith("ASC") ? 1 : -1;
    // Default null placement follows PostgreSQL: nulls last for ASC, first for DESC.
    this.nullsFirst = order === "ASC_NULLS_FIRST" || order === "DESC" || order === "DESC_NULLS_FIRST";
  }

  /** Entry position at logical index i. */
  at(i: number): number {
    const { arr, n, nn } = this;
    if (this.dir === 1) {
      if (!this.nullsFirst) return arr[i];
      const nc = n - nn;
      return i < nc ? arr[nn + i] : arr[i - nc];
    }
    if (this.nullsFirst) return arr[n - 1 - i];
    return i < nn ? arr[nn - 1 - i] : arr[n - 1 - (i - nn)];
  }

  /** Compare (value, id) with the entry at logical index i, in logical order. */
  private compareTo(value: CursorValue, id: string, i: number): number {
    const e = this.entries[this.at(i)];
    const ev = keyValue(e, this.key);
    if (value === null && ev === null) return this.dir * cmpId(id, e.id);
    if (value === null) return this.nullsFirst ? -1 : 1;
    if (ev === null) return this.nullsFirst ? 1 : -1;
    const c = value < ev ? -1 : value > ev ? 1 : 0;
    return c !== 0 ? this.dir * c : this.dir * cmpId(id, e.id);
  }

  /** First logical index strictly after the keyset position (value, id). */
  firstAfter(value: CursorValue, id: string): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareTo(value, id, mid) >= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First logical index at or after the keyset position (value, id). */
  firstAtOrAfter(value: CursorValue, id: string): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareTo(value, id, mid) > 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Logical range [lo, hi) of entries whose key value lies in [start, end). Matching entries are
   * contiguous in every order, so two binary searches find them.
   */
  range(start: number | null, end: number | null): [number, number] {
    const rel = (i: number): number => {
      const v = keyValue(this.entries[this.at(i)], this.key) as number | null;
      if (v === null) return this.nullsFirst ? -1 : 1;
      const below = start !== null && v < start;
      const above = end !== null && v >= end;
      if (!below && !above) return 0;
      return this.dir === 1 ? (below ? -1 : 1) : above ? -1 : 1;
    };
    const search = (pred: (r: number) => boolean) => {
      let lo = 0;
      let hi = this.n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (pred(rel(mid))) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    };
    return [search((r) => r >= 0), search((r) => r > 0)];
  }
}
