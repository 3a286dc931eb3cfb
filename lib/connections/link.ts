import "server-only";

import { db } from "@/lib/db";
import { WAIT_FOR_TURN } from "@/lib/db/transactions";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { Company } from "@/lib/pleo/types";
import { onCompanyConnected } from "@/lib/connections/events";
import { cancelPendingUninstalls } from "@/lib/connections/disconnections";
import { byUser, recordEventIn } from "@/lib/pleo/activity";
import type { GrantedTokens } from "@/lib/pleo/oauth";
import { insertConnection, sealGrant, storeReconnectGrant } from "@/lib/pleo/token-store";
import { addCompanyToSession } from "@/lib/connections/session-scope";

/**
 * lib/connections owns the link between portal accounts and Pleo companies: linking and reconnecting
 * (this file, also unlinking), which companies a session may see (session-scope.ts), the page reads
 * filtered by that scope (queries.ts), the "company connected" hooks (events.ts), the installation at
 * Pleo (installation.ts), the settings columns (settings.ts) and disconnect records with their uninstall
 * retries (disconnections.ts). It may import lib/pleo, lib/db and the shared lib/*.ts modules, never
 * lib/auth (sign-in calls in here, not the reverse), lib/sync (it attaches through events.ts),
 * lib/expenses or lib/settings; eslint.config.mjs enforces this.
 *
 * Writes of the connect flow: link a new company to a user, or reconnect one the user already has.
 * The next-auth Account row only records the link (provider "pleo", providerAccountId = company id);
 * the grant's tokens go, encrypted, to PleoConnection. Each write is one transaction, which also records
 * the event in the connection's activity log (who did it: the owning portal user) and cancels an
 * uninstall still pending from an earlier disconnect of the company (it would remove the new installation).
 */

/** next-auth's provider id for Pleo, and so the `provider` of every Account link row. */
export const PLEO_PROVIDER_ID = "pleo";

export class CompanyLinkedElsewhereError extends Error {
  constructor(public readonly companyId: string) {
    super(`Pleo company ${companyId} is already connected to another portal account`);
    this.name = "CompanyLinkedElsewhereError";
  }
}

export type LinkInput = {
  userId: string;
  company: Company;
  tokens: GrantedTokens;
  /** Configured PLEO_SCOPES, used when the token response names none. */
  requestedScopes: string;
  /**
   * Token of the signed-in session this connect happened in: the company joins that session's scope
   * in the same transaction (lib/connections/session-scope.ts). Null/absent when the visitor was signed out
   * (the session next-auth creates afterwards gets its scope from the adapter).
   */
  addToSession?: string | null;
  now?: Date;
};

async function addToSessionScope(tx: Prisma.TransactionClient, input: LinkInput): Promise<void> {
  if (!input.addToSession) return;
  await addCompanyToSession(tx, {
    sessionToken: input.addToSession,
    userId: input.userId,
    companyId: input.company.id,
  });
}

/** Who the company is linked to, if anyone. */
export async function findCompanyOwner(companyId: string): Promise<string | null> {
  const account = await db.account.findUnique({
    where: { provider_providerAccountId: { provider: PLEO_PROVIDER_ID, providerAccountId: companyId } },
    select: { userId: true },
  });
  return account?.userId ?? null;
}

function companyData(company: Company) {
  return {
    name: company.name,
    organizationId: company.organizationId,
    registrationNumber: company.registrationNumber,
    country: company.address?.country ?? null,
    // Prisma wants an explicit JSON value; undefined leaves the column as it is.
    address: (company.address ?? undefined) as Prisma.InputJsonValue | undefined,
  };
}

async function upsertCompany(tx: Prisma.TransactionClient, company: Company) {
  await tx.pleoCompany.upsert({
    where: { id: company.id },
    create: { id: company.id, ...companyData(company) },
    // Keep `currency`: it is learnt by sync, not by the connect flow.
    update: companyData(company),
  });
}

