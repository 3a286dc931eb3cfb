import "server-only";

import { db } from "@/lib/db";
import { isUuid } from "@/lib/ids";
import type { ConnectionStatus } from "@/lib/pleo/types";
import { getCurrentUser } from "@/lib/auth/session";

/**
 * Company ids a read may return (lib/auth/session-scope.ts). Omitted: the current session's scope,
 * and nothing when the current session is not this user's (scripts and tests pass it explicitly).
 */
export type CompanyScope = readonly string[];

async function scopeOrCurrent(userId: string, scope: CompanyScope | undefined): Promise<string[]> {
  if (scope) return scope.map((id) => id.toLowerCase());
  const current = await getCurrentUser();
  return current?.id === userId ? current.companyIds.map((id) => id.toLowerCase()) : [];
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
};

// Explicit column list: encrypted tokens are never even read for listings.
const summarySelect = {
  id: true,
  companyId: true,
  status: true,
  statusReason: true,
  scopes: true,
  connectedAt: true,
  company: { select: { name: true, currency: true } },
} as const;

type SummaryRow = {
  id: string;
  companyId: string;
  status: ConnectionStatus;
  statusReason: string | null;
  scopes: string[];
  connectedAt: Date;
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
  };
}

/** The user's linked companies that the session may see, by company name. */
export async function listConnectionsForUser(userId: string, scope?: CompanyScope): Promise<ConnectionSummary[]> {
  const companyIds = (await scopeOrCurrent(userId, scope)).filter((id) => isUuid(id));
  if (companyIds.length === 0) return [];
  const rows = await db.pleoConnection.findMany({
    where: { userId, companyId: { in: companyIds } },
    select: summarySelect,
    orderBy: [{ company: { name: "asc" } }, { companyId: "asc" }],
  });
  return rows.map(toSummary);
}

/**
 * One linked company, only if it belongs to this user and is in the session's scope (the ownership
 * check for pages and actions).
 */
export async function getConnectionForUser(
  userId: string,
  companyId: string,
  scope?: CompanyScope,
): Promise<ConnectionSummary | null> {
  // Malformed ids are "not yours", not a database error (companyId is a uuid column).
  if (!isUuid(companyId)) return null;
  const wanted = companyId.toLowerCase();
  if (!(await scopeOrCurrent(userId, scope)).includes(wanted)) return null;
  const row = await db.pleoConnection.findFirst({
    where: { userId, companyId: wanted },
    select: summarySelect,
  });
  return row ? toSummary(row) : null;
}

/** How many of the user's linked companies lie outside the session's scope (settings shows the count only). */
export async function countConnectionsOutsideScope(userId: string, scope?: CompanyScope): Promise<number> {
  const companyIds = (await scopeOrCurrent(userId, scope)).filter((id) => isUuid(id));
  return db.pleoConnection.count({ where: { userId, companyId: { notIn: companyIds } } });
}
