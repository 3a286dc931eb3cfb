import "server-only";

import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { logger } from "@/lib/log";
import { processSlot } from "@/lib/process-singleton";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import {
  createTokenManager,
  type KeepAliveReport,
  type TokenManager,
  type TokenManagerOptions,
} from "@/lib/pleo/token-manager";

/**
 * The portal's one entry point for Pleo access tokens (server-only), wired to the process database,
 * configuration and logger. The logic and its crash-safety rules live in token-manager.ts; tests and
 * scripts build their own manager there with an injected database.
 */

export { createTokenManager, type KeepAliveReport, type TokenManager, type TokenManagerOptions };

const slot = processSlot<TokenManager>("pleo-token-manager");

/** Build a manager on any Prisma client with the process configuration (scripts, tests). */
export function tokenManagerFor(prisma: PrismaClient, overrides: Partial<TokenManagerOptions> = {}): TokenManager {
  const e = env();
  return createTokenManager({
    prisma,
    oauth: { authUrl: e.PLEO_AUTH_URL, clientId: e.PLEO_CLIENT_ID, clientSecret: e.PLEO_CLIENT_SECRET },
    logger: logger().child({ component: "pleo-tokens" }),
    ...overrides,
  });
}

/** The process-wide manager: one per process, so its single-flight map covers every caller. */
export function tokenManager(): TokenManager {
  return slot.getOrCreate(() => tokenManagerFor(db as unknown as PrismaClient));
}

/** Tests and scripts: forget the process manager after changing the configuration or the database. */
export function resetTokenManagerForProcess(): void {
  slot.set(undefined);
}

export function getAccessToken(
  companyId: string,
  opts?: { forceRefresh?: boolean; rejectedToken?: string },
): Promise<string> {
  return tokenManager().getAccessToken(companyId, opts);
}

export function keepAliveIdleConnections(opts: { olderThanDays?: number } = {}): Promise<KeepAliveReport> {
  return tokenManager().keepAliveIdleConnections({ olderThanDays: opts.olderThanDays ?? env().TOKEN_KEEPALIVE_DAYS });
}
