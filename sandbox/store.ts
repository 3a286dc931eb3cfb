/**
 * All mutable sandbox state, in memory: seeded company data with its search indexes, OAuth state
 * (authorization requests, sessions, codes, grants, tokens), installations, rate-limit windows,
 * faults and counters. `reset()` brings everything back to the seed.
 */
import { randomBytes } from "node:crypto";
import { Clock } from "./clock";
import { resolveOptions, type SandboxOptions } from "./config";
import type { CompanyData, EntryRec } from "./model";
import { deriveSeed, mulberry32, type Rng } from "./rng";
import { EntryIndex } from "./search/entry-index";
import { COMPANIES, type Scope } from "./seed/fixtures";
import { generateCompany, type GenContext } from "./seed/generate";

export class CompanyState {
  readonly index: EntryIndex;
  /** Bumped on every data change; keys the filtered-count cache. */
  version = 0;
  deletedCount: number;
  readonly countCache = new Map<string, number>();

  constructor(readonly ctx: GenContext) {
    this.index = new EntryIndex(ctx.data.entries);
    this.deletedCount = ctx.data.entries.reduce((n, e) => n + (e.deletedAt !== null ? 1 : 0), 0);
  }

  get data(): CompanyData {
    return this.ctx.data;
  }

  get id(): string {
    return this.ctx.data.fixture.id;
  }

  private touched(): void {
    this.version++;
    this.countCache.clear();
  }

  addEntry(e: EntryRec): void {
    const pos = this.data.entries.length;
    this.data.entries.push(e);
    this.data.byId.set(e.id, pos);
    this.index.insert(pos);
    if (e.deletedAt !== null) this.deletedCount++;
    this.touched();
  }

  /** Apply `change` to the entry at `pos`, keeping indexes sorted and counters right. */
  updateEntry(pos: number, change: (e: EntryRec) => void): void {
    const e = this.data.entries[pos];
    const before = { performedAt: e.performedAt, settledAt: e.settledAt, bookkeepingDate: e.bookkeepingDate };
    const wasDeleted = e.deletedAt !== null;
    change(e);
    this.index.update(pos, before);
    this.deletedCount += (e.deletedAt !== null ? 1 : 0) - (wasDeleted ? 1 : 0);
    this.touched();
  }
}

export interface AuthRequest {
  id: string;
  clientId: string;
  redirectUri: string;
  scope: Scope[];
  state: string | undefined;
  codeChallenge: string;
  /** Company preselected via urn_pleo_params_oauth_subject. */
  subjectCompanyId: string | undefined;
  userId: string | undefined;
  expiresAt: number;
}

export interface Session {
  id: string;
  userId: string;
  expiresAt: number;
}

export interface AuthCode {
  code: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scope: Scope[];
  companyId: string;
  userId: string;
  expiresAt: number;
  used: boolean;
  /** Grant created when the code was exchanged (revoked if the code is replayed). */
  grantId: string | undefined;
}

export interface Grant {
  id: string;
  clientId: string;
  companyId: string;
  userId: string;
  scope: Scope[];
  createdAt: number;
  revoked: boolean;
  tokens: string[];
}

export interface TokenRec {
  value: string;
  kind: "access" | "refresh";
  grantId: string;
  clientId: string;
  companyId: string;
  userId: string;
  scope: Scope[];
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
  /** Refresh tokens: replaced by a newer one (presenting it again is reuse). */
  rotated: boolean;
  jti: string;
}

export type InstallationStatus = "ACTIVATED" | "INACTIVE" | "AUTHORIZED" | "PENDING_INTEGRATION" | "ERROR";

export interface Installation {
  id: string;
  clientId: string;
  companyId: string;
  status: InstallationStatus;
  errorCode: "NOT_ENTITLED" | "AUTH_ERROR" | null;
  metadata: Record<string, unknown> | null;
  createdAt: number;
  updatedAt: number;
}

export interface Fault {
  id: number;
  path: string;
  status: number | undefined;
  latencyMs: number | undefined;
  rate: number;
  timesLeft: number | undefined;
  reset: boolean;
}

