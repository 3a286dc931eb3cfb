import "server-only";

import { db } from "@/lib/db";
import type { ConnectionStatus } from "@/lib/pleo/types";

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

/** The user's linked companies, by company name. */
export async function listConnectionsForUser(userId: string): Promise<ConnectionSummary[]> {
  const rows = await db.pleoConnection.findMany({
    where: { userId },
    select: summarySelect,
    orderBy: [{ company: { name: "asc" } }, { companyId: "asc" }],
  });
  return rows.map(toSummary);
}

/** One linked company, only if it belongs to this user (the ownership check for pages and actions). */
export async function getConnectionForUser(userId: string, companyId: string): Promise<ConnectionSummary | null> {
  // Malformed ids are "not yours", not a database error (companyId is a uuid column).
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(companyId)) return null;
  const row = await db.pleoConnection.findFirst({
    where: { userId, companyId: companyId.toLowerCase() },
    select: summarySelect,
  });
  return row ? toSummary(row) : null;
}
