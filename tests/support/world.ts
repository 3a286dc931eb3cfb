/**
 * A world: a sandbox, a fresh database set as the process database, the portal's configuration
 * pointed at both, and companies connected the way the product connects them (real tokens through the
 * sandbox's forms, stored by the connect flow's own write). What the unit suites and the benchmarks
 * start from. Every difference between suites is an option, stated where the world is created.
 */
import { randomBytes } from "node:crypto";
import { linkCompany, reconnectCompany } from "@/lib/connections/link";
import { DEFAULT_PLEO_SCOPES } from "@/lib/env";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { createLogger } from "@/lib/log";
import { timeZoneForCountry } from "@/lib/pleo/country";
import type { GrantedTokens } from "@/lib/pleo/oauth";
import { createTokenManager, type TokenManager, type TokenManagerOptions } from "@/lib/pleo/token-manager";
import type { Company } from "@/lib/pleo/types";
import { companyById } from "@/sandbox/seed/fixtures";
import type { SandboxTokenResponse } from "@/sandbox/testing";
import { createTestDatabase, type TestDatabase, type TestDatabaseKind } from "./db";
import { configurePortal, SANDBOX_CLIENT } from "./env";
import { sandboxTokens, startTestSandbox, TestClock, type TestSandbox, type TestSandboxOptions } from "./sandbox";

export type WorldOptions = {
  database: TestDatabaseKind;
  /**
   * Options to start a sandbox for this world (closed with it), or a running sandbox to share (reset to
   * its seed when the world starts, left running when it closes).
   */
  sandbox: TestSandboxOptions | TestSandbox;
  /** Companies connected at the start and again after every `reset()`. */
  companies?: string[];
  /** More portal configuration (see configurePortal), e.g. `{ PLEO_RATE_LIMIT_PER_MINUTE: "600" }`. */
  env?: Record<string, string>;
  /** Defaults for `tokenManager()`, e.g. short leases and backoffs. Its logger is silent unless set. */
  tokenManager?: Partial<TokenManagerOptions>;
};

export type World = {
  sandbox: TestSandbox;
  database: TestDatabase;
  prisma: PrismaClient;
  /** The portal's clock for token managers built here; `clock.advance()` moves the sandbox's too. */
  clock: TestClock;
  /** The token endpoint settings of this world's sandbox, for managers built by hand. */
  oauth: { authUrl: string; clientId: string; clientSecret: string };
  /** A new token manager (a new process's view) on this world's database, sandbox and clock. */
  tokenManager(overrides?: Partial<TokenManagerOptions>): TokenManager;
  /** Connect a company: a new portal user, Account, PleoCompany and encrypted connection. */
  connect(companyId: string, opts?: { now?: Date }): Promise<SandboxTokenResponse>;
  /** Reconnect a connected company: a new grant, CONNECTED again, tokenVersion + 1. */
  reconnect(companyId: string, opts?: { now?: Date }): Promise<SandboxTokenResponse>;
  /** Back to the start: sandbox at its seed, clocks together, no connections, `companies` connected again. */
  reset(): Promise<void>;
  /** Apply this world's portal configuration again, plus `overrides` (e.g. a wrong client secret). */
  configure(overrides?: Record<string, string>): void;
  close(): Promise<void>;
};

/** The company a link stores for a sandbox company, as sign-in builds it from Pleo's answer. */
export function companyFromFixture(companyId: string): Company {
  const f = companyById(companyId);
  if (!f) throw new Error(`Not a sandbox company: ${companyId}`);
  return {
    id: f.id,
    name: f.name,
    organizationId: f.organizationId,
    registrationNumber: f.registrationNumber,
    address: f.address,
    timeZone: timeZoneForCountry(f.address.country),
  };
}

function granted(t: SandboxTokenResponse): GrantedTokens {
  return { accessToken: t.access_token, refreshToken: t.refresh_token, expiresInSeconds: t.expires_in, scope: t.scope };
}

export async function createWorld(opts: WorldOptions): Promise<World> {
  const database = await createTestDatabase(opts.database, { processDatabase: true });
  const shared = "url" in opts.sandbox;
  let sandbox: TestSandbox;
  try {
    sandbox = "url" in opts.sandbox ? opts.sandbox : await startTestSandbox(opts.sandbox);
  } catch (err) {
    await database.drop();
    throw err;
  }
  // A shared sandbox is reset after the (slow) database setup: it may carry an earlier world's grants.
  if (shared) await sandbox.control.reset();
  const configure = (overrides: Record<string, string> = {}) =>
    configurePortal(sandbox.url, { ...opts.env, ...overrides });
  configure();

  const prisma = database.prisma;
  const clock = new TestClock(sandbox.control);
  const oauth = { authUrl: sandbox.url, ...SANDBOX_CLIENT };

  const connect: World["connect"] = async (companyId, { now = new Date(clock.now()) } = {}) => {
    const tokens = await sandboxTokens(sandbox, companyId);
    const user = await prisma.user.create({
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
  };

  const world: World = {
    sandbox,
    database,
    prisma,
    clock,
    oauth,
    tokenManager: (overrides = {}) =>
      createTokenManager({
        prisma,
        oauth,
        now: clock.now,
        logger: createLogger({ level: "silent" }),
        ...opts.tokenManager,
        ...overrides,
      }),
    connect,
    async reconnect(companyId, { now = new Date(clock.now()) } = {}) {
      const tokens = await sandboxTokens(sandbox, companyId);
      const row = await prisma.pleoConnection.findUniqueOrThrow({ where: { companyId }, select: { userId: true } });
      await reconnectCompany({
        userId: row.userId,
        company: companyFromFixture(companyId),
        tokens: granted(tokens),
        requestedScopes: DEFAULT_PLEO_SCOPES,
        now,
      });
      return tokens;
    },
    async reset() {
      await sandbox.control.reset();
      clock.reset();
      await prisma.pleoConnection.deleteMany();
      await prisma.account.deleteMany();
      await prisma.user.deleteMany();
      for (const id of opts.companies ?? []) await connect(id);
    },
    configure,
    async close() {
      await database.drop();
      if (!shared) await sandbox.close();
    },
  };
  try {
    for (const id of opts.companies ?? []) await connect(id);
  } catch (err) {
    await world.close();
    throw err;
  }
  return world;
}
