/**
 * Shared setup for lib/pleo suites: real sandbox over HTTP, real database, real tokens obtained by
 * walking the sandbox's login + consent forms, stored the way the connect flow stores them.
 */
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";

// Before anything reads configuration: fixed test keys instead of generated dev secrets on disk.
export const TEST_ENCRYPTION_KEYS = `test1:${randomBytes(32).toString("base64url")}`;
process.env.TOKEN_ENCRYPTION_KEYS ??= TEST_ENCRYPTION_KEYS;
process.env.AUTH_SECRET ??= randomBytes(32).toString("base64url");

import { linkCompany, reconnectCompany } from "@/lib/connections/link";
import type { GrantedTokens } from "@/lib/pleo/oauth";
import { setDatabaseForProcess } from "@/lib/db";
import type { Database } from "@/lib/db/connect";
import { DEFAULT_PLEO_SCOPES } from "@/lib/env";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { Company } from "@/lib/pleo/types";
import { createLogger, type Logger } from "@/lib/log";
import { createTokenManager, type TokenManagerOptions } from "@/lib/pleo/token-manager";
import { startSandbox, type RunningSandbox } from "@/sandbox/server";
import { companyById, SOLO_USER, DEMO_USER } from "@/sandbox/seed/fixtures";
import { getTokensForCompany, type SandboxTokenResponse } from "@/sandbox/testing";

export const SANDBOX_CLIENT = { clientId: "sandbox-portal", clientSecret: "sandbox-portal-secret" };

export async function startTestSandbox(): Promise<RunningSandbox> {
  // Small data: these suites test tokens and the client, not search depth.
  return startSandbox({ port: 0, entries: 300 });
}

/** The portal's clock, moved together with the sandbox clock so both agree a token expired. */
export class TestClock {
  offsetMs = 0;
  now = () => Date.now() + this.offsetMs;
  constructor(private readonly sandboxUrl: string) {}

  /** Advance both the sandbox and the portal clock. */
  async advance(seconds: number): Promise<void> {
    await control(this.sandboxUrl, "/__sandbox/clock", { advanceSeconds: seconds });
    this.offsetMs += seconds * 1000;
  }

  /** Advance only the portal clock (e.g. to pass a backoff or a lease). */
  advancePortal(ms: number): void {
    this.offsetMs += ms;
  }
}

export async function control(sandboxUrl: string, path: string, body?: unknown, method = "POST"): Promise<unknown> {
  const res = await fetch(`${sandboxUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`sandbox control ${path} failed: ${JSON.stringify(json)}`);
  return json;
}

export type SandboxStats = {
  tokenRequests: { authorization_code: number; refresh_token: number };
  refreshReuseDetected: number;
  grantsRevoked: number;
  introspections: number;
  apiRequests: number;
  apiRequestsByPath: Record<string, number>;
  rateLimited: number;
  faultsApplied: number;
};

export async function stats(sandboxUrl: string): Promise<SandboxStats> {
  const res = await fetch(`${sandboxUrl}/__sandbox/stats`);
  return (await res.json()) as SandboxStats;
}

export const fault = (
  sandboxUrl: string,
  f: { path: string; status?: number; latencyMs?: number; times?: number; rate?: number; reset?: true },
) => control(sandboxUrl, "/__sandbox/faults", f);
export const clearFaults = (sandboxUrl: string) => control(sandboxUrl, "/__sandbox/faults", undefined, "DELETE");

export function userFor(companyId: string) {
  return SOLO_USER.companyIds.includes(companyId) ? SOLO_USER : DEMO_USER;
}

export async function sandboxTokens(sandboxUrl: string, companyId: string): Promise<SandboxTokenResponse> {
  const user = userFor(companyId);
  return getTokensForCompany({ sandboxUrl, companyId, email: user.email, password: user.password });
}

function companyFromFixture(companyId: string): Company {
  const f = companyById(companyId)!;
  return {
    id: f.id,
    name: f.name,
    organizationId: f.organizationId,
    registrationNumber: f.registrationNumber,
    address: f.address,
  };
}

function granted(t: SandboxTokenResponse): GrantedTokens {
  return { accessToken: t.access_token, refreshToken: t.refresh_token, expiresInSeconds: t.expires_in, scope: t.scope };
}

/**
 * Connect a sandbox company the way the product does: real tokens through the sandbox's forms, then the
 * connect flow's own write (lib/connections linkCompany: Account + PleoCompany + encrypted connection).
 * Points the process `db` at `database` (the connect flow writes through it).
 */
export async function seedConnection(
  database: Database,
  sandboxUrl: string,
  companyId: string,
  now = new Date(),
): Promise<SandboxTokenResponse> {
  setDatabaseForProcess(database);
  const tokens = await sandboxTokens(sandboxUrl, companyId);
  const user = await database.prisma.user.create({
    data: { email: `${randomBytes(4).toString("hex")}@portal.test`, name: "Test Admin" },
  });
  await linkCompany({
    userId: user.id,
    company: companyFromFixture(companyId),
    tokens: granted(tokens),
    requestedScopes: DEFAULT_PLEO_SCOPES,
    now,
  });
  return tokens;
}

/** Reconnect through the connect flow (lib/connections reconnectCompany): new grant, CONNECTED, tokenVersion bumped. */
export async function reconnect(
  database: Database,
  sandboxUrl: string,
  companyId: string,
  now = new Date(),
): Promise<SandboxTokenResponse> {
  setDatabaseForProcess(database);
  const tokens = await sandboxTokens(sandboxUrl, companyId);
  const row = await database.prisma.pleoConnection.findUniqueOrThrow({
    where: { companyId },
    select: { userId: true },
  });
  await reconnectCompany({
    userId: row.userId,
    company: companyFromFixture(companyId),
    tokens: granted(tokens),
    requestedScopes: DEFAULT_PLEO_SCOPES,
    now,
  });
  return tokens;
}

/** Empty the connection tables between tests (one database per file keeps suites fast). */
export async function resetConnections(prisma: PrismaClient): Promise<void> {
  await prisma.pleoConnection.deleteMany();
  await prisma.account.deleteMany();
  await prisma.user.deleteMany();
}

/** A logger whose JSON lines are kept for assertions. */
export function captureLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ level: "debug", destination: stream });
  const text = () => chunks.join("");
  return {
    logger,
    text,
    lines: () =>
      text()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export function managerFor(
  prisma: PrismaClient,
  sandboxUrl: string,
  clock: TestClock,
  overrides: Partial<TokenManagerOptions> = {},
) {
  return createTokenManager({
    prisma,
    oauth: { authUrl: sandboxUrl, ...SANDBOX_CLIENT },
    now: clock.now,
    logger: createLogger({ level: "silent" }),
    ...overrides,
  });
}

/** Call the API with a token: 200 means Pleo (the sandbox) accepts it. */
export async function tokenWorks(sandboxUrl: string, token: string): Promise<boolean> {
  const res = await fetch(`${sandboxUrl}/v1/introspect`, { headers: { authorization: `Bearer ${token}` } });
  return res.status === 200;
}