export function emptyStats() {
  return {
    tokenRequests: { authorization_code: 0, refresh_token: 0, other: 0 },
    tokenErrors: {} as Record<string, number>,
    tokensIssued: 0,
    codeReplays: 0,
    refreshReuseDetected: 0,
    grantsRevoked: 0,
    authorizeRequests: 0,
    logins: 0,
    failedLogins: 0,
    consents: { allowed: 0, denied: 0 },
    introspections: 0,
    apiRequests: 0,
    apiRequestsByPath: {} as Record<string, number>,
    apiResponsesByStatus: {} as Record<string, number>,
    rateLimited: 0,
    faultsApplied: 0,
    receiptFileRequests: 0,
  };
}
export type Stats = ReturnType<typeof emptyStats>;

/**
 * Authenticated API requests in a sliding 60 s window (sandbox clock), with the largest count any
 * window held: what Pleo's "requests per minute" means, measured exactly rather than per fixed minute.
 */
export class MinuteWindow {
  private times: number[] = [];
  private start = 0;
  requests = 0;
  maxInAnyMinute = 0;

  record(now: number): void {
    this.requests++;
    this.times.push(now);
    while (this.times[this.start] <= now - 60_000) this.start++;
    if (this.start > 1024) {
      this.times = this.times.slice(this.start);
      this.start = 0;
    }
    this.maxInAnyMinute = Math.max(this.maxInAnyMinute, this.times.length - this.start);
  }
}

export class SandboxState {
  readonly clock = new Clock();
  /** Options as configured at start; `config` is the live copy the control API can change. */
  readonly initial: SandboxOptions;
  config: SandboxOptions;
  /** Sandbox time the seed was generated for; reset regenerates the same data. */
  readonly anchor: number;
  companies = new Map<string, CompanyState>();
  rng: Rng;

  authRequests = new Map<string, AuthRequest>();
  sessions = new Map<string, Session>();
  codes = new Map<string, AuthCode>();
  grants = new Map<string, Grant>();
  tokens = new Map<string, TokenRec>();
  /**
   * Every token value this process ever issued, kept across `reset()`: what the e2e secret scan looks for
   * in the portal's pages, bundles and logs (GET /__sandbox/issued-tokens, test-only).
   */
  readonly issuedTokens: Array<{ kind: "access" | "refresh"; companyId: string; value: string }> = [];
  installations = new Map<string, Installation>();
  rateWindows = new Map<string, { start: number; count: number }>();
  /** Sliding-window request counts per access token (by its jti, never its value) and per company. */
  tokenMinutes = new Map<string, { companyId: string; window: MinuteWindow }>();
  companyMinutes = new Map<string, MinuteWindow>();
  faults: Fault[] = [];
  nextFaultId = 1;
  stats: Stats = emptyStats();
  /** Used as `iss` in introspection responses (and as the receipt file host) once the server knows its URL. */
  issuer = "http://127.0.0.1";
  /** Signs receipt file URLs (sandbox/receipts/receipts.ts); a new one per process, like a rotated key. */
  readonly receiptUrlSecret = randomBytes(32);

  constructor(opts: Partial<SandboxOptions> = {}) {
    this.initial = resolveOptions(opts);
    this.config = { ...this.initial, redirectUris: [...this.initial.redirectUris] };
    this.anchor = Math.floor(this.clock.now() / 1000) * 1000;
    this.rng = mulberry32(deriveSeed(this.initial.seed, "runtime"));
    this.seed();
  }

  private seed(): void {
    this.companies = new Map(
      COMPANIES.map((f) => {
        const count = f.size === "large" ? this.initial.entries : f.smallEntryCount;
        return [f.id, new CompanyState(generateCompany(f, this.initial.seed, count, this.anchor))];
      }),
    );
  }

  reset(): void {
    this.clock.reset();
    this.config = { ...this.initial, redirectUris: [...this.initial.redirectUris] };
    this.rng = mulberry32(deriveSeed(this.initial.seed, "runtime"));
    this.authRequests.clear();
    this.sessions.clear();
    this.codes.clear();
    this.grants.clear();
    this.tokens.clear();
    this.installations.clear();
    this.rateWindows.clear();
    this.tokenMinutes.clear();
    this.companyMinutes.clear();
    this.faults = [];
    this.stats = emptyStats();
    this.seed();
  }

  company(id: string): CompanyState | undefined {
    return this.companies.get(id);
  }

  /** Find an entry by id in any company. */
  findEntry(id: string): { company: CompanyState; pos: number } | undefined {
    for (const company of this.companies.values()) {
      const pos = company.data.byId.get(id);
      if (pos !== undefined) return { company, pos };
    }
    return undefined;
  }

  installationKey(clientId: string, companyId: string): string {
    return `${clientId}|${companyId}`;
  }
}
