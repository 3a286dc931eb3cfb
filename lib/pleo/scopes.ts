import { endpoints } from "@/lib/pleo/endpoints";

/**
 * The OAuth scopes the portal needs, and what stops working without each: the settings page compares
 * them with what Pleo granted. "Needed" is derived from the endpoint list (every scope an entry
 * declares), so a new endpoint with a new scope shows up here by itself; its consequence is written
 * below (a scope without one reads "Some data the portal syncs is not available").
 */

export const NEEDED_SCOPES: readonly string[] = [
  ...new Set(Object.values(endpoints).flatMap((e) => (e.scope ? [e.scope] : []))),
].sort();

const WITHOUT: Record<string, string> = {
  "accounting-entries:read": "Expenses are not synced: the dashboard stays empty and exports have nothing to export.",
  "users:read": "Employee names are missing from expenses, filters and breakdowns.",
  "companies:read": "The company's name and address are not kept up to date.",
  "accounts:read": "Categories (the chart of accounts) are missing: expenses show as uncategorised.",
  "tag-groups:read": "Tags are missing from expenses and their detail.",
  "tax-codes:read": "Tax codes show without their names and rates in an expense's detail and the CSV export.",
};

export type ScopeCheck = { scope: string; granted: boolean; withoutIt: string };

/** Each needed scope, whether it was granted, and what is lost without it. */
export function checkScopes(granted: readonly string[]): ScopeCheck[] {
  const have = new Set(granted);
  return NEEDED_SCOPES.map((scope) => ({
    scope,
    granted: have.has(scope),
    withoutIt: WITHOUT[scope] ?? "Some data the portal syncs is not available.",
  }));
}
