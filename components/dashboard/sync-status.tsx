import type { ConnectionSummary } from "@/lib/connections/queries";
import { plainSyncError } from "@/lib/sync/describe-error";
import { getSyncProgress } from "@/lib/sync/progress";
import Link from "next/link";
import { ConnectPleoLink } from "@/components/auth/connect-link";
import { settingsHref } from "@/components/layout/portal-header";
import { Button } from "@/components/ui/button";
import { Alert } from "@/components/ui/alert";
import { Skeleton } from "@/components/ui/skeleton";
import { ExpensesSynced } from "./expenses-synced";
import { RefreshWhile } from "./refresh-while";
import { SyncNowButton, type SyncNowState } from "./sync-now-button";

type Props = {
  connection: ConnectionSummary;
  locale: string;
  syncNow: (prev: SyncNowState, data: FormData) => Promise<SyncNowState>;
};

/**
 * Connection health and sync state above the dashboard: reconnect banner, first-sync progress bar
 * (entries synced of Pleo's total), "data as of", last error and the "Sync now" button.
 */
export async function SyncStatus({ connection, locale, syncNow }: Props) {
  const progress = await getSyncProgress(connection.companyId);
  const when = (d: Date) => new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(d);
  const n = new Intl.NumberFormat(locale);
  const returnTo = `/dashboard?company=${connection.companyId}`;
  const backfilling = !progress.backfillComplete && progress.running;
  // Keep refreshing while the sync runs, and briefly before the first run has even started.
  const waitingForFirstRun = !progress.backfillComplete && !progress.lastRun && connection.status === "CONNECTED";
  const asOf = progress.lastSuccessAt
    ? `Data as of ${when(progress.lastSuccessAt)}`
    : progress.backfillComplete
      ? ""
      : "First sync in progress";

  return (
    <div className="space-y-3">
      <RefreshWhile active={progress.running || waitingForFirstRun} />
      {connection.status === "NEEDS_REAUTH" && (
        <Alert
          tone="warning"
          title={`Reconnect ${connection.companyName} to keep its data up to date`}
          action={
            <div className="flex flex-wrap gap-2">
              <ConnectPleoLink returnTo={returnTo}>Reconnect</ConnectPleoLink>
              <Button asChild variant="secondary">
                <Link href={settingsHref(connection.companyId)}>Connection settings</Link>
              </Button>
            </div>
          }
        >
          Pleo no longer accepts this connection. The figures below are from the last successful sync.
        </Alert>
      )}
      {connection.status === "DISCONNECTED" && (
        <Alert
          tone="info"
          title={`${connection.companyName} is disconnected`}
          action={
            <ConnectPleoLink returnTo={returnTo} variant="secondary">
              Connect again
            </ConnectPleoLink>
          }
        >
          Showing the data synced before it was disconnected.
        </Alert>
      )}
      {backfilling && (
        <div
          role="status"
          aria-label="Sync progress"
          className="rounded-xl border border-black/10 bg-white p-4 shadow-sm"
          data-testid="sync-progress"
        >
          <ExpensesSynced
            progress={progress}
            n={n}
            lead={progress.extending ? "Fetching older expenses from Pleo…" : "Syncing expenses from Pleo…"}
            className="mb-2 text-sm font-medium"
          />
          <p className="mt-2 text-xs text-muted">
            The dashboard fills in as entries arrive; figures are incomplete until the first sync finishes.
          </p>
        </div>
      )}
      <div className="flex flex-wrap items-center justify-between gap-3 text-sm">
        <p className="text-muted" data-testid="data-as-of">
          {asOf}
          {progress.running && !backfilling && " · syncing now…"}
        </p>
        <SyncNowButton
          companyId={connection.companyId}
          action={syncNow}
          disabled={progress.running || connection.status !== "CONNECTED"}
          disabledReason={
            progress.running
              ? "A sync is running."
              : connection.status !== "CONNECTED"
                ? "Reconnect to sync."
                : undefined
          }
        />
      </div>
      {progress.lastError && !progress.running && (
        <Alert
          tone="error"
          title="The last sync did not finish"
          action={
            <Button asChild variant="secondary">
              <Link href={`${settingsHref(connection.companyId)}#sync-${connection.companyId}`}>Sync details</Link>
            </Button>
          }
        >
          {plainSyncError(progress.lastError)}
        </Alert>
      )}
    </div>
  );
}

export function SyncStatusSkeleton() {
  return <Skeleton className="h-9 w-full" />;
}
