import Link from "next/link";
import type { ConnectionSummary } from "@/lib/connections/queries";
import { ConnectPleoLink } from "@/components/auth/connect-link";
import { SignOutButton } from "@/components/layout/sign-out-button";
import { Button } from "@/components/ui/button";

/** Signed-in header: the linked companies (each opens its dashboard), connect another, sign out. */
export function PortalHeader({ userName, connections }: { userName: string | null; connections: ConnectionSummary[] }) {
  return (
    <header className="border-b border-black/5 bg-white">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-3 px-6 py-3">
        <Link href="/dashboard" className="text-sm font-bold tracking-wide text-brand uppercase">
          Pleo Partner Portal
        </Link>
        <nav aria-label="Linked companies" className="flex flex-1 flex-wrap items-center gap-2">
          <ul className="flex flex-wrap items-center gap-2">
            {connections.map((c) => (
              <li key={c.id}>
                <Link
                  href={`/dashboard?company=${c.companyId}`}
                  className="inline-flex items-center gap-2 rounded-full border border-black/10 px-3 py-1 text-sm hover:bg-surface"
                >
                  {c.status !== "CONNECTED" && (
                    <span aria-label="needs attention" className="h-2 w-2 rounded-full bg-amber-500" />
                  )}
                  {c.companyName}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="flex items-center gap-2">
          <Button asChild variant="quiet">
            <Link href="/settings/integrations/pleo">Settings</Link>
          </Button>
          <ConnectPleoLink variant="secondary">Connect another company</ConnectPleoLink>
          {userName && <span className="sr-only">Signed in as {userName}</span>}
          <SignOutButton />
        </div>
      </div>
    </header>
  );
}
