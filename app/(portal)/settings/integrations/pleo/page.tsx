import type { Metadata } from "next";
import { ConnectPleoLink } from "@/components/auth/connect-link";
import { ConnectionStatusBadge } from "@/components/layout/connection-status-badge";
import { requireUser } from "@/lib/auth/session";
import { listConnectionsForUser } from "@/lib/connections/queries";

export const metadata: Metadata = { title: "Pleo integration" };

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/** Pleo's "Settings URL". Minimal for now: the linked companies and their health. */
export default async function PleoSettingsPage() {
  const user = await requireUser();
  const connections = await listConnectionsForUser(user.id);
  return (
    <main className="mx-auto flex max-w-4xl flex-col gap-6 px-6 py-10">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">Pleo integration</h1>
          <p className="text-muted">Companies connected to this portal account.</p>
        </div>
        <ConnectPleoLink returnTo="/settings/integrations/pleo">Connect another company</ConnectPleoLink>
      </div>
      {connections.length === 0 ? (
        <p className="rounded-xl border border-dashed border-black/10 p-6 text-muted">No company is connected yet.</p>
      ) : (
        <ul className="divide-y divide-black/5 rounded-xl border border-black/5 bg-white" aria-label="Connected companies">
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
    </main>
  );
}
