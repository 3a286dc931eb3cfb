import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Suspense } from "react";
import { ConnectPleoLink } from "@/components/auth/connect-link";
import { ActivityPanel } from "@/components/settings/activity-panel";
import type { SettingsActions } from "@/components/settings/actions";
import { EndedCompanyPage } from "@/components/layout/ended-companies-notice";
import { DisconnectPanel } from "@/components/settings/disconnect-panel";
import { Disconnections } from "@/components/settings/disconnections";
import { HealthPanel } from "@/components/settings/health-panel";
import { PanelSkeleton } from "@/components/settings/panel";
import { PanelBoundary } from "@/components/settings/panel-boundary";
import { SettingsPanel } from "@/components/settings/settings-panel";
import { SyncPanel } from "@/components/settings/sync-panel";
import { requireSessionUser } from "@/lib/auth/session";
import { listDisconnectionsForViewer } from "@/lib/connections/disconnections";
import {
  countConnectionsOutsideScope,
  endedCompanyNamed,
  getConnectionForViewer,
  listConnectionsForViewer,
  type ConnectionSummary,
} from "@/lib/connections/queries";
import { localeFromAcceptLanguage } from "@/lib/expenses/money";
import {
  activateInstallationAction,
  checkInstallationAction,
  deleteHiddenAction,
  disconnectAction,
  retryUninstallAction,
  saveSettingsAction,
  syncNowAction,
} from "./actions";

export const metadata: Metadata = { title: "Pleo integration" };

type SearchParams = Record<string, string | string[] | undefined>;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

const actions: SettingsActions = {
  saveSettings: saveSettingsAction,
  activateInstallation: activateInstallationAction,
  checkInstallation: checkInstallationAction,
  syncNow: syncNowAction,
  deleteHidden: deleteHiddenAction,
  disconnect: disconnectAction,
  retryUninstall: retryUninstallAction,
};

/**
 * Pleo's "Settings URL": one section per company this session may see (`?company=<id>` shows just that
 * one; a company outside the session's scope is a 404), each with its health, sync, settings, activity
 * and disconnect panels; above them, the disconnects made in this session.
 */
export default async function PleoSettingsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const user = await requireSessionUser();
  const params = await searchParams;
  const companyParam = first(params.company);
  let shown: ConnectionSummary[];
  if (companyParam) {
    const one = await getConnectionForViewer(user, companyParam);
    if (!one) {
      // One this session lost because Pleo ended its connection: say so (the layout offers Reconnect).
      const ended = await endedCompanyNamed(user, companyParam);
      if (ended) return <EndedCompanyPage title="Pleo integration" company={ended} />;
      notFound();
    }
    shown = [one];
  } else {
    shown = await listConnectionsForViewer(user);
  }
  const [outside, disconnects] = await Promise.all([
    countConnectionsOutsideScope(user),
    listDisconnectionsForViewer(user),
  ]);
  const locale = localeFromAcceptLanguage((await headers()).get("accept-language"));
  const activityPage = Number(first(params.activity) ?? "1");

  return (
    <main className="mx-auto flex max-w-5xl flex-col gap-8 px-6 py-10">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">Pleo integration</h1>
          <p className="text-muted">
            {companyParam ? (
              <>
                One company.{" "}
                <Link href="/settings/integrations/pleo" className="underline">
                  Show all companies
                </Link>
              </>
            ) : (
              "Companies connected in this session: health, sync, settings and activity."
            )}
          </p>
        </div>
        <ConnectPleoLink returnTo="/settings/integrations/pleo">Connect another company</ConnectPleoLink>
      </div>

      <Disconnections items={disconnects} locale={locale} actions={actions} highlight={first(params.disconnected)} />

      {shown.length === 0 ? (
        <p className="rounded-xl border border-dashed border-black/10 p-6 text-muted">
          {user.endedCompanyIds?.length ? "No company is open in this session." : "No company is connected yet."}
        </p>
      ) : (
        shown.map((c) => (
          <CompanySection
            key={c.companyId}
            connection={c}
            locale={locale}
            viewerUserId={user.userId}
            activityPage={companyParam ? activityPage : 1}
          />
        ))
      )}
      {outside > 0 && <OtherCompaniesNote count={outside} />}
    </main>
  );
}

function CompanySection({
  connection,
  locale,
  viewerUserId,
  activityPage,
}: {
  connection: ConnectionSummary;
  locale: string;
  viewerUserId: string;
  activityPage: number;
}) {
  const id = `company-${connection.companyId}`;
  const returnTo = `/settings/integrations/pleo?company=${connection.companyId}`;
  const props = { connection, locale, actions };
  return (
    <section
      id={id}
      aria-labelledby={`${id}-title`}
      className="flex scroll-mt-6 flex-col gap-4"
      data-testid="company-section"
    >
      <div className="flex flex-wrap items-baseline justify-between gap-3">
        <h2 id={`${id}-title`} className="text-xl font-semibold">
          {connection.companyName}
        </h2>
        <Link href={`/dashboard?company=${connection.companyId}`} className="text-sm underline">
          Open its expenses
        </Link>
      </div>
      <div className="grid items-start gap-4 lg:grid-cols-2">
        <PanelBoundary title="Connection health">
          <Suspense fallback={<PanelSkeleton title="Connection health" rows={6} />}>
            <HealthPanel {...props} returnTo={returnTo} />
          </Suspense>
        </PanelBoundary>
        <PanelBoundary title="Sync">
          <Suspense fallback={<PanelSkeleton title="Sync" rows={6} />}>
            <SyncPanel {...props} />
          </Suspense>
        </PanelBoundary>
      </div>
      <PanelBoundary title="Sync settings">
        <Suspense fallback={<PanelSkeleton title="Sync settings" rows={3} />}>
          <SettingsPanel {...props} />
        </Suspense>
      </PanelBoundary>
      <PanelBoundary title="Activity">
        <Suspense fallback={<PanelSkeleton title="Activity" rows={5} />}>
          <ActivityPanel connection={connection} viewerUserId={viewerUserId} page={activityPage} locale={locale} />
        </Suspense>
      </PanelBoundary>
      <PanelBoundary title="Disconnect">
        <Suspense fallback={<PanelSkeleton title="Disconnect" rows={1} />}>
          <DisconnectPanel {...props} />
        </Suspense>
      </PanelBoundary>
    </section>
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
