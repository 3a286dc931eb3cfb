import { PortalHeader } from "@/components/layout/portal-header";
import { requireUser } from "@/lib/auth/session";
import { listConnectionsForViewer } from "@/lib/connections/queries";

/** Every portal page needs a signed-in user (signed-out visitors go to the landing page). */
export default async function PortalLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser();
  const connections = await listConnectionsForViewer(user);
  return (
    <div className="min-h-screen">
      <PortalHeader connections={connections} />
      {children}
    </div>
  );
}
