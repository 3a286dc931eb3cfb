"use server";

import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import { z } from "zod";
import type { SyncNowState } from "@/components/dashboard/sync-now-button";
import { getCurrentUser } from "@/lib/auth/session";
import { getConnectionForViewer } from "@/lib/connections/queries";
import { overActionLimit } from "@/lib/limits/action-limit";
import { logger } from "@/lib/log";
import { addToLogContext, withRequestLogContext } from "@/lib/log-context";
import { requestSync } from "@/lib/sync/trigger";

const SyncNowInput = z.object({ companyId: z.uuid() });

/**
 * "Sync now": validate, count it against the session's limit (README → Security → Abuse limits), check
 * the caller owns the connection, then start a manual sync. The run's log
 * lines carry this request's id (it starts inside the request's log scope).
 */
export async function syncNowAction(prev: SyncNowState, formData: FormData): Promise<SyncNowState> {
  return withRequestLogContext(await headers(), () => syncNow(prev, formData));
}

async function syncNow(_prev: SyncNowState, formData: FormData): Promise<SyncNowState> {
  const user = await getCurrentUser();
  if (!user) return { status: "error", message: "Your session has ended. Sign in again." };
  const parsed = SyncNowInput.safeParse({ companyId: formData.get("companyId") });
  if (!parsed.success) return { status: "error", message: "That company is not known." };
  const limited = await overActionLimit("sync");
  if (limited) return { status: "error", message: limited };
  const connection = await getConnectionForViewer(user, parsed.data.companyId);
  if (!connection) return { status: "error", message: "That company is not connected to your account." };
  addToLogContext({ companyId: connection.companyId });
  if (connection.status !== "CONNECTED")
    return { status: "error", message: "Reconnect the company to Pleo before syncing." };
  try {
    const result = await requestSync(connection.companyId, "manual");
    revalidatePath("/dashboard");
    return result.started
      ? { status: "started", message: "Sync started." }
      : { status: "info", message: result.reason ?? "A sync is already running." };
  } catch (err) {
    logger().error({ module: "dashboard", companyId: connection.companyId, err }, "sync now failed");
    return { status: "error", message: "The sync could not be started. Try again in a moment." };
  }
}
