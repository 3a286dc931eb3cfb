import { ExpensesSynced } from "@/components/dashboard/expenses-synced";
import { RefreshWhile } from "@/components/dashboard/refresh-while";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { ColumnHeader } from "@/components/ui/table";
import type { ConnectionSummary } from "@/lib/connections/queries";
import { readSyncPanel, RUNS_SHOWN, type RunRow, type SyncPanel as Data } from "@/lib/settings/read";
import { FREQUENCIES } from "@/lib/settings/options";
import { ActionButton } from "./action-button";
import type { SettingsActions } from "./actions";
import { dateTime, duration, relative } from "./format";
import { Panel } from "./panel";

const RESULT: Record<string, { label: string; tone: BadgeTone }> = {
  running: { label: "Running", tone: "neutral" },
  succeeded: { label: "Succeeded", tone: "good" },
  failed: { label: "Failed", tone: "bad" },
  needs_reauth: { label: "Needs reconnect", tone: "warn" },
  aborted: { label: "Stopped", tone: "neutral" },
  abandoned: { label: "Interrupted", tone: "warn" },
};

const KIND: Record<string, string> = { backfill: "Full sync", incremental: "Recent changes", reconcile: "Daily check" };
const TRIGGER: Record<string, string> = {
  connect: "after connecting",
  manual: "Sync now",
  schedule: "scheduled",
  settings: "settings change",
};

function nextRunText(d: Data, locale: string, now: Date): string {
  if (!d.canSync) return "None: syncing has stopped until the company is reconnected.";
  if (!d.scheduled) return "None scheduled: manual only (use Sync now).";
  if (d.progress.running) return "After the running sync finishes.";
  const every =
    FREQUENCIES.find((f) => f.minutes === d.intervalMinutes)?.label.toLowerCase() ??
    `every ${d.intervalMinutes} minutes`;
  if (!d.progress.nextRunAt || d.progress.nextRunAt <= now) return `Due now (syncs ${every}).`;
  return `${relative(locale, d.progress.nextRunAt, now)}, ${dateTime(locale, d.progress.nextRunAt)} (syncs ${every}).`;
}

/** Last run, next run, "Sync now" with progress while a run goes, and the last 20 runs. */
export async function SyncPanel({
  connection,
  locale,
  actions,
}: {
  connection: ConnectionSummary;
  locale: string;
  actions: SettingsActions;
}) {
  const now = new Date();
  const d = await readSyncPanel(connection);
  const { progress } = d;
  const last = d.runs.find((r) => r.status !== "running") ?? null;
  const n = new Intl.NumberFormat(locale);
  const id = `sync-${connection.companyId}`;
  return (
    <Panel id={id} title="Sync" testId="sync-panel">
      <RefreshWhile active={progress.running} />
      <div className="flex flex-col gap-4 text-sm">
        <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-2">
          <dt className="font-medium">Last run</dt>
          <dd data-testid="last-run">
            {last ? (
              <>
                <Badge tone={RESULT[last.status]?.tone ?? "neutral"}>{RESULT[last.status]?.label ?? last.status}</Badge>{" "}
                {relative(locale, last.startedAt, now)} · {KIND[last.kind] ?? last.kind} · {n.format(last.created)}{" "}
                created, {n.format(last.updated)} updated, {n.format(last.deleted)} deleted
                {last.error && <span className="block text-red-800">{last.error}</span>}
              </>
            ) : (
              "No sync has finished yet."
            )}
          </dd>
          <dt className="font-medium">Next run</dt>
          <dd data-testid="next-run">{nextRunText(d, locale, now)}</dd>
        </dl>

        {progress.running && (
          <div
            role="status"
            aria-label="Sync progress"
            data-testid="settings-sync-progress"
            className="flex flex-col gap-2"
          >
            {progress.phase === "backfill" || !progress.backfillComplete ? (
              <ExpensesSynced
                progress={progress}
                n={n}
                lead={progress.extending ? "Fetching older expenses…" : "Syncing expenses…"}
              />
            ) : (
              <p>{progress.phase === "reconcile" ? "Running the daily full check…" : "Fetching recent changes…"}</p>
            )}
          </div>
        )}

        <ActionButton
          action={actions.syncNow}
          fields={{ companyId: connection.companyId }}
          label="Sync now"
          pendingLabel="Starting…"
          disabled={progress.running || !d.canSync}
          disabledReason={progress.running ? "A sync is running." : !d.canSync ? "Reconnect to sync." : undefined}
        />

        <RunsTable runs={d.runs} locale={locale} companyId={connection.companyId} />
      </div>
    </Panel>
  );
}

function RunsTable({ runs, locale, companyId }: { runs: RunRow[]; locale: string; companyId: string }) {
  if (runs.length === 0) return <p className="text-muted">No sync has run yet.</p>;
  const n = new Intl.NumberFormat(locale);
  return (
    // Focusable, so keyboard users can scroll it sideways when it is wider than the panel.
    <div className="overflow-x-auto" tabIndex={0} role="region" aria-labelledby={`runs-${companyId}`}>
      <table className="w-full text-left text-sm" aria-labelledby={`runs-${companyId}`}>
        <caption id={`runs-${companyId}`} className="mb-2 text-left font-medium">
          Last {Math.min(runs.length, RUNS_SHOWN)} runs
        </caption>
        <thead className="text-xs text-muted">
          <tr>
            <ColumnHeader>Started</ColumnHeader>
            <ColumnHeader>Type</ColumnHeader>
            <ColumnHeader align="right">Duration</ColumnHeader>
            <ColumnHeader align="right">Created</ColumnHeader>
            <ColumnHeader align="right">Updated</ColumnHeader>
            <ColumnHeader align="right">Deleted</ColumnHeader>
            <ColumnHeader>Result</ColumnHeader>
          </tr>
        </thead>
        <tbody className="divide-y divide-black/5">
          {runs.map((r) => (
            <tr key={r.id} className="align-top">
              <td className="py-2 pr-3 whitespace-nowrap">{dateTime(locale, r.startedAt)}</td>
              <td className="py-2 pr-3">
                {KIND[r.kind] ?? r.kind}
                <span className="block text-xs text-muted">{TRIGGER[r.trigger] ?? r.trigger}</span>
              </td>
              <td className="py-2 pr-3 text-right tabular-nums">
                {r.durationMs === null ? "—" : duration(r.durationMs)}
              </td>
              <td className="py-2 pr-3 text-right tabular-nums">{n.format(r.created)}</td>
              <td className="py-2 pr-3 text-right tabular-nums">{n.format(r.updated)}</td>
              <td className="py-2 pr-3 text-right tabular-nums">{n.format(r.deleted)}</td>
              <td className="py-2">
                <Badge tone={RESULT[r.status]?.tone ?? "neutral"}>{RESULT[r.status]?.label ?? r.status}</Badge>
                {r.error && <span className="mt-1 block text-xs text-red-800">{r.error}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
