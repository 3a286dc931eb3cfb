import type { SyncProgress } from "@/lib/sync/progress";
import { ProgressBar } from "@/components/ui/progress-bar";

/**
 * A backfill's progress in words and as a bar: "<lead> 1,200 of 5,000" (or "… so far" while Pleo has not
 * said how many there are). Used by the dashboard's sync status and the settings page's Sync panel.
 */
export function ExpensesSynced({
  progress,
  n,
  lead,
  className,
}: {
  progress: Pick<SyncProgress, "synced" | "total">;
  n: Intl.NumberFormat;
  lead: string;
  className?: string;
}) {
  return (
    <>
      <p className={className}>
        {lead}{" "}
        {progress.total !== null
          ? `${n.format(Math.min(progress.synced, progress.total))} of ${n.format(progress.total)}`
          : `${n.format(progress.synced)} so far`}
      </p>
      <ProgressBar
        value={progress.synced}
        max={progress.total ?? Math.max(progress.synced, 1)}
        label="Expenses synced"
      />
    </>
  );
}
