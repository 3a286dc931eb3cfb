import "server-only";

import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth/session";
import { listConnectionsForUser, type ConnectionSummary } from "@/lib/connections/queries";

/**
 * The company a dashboard request is about: `?company=<id>` when given (must be one of the user's,
 * else 404: never reveal whether another user's company exists), otherwise the first linked one.
 */
export async function resolveDashboardCompany(companyParam: string | string[] | undefined): Promise<{
  connections: ConnectionSummary[];
  connection: ConnectionSummary | null;
  /** Keep `company` in links when the user could mean another one. */
  companyParam: string | undefined;
}> {
  const user = await requireUser();
  const connections = await listConnectionsForUser(user.id);
  const wanted = (Array.isArray(companyParam) ? companyParam[0] : companyParam)?.trim().toLowerCase();
  if (!wanted)
    return {
      connections,
      connection: connections[0] ?? null,
      companyParam: connections.length > 1 ? connections[0]?.companyId : undefined,
    };
  const connection = connections.find((c) => c.companyId === wanted);
  if (!connection) notFound();
  return { connections, connection, companyParam: connections.length > 1 ? connection.companyId : undefined };
}
