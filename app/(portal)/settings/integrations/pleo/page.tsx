import type { Metadata } from "next";
import { ConnectPleoLink } from "@/components/auth/connect-link";
import { ConnectionStatusBadge } from "@/components/layout/connection-status-badge";
import { requireUser } from "@/lib/auth/session";
import { countConnectionsOutsideScope, listConnectionsForViewer } from "@/lib/connections/queries";

export const metadata: Metadata = { title: "Pleo integration" };

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/** Pleo's "Settings URL". Minimal for now: the linked companies and their health. */
export default async function PleoSettingsPage() {
  const user = await requireUser();
  const [connections, outside] = await Promise.all([
    listConnectionsForViewer(user),
    countConnectionsOutsideScope(user),
  ]);
  return (
    <main className="mx-auto flex max-w-4xl flex-col gap-6 px-6 py-10">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">Pleo integration</h1>
          <p className="text-muted">Companies connected in this session.</p>
        </div>
        <ConnectPleoLink returnTo="/settings/integrations/pleo">Connect another company</ConnectPleoLink>
      </div>
      {connections.length === 0 ? (
        <p className="rounded-xl border border-dashed border-black/10 p-6 text-muted">No company is connected yet.</p>
      ) : (
        <ul
          className="divide-y divide-black/5 rounded-xl border border-black/5 bg-white"
          aria-label="Connected companies"
        >
          {connections.map((c) => (
            <li key={c.id} className="flex flex-wrap items-center justify-between gap-4 px-5 py-4">
              <div>
                <p className="font-semibold">{c.companyName}</p>
                <p className="text-sm text-muted">
                  Connected {dateFormat.format(c.connectedAt)} UTC · {c.scopes.length} scopes
                  {c.statusReason ? ` · ${c.statusReason}` : ""}
                </p>
              </div>
              <div className="flex items-center gap-3">
                <ConnectionStatusBadge status={c.status} />
                {c.status !== "CONNECTED" && (
                  <ConnectPleoLink returnTo="/settings/integrations/pleo" variant="secondary">
                    Reconnect
                  </ConnectPleoLink>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      {outside > 0 && <OtherCompaniesNote count={outside} />}
    </main>
  );
}

/**
 * The account's companies this session has not opened (session-scoped access, README "Connect flow"):
 * only their number, never their names, and the way to open them: connect them with Pleo here.
 */
function OtherCompaniesNote({ count }: { count: number }) {
  const what = count === 1 ? "1 other company is" : `${count} other companies are`;
  return (
    <div
      role="note"
      className="flex flex-wrap items-center justify-between gap-4 rounded-xl border border-black/10 bg-surface px-5 py-4"
    >
      <p className="text-sm">
        {what} linked to this portal account; connect {count === 1 ? "it" : "them"} here to view{" "}
        {count === 1 ? "it" : "them"}.
      </p>
      <ConnectPleoLink returnTo="/settings/integrations/pleo" variant="secondary">
        Connect
      </ConnectPleoLink>
    </div>
  );
}
