/**
 * Data changes over time (control API "activity"): new entries, updates (settlement, review,
 * export, recategorisation) and deletions, each bumping updatedAt to sandbox "now" so incremental
 * sync can be tested. Deterministic for a given seed and sequence of calls.
 */
import { ACCOUNT_UNKNOWN, type EntryRec } from "../model";
import { int, pick } from "../rng";
import type { CompanyState, SandboxState } from "../store";
import { NOTES } from "./catalog";
import { makeEntry } from "./generate";

export interface ActivityRequest {
  created?: number;
  updated?: number;
  deleted?: number;
  /** New entries are performed within this many seconds before now (default: 3 days). */
  performedWithinSeconds?: number;
}

export interface ActivityResult {
  created: string[];
  updated: string[];
  deleted: string[];
}

/** Distinct random live entry positions, avoiding `exclude`. */
function pickLive(state: SandboxState, company: CompanyState, count: number, exclude: Set<number>): number[] {
  const entries = company.data.entries;
  const live = entries.length - company.deletedCount - exclude.size;
  const want = Math.max(0, Math.min(count, live));
  const out: number[] = [];
  const chosen = new Set<number>();
  if (want === 0) return out;
  // Rejection sampling is fine while most entries are live; fall back to a scan otherwise.
  let attempts = 0;
  while (out.length < want && attempts < want * 50) {
    attempts++;
    const pos = Math.floor(state.rng() * entries.length);
    if (entries[pos].deletedAt !== null || exclude.has(pos) || chosen.has(pos)) continue;
    chosen.add(pos);
    out.push(pos);
  }
  for (let pos = 0; pos < entries.length && out.length < want; pos++) {
    if (entries[pos].deletedAt === null && !exclude.has(pos) && !chosen.has(pos)) {
      chosen.add(pos);
      out.push(pos);
    }
  }
  return out;
}

function mutate(state: SandboxState, company: CompanyState, e: EntryRec, now: number): void {
  const rng = state.rng;
  if (e.status === "PENDING" || e.status === "DRAFT") {
    e.status = "COMPLETED";
    e.settledAt = now;
    if (e.bookkeepingDate === null) e.bookkeepingDate = e.family === "CARD_PURCHASE" ? now : e.performedAt;
  } else {
    switch (int(rng, 0, 3)) {
      case 0:
        e.reviewStatus = e.reviewStatus === "OK" ? "NOT_OK" : "OK";
        break;
      case 1:
        e.exportStatus = e.exportStatus === "EXPORTED" ? "NOT_EXPORTED" : "EXPORTED";
        break;
      case 2:
        e.note = `${pick(rng, NOTES.meals)} (edited)`;
        break;
      default: {
        const accounts = company.data.accounts;
        const next = int(rng, 0, accounts.length - 2);
        e.account = e.account === next ? ACCOUNT_UNKNOWN : next;
      }
    }
  }
  e.updatedAt = now;
}

export function applyActivity(state: SandboxState, company: CompanyState, req: ActivityRequest): ActivityResult {
  const now = state.clock.now();
  const result: ActivityResult = { created: [], updated: [], deleted: [] };

  const touched = new Set<number>();
  for (const pos of pickLive(state, company, req.updated ?? 0, touched)) {
    touched.add(pos);
    company.updateEntry(pos, (e) => mutate(state, company, e, now));
    result.updated.push(company.data.entries[pos].id);
  }
  for (const pos of pickLive(state, company, req.deleted ?? 0, touched)) {
    touched.add(pos);
    company.updateEntry(pos, (e) => {
      e.deletedAt = now;
      e.updatedAt = now;
    });
    result.deleted.push(company.data.entries[pos].id);
  }
  const within = (req.performedWithinSeconds ?? 3 * 86_400) * 1000;
  for (let i = 0; i < (req.created ?? 0); i++) {
    const performedAt = Math.floor((now - state.rng() * within) / 1000) * 1000;
    const e = makeEntry(company.ctx, state.rng, performedAt, now);
    e.createdAt = now;
    e.updatedAt = now;
    company.addEntry(e);
    result.created.push(e.id);
  }
  return result;
}
