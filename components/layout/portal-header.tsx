import Link from "next/link";
import type { ConnectionSummary } from "@/lib/connections/queries";
import { ConnectPleoLink } from "@/components/auth/connect-link";
import { SignOutButton } from "@/components/layout/sign-out-button";
import { Button } from "@/components/ui/button";

/** The settings section of one company (Pleo's Settings URL, focused on it). */
export const settingsHref = (companyId: string) => `/settings/integrations/pleo?company=${companyId}`;

/**
 * Signed-in header: the linked companies (each opens its dashboard; one that needs attention also links
 * to its settings section), settings, connect another, sign out. It names only the companies this
 * session may see: never the portal user's name (the first company the account ever linked).
 */
export function PortalHeader({ connections }: { connections: ConnectionSummary[] }) {
  return (
    <header className="border-b border-black/5 bg-white">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-3 px-6 py-3">
        <Link href="/dashboard" className="text-sm font-bold tracking-wide text-brand uppercase">
          Pleo Partner Portal
        </Link>
        <nav aria-label="Linked companies" className="flex flex-1 flex-wrap items-center gap-2">
          <ul className="flex flex-wrap items-center gap-2">
            {connections.map((c) => (
              <li key={c.id} className="flex items-center gap-1">
                <Link
                  href={`/dashboard?company=${c.companyId}`}
                  className="inline-flex items-center gap-2 rounded-full border border-black/10 px-3 py-1 text-sm hover:bg-surface"
                >
                  {c.status !== "CONNECTED" && <span aria-hidden className="h-2 w-2 rounded-full bg-amber-500" />}
                  {c.companyName}
                </Link>
                {c.status !== "CONNECTED" && (
                  <Link
                    href={settingsHref(c.companyId)}
                    aria-label={`${c.companyName} needs attention: open its connection settings`}
                    className="rounded-full px-2 py-1 text-xs font-medium text-amber-900 underline hover:bg-amber-50"
                  >
                    Fix
                  </Link>
                )}
              </li>
            ))}
          </ul>
        </nav>
        <div className="flex items-center gap-2">
          <Button asChild variant="quiet">
            <Link href="/settings/integrations/pleo">Settings</Link>
          </Button>
          <ConnectPleoLink variant="secondary">Connect another company</ConnectPleoLink>
          <SignOutButton />
        </div>
      </div>
    </header>
  );
}
