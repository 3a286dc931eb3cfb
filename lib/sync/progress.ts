import "server-only";

import { db } from "@/lib/db";
import type { SyncKind } from "@/lib/sync/config";
import { leaseIsLive } from "@/lib/sync/lease";

export type SyncProgress = {
  running: boolean;
  phase: "idle" | SyncKind;
  /** Entries stored by the backfill so far, of `total` (Pleo's pagination.total, deleted included). */
  synced: number;
  total: number | null;
  backfillComplete: boolean;
  /** The backfill under way only fills in older entries (a wider history window); the rest is complete. */
  extending: boolean;
  /** When the schedule starts the next run (null: not scheduled, or never synced yet). */
  nextRunAt: Date | null;
  lastSuccessAt: Date | null;
  lastError: string | null;
  lastRun: {
    kind: string;
    status: string;
    startedAt: Date;
    finishedAt: Date | null;
    created: number;
    updated: number;
    deleted: number;
  } | null;
};

/** Sync status for the dashboard's progress bar and the settings page (two indexed reads). */
export async function getSyncProgress(companyId: string): Promise<SyncProgress> {
  const [state, lastRun] = await Promise.all([
    db.syncState.findUnique({ where: { companyId } }),
    db.syncRun.findFirst({
      where: { companyId },
      orderBy: { startedAt: "desc" },
      select: {
        kind: true,
        status: true,
        startedAt: true,
        finishedAt: true,
        created: true,
        updated: true,
        deleted: true,
      },
    }),
  ]);
  const running = leaseIsLive(state);
  const phase: SyncProgress["phase"] =
    running && lastRun?.status === "running" && isKind(lastRun.kind)
      ? lastRun.kind
      : running
        ? state?.backfillCompletedAt
          ? "incremental"
          : "backfill"
        : "idle";
  return {
    running,
    phase,
    synced: state?.backfillSynced ?? 0,
    total: state?.backfillTotal ?? null,
    backfillComplete: Boolean(state?.backfillCompletedAt),
    extending: !state?.backfillCompletedAt && Boolean(state?.backfillUntil),
    nextRunAt: state?.nextRunAt ?? null,
    lastSuccessAt: state?.lastSuccessAt ?? null,
    lastError: state?.lastError ?? null,
    lastRun: lastRun ?? null,
  };
}

function isKind(kind: string): kind is SyncKind {
  return kind === "backfill" || kind === "incremental" || kind === "reconcile";
}
