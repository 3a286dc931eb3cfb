import "server-only";

import { cache } from "react";
import { db } from "@/lib/db";
import { isUuid } from "@/lib/ids";
import type { ConnectionStatus } from "@/lib/pleo/types";

/**
 * Who is reading: a portal user and the companies their session may see (Session.companyIds,
 * lib/connections/session-scope.ts). Pages, route handlers and actions pass the signed-in session's
 * viewer (lib/auth/session.ts `getCurrentUser()` returns one); scripts and tests build their own.
 * There is no implicit "current session": a read sees exactly the scope it is given.
 */
export type Viewer = {
  userId: string;
  companyIds: readonly string[];
  /** The session's own id (not its token): what was done in this session, e.g. its disconnects. */
  sessionId?: string | null;
  /** The session's Session.endedCompanyIds, when the caller read its row already (saves a read). */
  endedCompanyIds?: readonly string[];
};

/** The viewer's scope as valid, lower-cased company ids (companyId is a uuid column). */
function scopeOf(viewer: Viewer): string[] {
  return viewer.companyIds.filter((id) => isUuid(id)).map((id) => id.toLowerCase());
}

/** A linked company as pages show it. Never carries tokens. */
export type ConnectionSummary = {
  id: string;
  companyId: string;
  companyName: string;
  currency: string | null;
  status: ConnectionStatus;
  statusReason: string | null;
  scopes: string[];
  connectedAt: Date;
  /** Pleo's installation status as last seen (null: unknown, or Pleo has none). */
  installationStatus: string | null;
};

// Explicit column list: encrypted tokens are never even read for listings.
const summarySelect = {
  id: true,
  companyId: true,
  status: true,
  statusReason: true,
  scopes: true,
  connectedAt: true,
  installationStatus: true,
  company: { select: { name: true, currency: true } },
} as const;

type SummaryRow = {
  id: string;
  companyId: string;
  status: ConnectionStatus;
  statusReason: string | null;
  scopes: string[];
  connectedAt: Date;
  installationStatus: string | null;
  company: { name: string; currency: string | null };
};

function toSummary(row: SummaryRow): ConnectionSummary {
  return {
    id: row.id,
    companyId: row.companyId,
    companyName: row.company.name,
    currency: row.company.currency,
    status: row.status,
    statusReason: row.statusReason,
    scopes: row.scopes,
    connectedAt: row.connectedAt,
    installationStatus: row.installationStatus,
  };
}

/** The viewer's linked companies that their session may see, by company name. */
export async function listConnectionsForViewer(viewer: Viewer): Promise<ConnectionSummary[]> {
  const companyIds = scopeOf(viewer);
  if (companyIds.length === 0) return [];
  return connectionsInScope(viewer.userId, companyIds.join(","));
}

/**
 * Read once per server render (React's `cache`, keyed by value): the layout's header and the page's
 * company choice both list the viewer's connections. Outside a render every call reads.
 */
const connectionsInScope = cache(async (userId: string, companyIds: string): Promise<ConnectionSummary[]> => {
  const rows = await db.pleoConnection.findMany({
    where: { userId, companyId: { in: companyIds.split(",") } },
    select: summarySelect,
    orderBy: [{ company: { name: "asc" } }, { companyId: "asc" }],
  });
  return rows.map(toSummary);
});

/**
 * One linked company, only if it belongs to the viewer and is in their session's scope (the ownership
 * check for pages and actions).
 */
export async function getConnectionForViewer(viewer: Viewer, companyId: string): Promise<ConnectionSummary | null> {
  // A malformed id is never in the scope (scopeOf keeps uuids only): "not yours", not a database error.
  const wanted = companyId.toLowerCase();
  if (!scopeOf(viewer).includes(wanted)) return null;
  const row = await db.pleoConnection.findFirst({
    where: { userId: viewer.userId, companyId: wanted },
    select: summarySelect,
  });
  return row ? toSummary(row) : null;
}

/** How many of the viewer's linked companies lie outside their session's scope (settings shows the count only). */
export async function countConnectionsOutsideScope(viewer: Viewer): Promise<number> {
  return db.pleoConnection.count({ where: { userId: viewer.userId, companyId: { notIn: scopeOf(viewer) } } });
}

export type CompanySelection = {
  /** Every company the viewer may see (tabs, switcher). */
  connections: ConnectionSummary[];
  /** The one this request shows; null when the viewer has none. */
  connection: ConnectionSummary | null;
  /** The `company` parameter to keep in links: set when the viewer could mean another company. */
  companyParam: string | undefined;
};

/**
 * Which company a request shows (dashboard, CSV export): `?company=<id>` when given, otherwise the
 * first the viewer may see. Null when the parameter names a company the viewer may not see: callers
 * answer "not found", never revealing whether another user's company exists.
 */
export async function selectCompanyForViewer(
  viewer: Viewer,
  companyParam: string | string[] | null | undefined,
): Promise<CompanySelection | null> {
  const connections = await listConnectionsForViewer(viewer);
  const wanted = (Array.isArray(companyParam) ? companyParam[0] : companyParam)?.trim().toLowerCase();
  const connection = wanted ? connections.find((c) => c.companyId === wanted) : connections[0];
  if (wanted && !connection) return null;
  return {
    connections,
    connection: connection ?? null,
    companyParam: connections.length > 1 ? connection?.companyId : undefined,
  };
}

/** A company that left the viewer's session because Pleo stopped accepting its connection. */
export type EndedCompany = {
  companyId: string;
  companyName: string;
  /** The connection now: NEEDS_REAUTH (still not accepted), or CONNECTED again (reconnected in another session). */
  status: ConnectionStatus;
};

/**
 * The companies this session lost because their connection ended at Pleo (Session.endedCompanyIds,
 * lib/connections/session-scope.ts `endCompanyInSessions`), for the notice that offers Reconnect. Only
 * companies this session had proven and that are still linked to the same user: a name is never shown
 * to a session that could not see it before, and a company since disconnected or linked elsewhere drops out.
 */
export async function listEndedCompaniesForViewer(viewer: Viewer): Promise<EndedCompany[]> {
  if (!viewer.sessionId) return [];
  const endedIds =
    viewer.endedCompanyIds ??
    (
      await db.session.findFirst({
        where: { id: viewer.sessionId, userId: viewer.userId },
        select: { endedCompanyIds: true },
      })
    )?.endedCompanyIds ??
    [];
  const inScope = new Set(scopeOf(viewer));
  const ended = endedIds
    .filter((id) => isUuid(id))
    .map((id) => id.toLowerCase())
    .filter((id) => !inScope.has(id));
  if (ended.length === 0) return [];
  const rows = await db.pleoConnection.findMany({
    where: { userId: viewer.userId, companyId: { in: ended } },
    select: { companyId: true, status: true, company: { select: { name: true } } },
    orderBy: [{ company: { name: "asc" } }, { companyId: "asc" }],
  });
  return rows.map((r) => ({ companyId: r.companyId, companyName: r.company.name, status: r.status }));
}

/** The ended company a page's `company` parameter names, if it is one of the viewer's (else null: "not found"). */
export async function endedCompanyNamed(
  viewer: Viewer,
  companyParam: string | string[] | null | undefined,
): Promise<EndedCompany | null> {
  const wanted = (Array.isArray(companyParam) ? companyParam[0] : companyParam)?.trim().toLowerCase();
  if (!wanted || !isUuid(wanted)) return null;
  return (await listEndedCompaniesForViewer(viewer)).find((c) => c.companyId === wanted) ?? null;
}
