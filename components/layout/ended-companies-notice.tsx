import { ConnectPleoLink } from "@/components/auth/connect-link";
import { settingsHref } from "@/components/layout/portal-header";
import { Alert } from "@/components/ui/alert";
import type { EndedCompany } from "@/lib/connections/queries";

/**
 * Companies this session lost because Pleo stopped accepting their connection (README "Security",
 * "Sessions"): their data is closed here until Pleo proves again that this browser's user administers
 * them, so each gets a notice with Reconnect (the Pleo consent; on success the company is back in this
 * session and the notice goes). Shown above every portal page; only names this session could see before.
 */
export function EndedCompaniesNotice({ companies }: { companies: EndedCompany[] }) {
  if (companies.length === 0) return null;
  return (
    <section aria-label="Connections that ended" className="mx-auto flex max-w-5xl flex-col gap-3 px-6 pt-6">
      {companies.map((c) => (
        <div key={c.companyId} data-testid="ended-company" data-company-id={c.companyId}>
          <Alert
            tone="warning"
            title={
              c.status === "CONNECTED"
                ? `${c.companyName} was reconnected in another session`
                : `${c.companyName}: Pleo no longer accepts this connection`
            }
            action={<ConnectPleoLink returnTo={settingsHref(c.companyId)}>Reconnect {c.companyName}</ConnectPleoLink>}
          >
            {c.status === "CONNECTED"
              ? "Confirm with Pleo to open it in this session too; its synced data and settings are kept."
              : "The app was removed in Pleo, or its access was revoked, so the company was closed in this session. Reconnect to open it again: its synced data and settings are kept."}
          </Alert>
        </div>
      ))}
    </section>
  );
}

/** A page asked for a company that left this session: say so instead of "not found" (the notice above offers Reconnect). */
export function EndedCompanyPage({ title, company }: { title: string; company: EndedCompany }) {
  return (
    <main className="mx-auto max-w-5xl px-6 py-10">
      <h1 className="text-2xl font-bold tracking-tight">{title}</h1>
      <p className="mt-2 text-muted" data-testid="ended-company-page">
        {company.companyName} is closed in this session until it is reconnected.
      </p>
    </main>
  );
}
