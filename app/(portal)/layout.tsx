import { EndedCompaniesNotice } from "@/components/layout/ended-companies-notice";
import { PortalHeader } from "@/components/layout/portal-header";
import { requireSessionUser } from "@/lib/auth/session";
import { listConnectionsForViewer, listEndedCompaniesForViewer } from "@/lib/connections/queries";

/**
 * Every portal page needs a signed-in user (signed-out visitors go to the landing page). Above every
 * page: the companies this session lost because Pleo stopped accepting their connection, with Reconnect.
 */
export default async function PortalLayout({ children }: { children: React.ReactNode }) {
  const user = await requireSessionUser();
  const [connections, ended] = await Promise.all([listConnectionsForViewer(user), listEndedCompaniesForViewer(user)]);
  return (
    <div className="min-h-screen">
      <PortalHeader connections={connections} />
      <EndedCompaniesNotice companies={ended} />
      {children}
    </div>
  );
}
