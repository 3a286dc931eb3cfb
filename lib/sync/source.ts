import "server-only";

import type { PleoClient } from "@/lib/pleo/client";

/**
 * The part of the Pleo client the sync reads from. Naming the subset keeps the sync's dependency
 * explicit (and lets a benchmark or test hand in a client built with its own limiter or tokens).
 */
export type SyncSource = Pick<
  PleoClient,
  | "getCompany"
  | "listEmployees"
  | "listTeams"
  | "listAccounts"
  | "listTagGroups"
  | "listTags"
  | "listTaxCodes"
  | "searchAccountingEntries"
>;

/** The production source: the DB-backed client for a linked company (tokens refreshed as needed). */
export async function sourceForCompany(companyId: string): Promise<SyncSource> {
  const { pleoClient } = await import("@/lib/pleo/client");
  return pleoClient(companyId);
}