/** A company no one has linked yet: create the Account link and its connection. */
export async function linkCompany(input: LinkInput): Promise<{ accountId: string; connectionId: string }> {
  const now = input.now ?? new Date();
  const sealed = await sealGrant(input.tokens, input.requestedScopes, input.company.id, now);
  const result = await db.$transaction(async (tx) => {
    const taken = await tx.account.findUnique({
      where: { provider_providerAccountId: { provider: PLEO_PROVIDER_ID, providerAccountId: input.company.id } },
      select: { userId: true },
    });
    if (taken && taken.userId !== input.userId) throw new CompanyLinkedElsewhereError(input.company.id);
    if (taken) throw new Error(`Pleo company ${input.company.id} is already linked to this user; reconnect it instead`);
    await upsertCompany(tx, input.company);
    const account = await tx.account.create({
      data: {
        userId: input.userId,
        type: "oauth",
        provider: PLEO_PROVIDER_ID,
        providerAccountId: input.company.id,
        // Tokens never live here (see schema): only non-secret grant facts.
        token_type: "bearer",
        scope: sealed.scopes.join(" "),
      },
      select: { id: true },
    });
    const connection = await insertConnection(
      tx,
      { userId: input.userId, accountId: account.id, companyId: input.company.id },
      sealed,
      now,
    );
    await addToSessionScope(tx, input);
    const cancelled = await cancelPendingUninstalls(tx, input.company.id);
    const before = cancelled > 0 || (await tx.disconnection.count({ where: { companyId: input.company.id } })) > 0;
    await recordEventIn(tx, {
      companyId: input.company.id,
      type: "connected",
      actor: byUser(input.userId),
      detail: before
        ? "Connected again: a fresh connection with default settings; data kept at the last disconnect is shown again."
        : `Connected with ${sealed.scopes.length} scopes.`,
      at: now,
    });
    return { accountId: account.id, connectionId: connection.id };
  }, WAIT_FOR_TURN);
  await onCompanyConnected(input.company.id);
  return result;
}

/**
 * A company this user already has: store the new grant (the old refresh token is dropped), mark it
 * CONNECTED, clear any "needs reconnect" reason and bump tokenVersion so a refresh that started with
 * the old tokens cannot overwrite the new ones. Synced data is untouched.
 */
export async function reconnectCompany(input: LinkInput): Promise<{ connectionId: string }> {
  const now = input.now ?? new Date();
  const sealed = await sealGrant(input.tokens, input.requestedScopes, input.company.id, now);
  const result = await db.$transaction(async (tx) => {
    const account = await tx.account.findUnique({
      where: { provider_providerAccountId: { provider: PLEO_PROVIDER_ID, providerAccountId: input.company.id } },
      select: { id: true, userId: true },
    });
    if (!account) throw new Error(`Pleo company ${input.company.id} is not linked; link it instead`);
    if (account.userId !== input.userId) throw new CompanyLinkedElsewhereError(input.company.id);
    await upsertCompany(tx, input.company);
    await tx.account.update({ where: { id: account.id }, data: { scope: sealed.scopes.join(" ") } });
    const current = await tx.pleoConnection.findUnique({
      where: { accountId: account.id },
      select: { id: true, status: true },
    });
    await addToSessionScope(tx, input);
    await cancelPendingUninstalls(tx, input.company.id);
    await recordEventIn(tx, {
      companyId: input.company.id,
      type: "reconnected",
      actor: byUser(input.userId),
      detail:
        current && current.status !== "CONNECTED"
          ? "Reconnected: Pleo's new authorisation replaces the one that stopped working; synced data and settings are kept."
          : "Reconnected: Pleo's new authorisation replaces the previous one; synced data and settings are kept.",
      at: now,
    });
    if (!current) {
      // An Account without its connection (should not happen; heal it rather than fail the sign-in).
      const created = await insertConnection(
        tx,
        { userId: input.userId, accountId: account.id, companyId: input.company.id },
        sealed,
        now,
      );
      return { connectionId: created.id };
    }
    await storeReconnectGrant(tx, current, sealed, now);
    return { connectionId: current.id };
  }, WAIT_FOR_TURN);
  await onCompanyConnected(input.company.id);
  return result;
}

/**
 * Disconnect, inside the caller's transaction: the Account link of the company goes, and with it (the
 * foreign key cascades) the connection row and its tokens. Only `userId`'s own link; false when there
 * was none (already disconnected). The company and its synced data stay unless the caller deletes them.
 */
export async function unlinkCompany(tx: Prisma.TransactionClient, companyId: string, userId: string): Promise<boolean> {
  const r = await tx.account.deleteMany({
    where: { provider: PLEO_PROVIDER_ID, providerAccountId: companyId, userId },
  });
  return r.count === 1;
}
