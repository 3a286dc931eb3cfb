import "server-only";

import {
  attemptUninstall,
  createDisconnection,
  type AttemptResult,
  type UninstallStatus,
} from "@/lib/connections/disconnections";
import { unlinkCompany } from "@/lib/connections/link";
import type { ConnectionSummary } from "@/lib/connections/queries";
import { removeCompanyFromSessions } from "@/lib/connections/session-scope";
import { db } from "@/lib/db";
import { WAIT_FOR_TURN } from "@/lib/db/transactions";
import { byUser, recordEventIn } from "@/lib/pleo/activity";
import { moveGrantToDisconnection } from "@/lib/pleo/token-store";
import type { UninstallDeps } from "@/lib/pleo/uninstall";
import { countStoredEntries, deleteCompanyData } from "@/lib/sync/company-data";
import { freezeForDisconnect } from "@/lib/sync/state";
import { stopSync } from "@/lib/sync/trigger";

/**
 * Disconnecting a company (README "Settings"). In the portal, in one transaction: the disconnect is
 * recorded (with the grant's sealed tokens moved onto it, for the uninstall only), the link and the
 * connection with its tokens are deleted, the company leaves every portal session that holds it, its
 * schedule stops, and its synced data is either deleted or kept as it is (read-only: nothing syncs it,
 * and it shows again only if the company is connected again). Then the uninstall at Pleo
 * (`DELETE /v1/installations/me`, which revokes Pleo's tokens) is attempted at once; if Pleo cannot be
 * reached the disconnect has still happened, and the uninstall stays pending for the background retry
 * and the page's "Retry now" (lib/connections/disconnections.ts).
 */

export class AlreadyDisconnectedError extends Error {
  constructor(readonly companyId: string) {
    super(`company ${companyId} is not connected (any more)`);
    this.name = "AlreadyDisconnectedError";
  }
}

export type DisconnectResult = {
  disconnectionId: string;
  entryCount: number;
  keepData: boolean;
  /** Where the uninstall at Pleo stands after the first attempt. */
  uninstall: UninstallStatus;
  detail: string;
};

export async function disconnectCompany(
  input: {
    connection: ConnectionSummary;
    userId: string;
    sessionId: string | null;
    keepData: boolean;
    now?: Date;
  },
  opts: { uninstall?: Partial<UninstallDeps> } = {},
): Promise<DisconnectResult> {
  const { connection, userId, keepData } = input;
  const { companyId } = connection;
  const now = input.now ?? new Date();
  // A run of this process stops after its page; one elsewhere loses its lease below and stops too.
  await stopSync(companyId);
  const { total } = await countStoredEntries(companyId, null);

  const disconnectionId = await db.$transaction(
    async (tx) => {
      const id = await createDisconnection(tx, {
        companyId,
        companyName: connection.companyName,
        userId,
        sessionId: input.sessionId,
        keepData,
        entryCount: total,
        now,
      });
      await moveGrantToDisconnection(tx, companyId, id);
      if (!(await unlinkCompany(tx, companyId, userId))) throw new AlreadyDisconnectedError(companyId);
      await removeCompanyFromSessions(tx, companyId);
      if (keepData) await freezeForDisconnect(tx, companyId);
      else await deleteCompanyData(tx, companyId);
      await recordEventIn(tx, {
        companyId,
        type: "disconnected",
        actor: byUser(userId),
        detail: keepData
          ? `Disconnected; ${total} synced entries kept read-only until the company is connected again.`
          : `Disconnected; ${total} synced entries and the company's other synced data deleted.`,
        at: now,
      });
      return id;
    },
    { ...WAIT_FOR_TURN, timeout: 120_000 },
  );

  const attempt: AttemptResult = await attemptUninstall(disconnectionId, {
    actor: byUser(userId),
    deps: opts.uninstall,
  });
  return {
    disconnectionId,
    entryCount: total,
    keepData,
    uninstall: attempt.claimed ? attempt.status : "pending",
    detail: attempt.claimed ? attempt.detail : "The uninstall at Pleo is in progress.",
  };
}
