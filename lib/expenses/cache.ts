import "server-only";

import { cache } from "react";
import { env } from "@/lib/env";
import { processSlot } from "@/lib/process-singleton";
import type { DashboardScope } from "./scope";

/**
 * The dashboard's widget reads, cached in this process, keyed by the widget, the company's data
 * version, the view's scope and the filters that widget depends on. A table-only change (page, sort)
 * then recomputes the table's page and nothing else; another filter recomputes the widgets it feeds.
 *
 * Why not Next's `use cache` + `revalidateTag`: invalidation would have to reach every portal process,
 * and the process that commits a sync page is often not the one serving the page (several instances on
 * one PostgreSQL, README "Deploying"). The version lives in the database instead (PleoCompany.dataVersion,
 * bumped in the transaction of every sync write that changes what the dashboard shows, lib/sync) and
 * is read once per request: a stale entry is never served, in any process, and old versions simply age
 * out of this bounded LRU. Concurrent identical reads share one promise; a failed read is not kept.
 * `DASHBOARD_CACHE=off` keeps results for one request only (React's per-request `cache`): every request
 * computes every widget once, as the first view after new data does (diagnostics, and the benchmark's
 * cold views).
 */

const MAX_ENTRIES = 2_000;

type Store = {
  entries: Map<string, Promise<unknown>>;
  /** Loads per widget since the process started (or the last clearWidgetCache): what a test counts. */
  loads: Map<string, number>;
  hits: number;
};

const slot = processSlot<Store>("expenses-widget-cache");
/** One map per server request (outside a request, a new one per call: nothing is shared). */
const requestMemo = cache(() => new Map<string, Promise<unknown>>());
const store = () => slot.getOrCreate(() => ({ entries: new Map(), loads: new Map(), hits: 0 }));

/** Every field of the scope but the period and `now`: each widget names what of those it depends on. */
function scopeKey(scope: DashboardScope): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...scope };
  delete rest.period;
  delete rest.now;
  return rest;
}

/**
 * `load()` once per (widget, scope, deps) and data version; later calls get the same result. `deps`
 * must hold everything else the read depends on (its filters, its date ranges), JSON-serialisable.
 */
export async function cachedRead<T>(
  widget: string,
  scope: DashboardScope,
  deps: unknown,
  load: () => Promise<T>,
): Promise<T> {
  const s = store();
  const key = JSON.stringify([widget, scopeKey(scope), deps]);
  const entries = env().DASHBOARD_CACHE === "off" ? requestMemo() : s.entries;
  const hit = entries.get(key);
  if (hit) {
    s.hits++;
    // Least recently used goes first: re-insert on every hit.
    entries.delete(key);
    entries.set(key, hit);
    return hit as Promise<T>;
  }
  s.loads.set(widget, (s.loads.get(widget) ?? 0) + 1);
  const pending = load();
  entries.set(key, pending);
  pending.catch(() => {
    if (entries.get(key) === pending) entries.delete(key);
  });
  while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  return pending;
}

/** How often each widget's read actually ran (not served from the cache), and the number of hits. */
export function widgetCacheStats(): { loads: Record<string, number>; hits: number; size: number } {
  const s = store();
  return { loads: Object.fromEntries(s.loads), hits: s.hits, size: s.entries.size };
}

/** Forget everything (tests). */
export function clearWidgetCache(): void {
  slot.set(undefined);
}
