/**
 * Connection and Disconnection rows written straight to a test database (not through the module under
 * test), for suites of the token store and what builds on it: each row gets its own user, account and
 * company, sealed tokens bound to that company, and whatever columns `over` sets.
 */
import { randomUUID } from "node:crypto";
import { encryptToken } from "@/lib/crypto";
import type { PrismaClient } from "@/lib/generated/prisma/client";

export const TOKEN_ROWS_T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
/** A time `ms` after TOKEN_ROWS_T0. */
export const at = (ms: number): Date => new Date(TOKEN_ROWS_T0 + ms);

export function tokenRows(prisma: PrismaClient) {
  /** Every row these helpers write, gone (and whatever else is in those tables). */
  async function clear() {
    await prisma.disconnection.deleteMany();
    await prisma.pleoConnection.deleteMany();
    await prisma.account.deleteMany();
    await prisma.user.deleteMany();
    await prisma.pleoCompany.deleteMany();
  }

  /** A user, account and company a connection row can point at. */
  async function owner(companyId: string = randomUUID()) {
    const user = await prisma.user.create({ data: { email: `${randomUUID()}@portal.test` } });
    const account = await prisma.account.create({
      data: { userId: user.id, type: "oauth", provider: "pleo", providerAccountId: randomUUID() },
    });
    await prisma.pleoCompany.create({ data: { id: companyId, name: "Co" } });
    return { userId: user.id, accountId: account.id, companyId };
  }

  /** A CONNECTED row with sealed tokens (the process key ring), issued at `at(0)`, with `over` applied. */
  async function connection(over: Record<string, unknown> = {}, companyId: string = randomUUID()) {
    const link = await owner(companyId);
    const access = `access-${randomUUID()}`;
    const refresh = `refresh-${randomUUID()}`;
    const row = await prisma.pleoConnection.create({
      data: {
        ...link,
        scopes: ["expenses:read"],
        accessTokenEnc: await encryptToken(access, { companyId, field: "access_token" }),
        refreshTokenEnc: await encryptToken(refresh, { companyId, field: "refresh_token" }),
        accessTokenExpiresAt: at(600_000),
        refreshTokenIssuedAt: at(0),
        statusChangedAt: at(0),
        ...over,
      },
    });
    return { row, access, refresh, companyId };
  }

  /** A disconnected company's row, pending its uninstall, with `over` applied (no tokens unless given). */
  function disconnection(companyId: string, over: Record<string, unknown> = {}) {
    return prisma.disconnection.create({
      data: {
        companyId,
        companyName: "Gone Co",
        userId: "someone",
        keepData: true,
        entryCount: 0,
        uninstallStatus: "pending",
        ...over,
      },
    });
  }

  return { clear, owner, connection, disconnection };
}
