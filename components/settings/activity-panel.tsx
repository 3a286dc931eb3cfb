import Link from "next/link";
import { Button } from "@/components/ui/button";
import { ColumnHeader } from "@/components/ui/table";
import type { ConnectionSummary } from "@/lib/connections/queries";
import type { EventType } from "@/lib/pleo/activity";
import { readActivity, type ActivityItem } from "@/lib/settings/read";
import { dateTime } from "./format";
import { Panel } from "./panel";

const EVENT: Record<EventType, string> = {
  connected: "Connected",
  reconnected: "Reconnected",
  token_refreshed: "Token refreshed",
  refresh_failed: "Token refresh failed",
  needs_reconnect: "Needs reconnect",
  sync_succeeded: "Sync ran",
  sync_failed: "Sync failed",
  settings_changed: "Settings changed",
  installation_activated: "Installation activated",
  installation_update_failed: "Installation update failed",
  hidden_entries_deleted: "Hidden expenses deleted",
  disconnected: "Disconnected",
  uninstalled: "Uninstalled at Pleo",
  uninstall_pending: "Uninstall at Pleo pending",
  uninstall_retried: "Uninstall retried",
};

const ACTOR: Record<ActivityItem["actor"], string> = {
  you: "You",
  another_user: "Another portal user",
  scheduler: "Portal (automatic)",
  pleo: "Pleo",
};

/** The connection's events, newest first, 20 per page (`?activity=<page>` with `?company=<id>`). */
export async function ActivityPanel({
  connection,
  viewerUserId,
  page,
  locale,
}: {
  connection: ConnectionSummary;
  viewerUserId: string;
  page: number;
  locale: string;
}) {
  const a = await readActivity(connection, viewerUserId, page);
  const id = `activity-${connection.companyId}`;
  const href = (p: number) => `/settings/integrations/pleo?company=${connection.companyId}&activity=${p}#${id}`;
  return (
    <Panel
      id={id}
      title="Activity"
      testId="activity-panel"
      description="What happened to this connection and who did it. Tokens and secrets are never recorded."
    >
      {a.items.length === 0 ? (
        <p className="text-sm text-muted">Nothing recorded yet.</p>
      ) : (
        // Focusable, so keyboard users can scroll it sideways when it is wider than the screen.
        <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Activity log">
          <table className="w-full text-left text-sm" aria-labelledby={`${id}-title`}>
            <thead className="text-xs text-muted">
              <tr>
                <ColumnHeader>When</ColumnHeader>
                <ColumnHeader>Event</ColumnHeader>
                <ColumnHeader>By</ColumnHeader>
                <ColumnHeader>Details</ColumnHeader>
              </tr>
            </thead>
            <tbody className="divide-y divide-black/5">
              {a.items.map((e) => (
                <tr key={e.id} className="align-top" data-event={e.type}>
                  <td className="py-2 pr-3 whitespace-nowrap">{dateTime(locale, e.at)}</td>
                  <td className="py-2 pr-3 font-medium">{EVENT[e.type] ?? e.type}</td>
                  <td className="py-2 pr-3 whitespace-nowrap">{ACTOR[e.actor]}</td>
                  <td className="py-2 text-muted">{e.detail ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {a.pageCount > 1 && (
        <nav aria-label="Activity pages" className="mt-4 flex items-center justify-between gap-3 text-sm">
          {a.page > 1 ? (
            <Button asChild variant="secondary">
              <Link href={href(a.page - 1)}>Newer</Link>
            </Button>
          ) : (
            <span />
          )}
          <span className="text-muted">
            Page {a.page} of {a.pageCount} · {a.total} events
          </span>
          {a.page < a.pageCount ? (
            <Button asChild variant="secondary">
              <Link href={href(a.page + 1)}>Older</Link>
            </Button>
          ) : (
            <span />
          )}
        </nav>
      )}
    </Panel>
  );
}
