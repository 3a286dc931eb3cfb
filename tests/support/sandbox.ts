/**
 * The Pleo sandbox for unit tests, e2e and benchmarks: start and stop one (in this process, or as its
 * own process like the remote service Pleo is), drive its control API with one client, move its clock
 * together with the portal's, and get real tokens through its login and consent forms.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_OPTIONS } from "@/sandbox/config";
import type { companySummary } from "@/sandbox/control";
import { USERS } from "@/sandbox/seed/fixtures";
import { startSandbox, type SandboxState } from "@/sandbox/server";
import type { Fault, Stats } from "@/sandbox/store";
import { getTokensForCompany, type SandboxTokenResponse } from "@/sandbox/testing";
import { freePort } from "./portal-process";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export type TestSandboxOptions = {
  /** Entries of the large company (Nordlys); the small companies have fixed sizes. */
  entries: number;
  /** Pleo's 600 requests per minute per token. Default on, as at Pleo. */
  rateLimit?: boolean;
  /** Registered redirect URIs. Default the sandbox's (`http://localhost:3000/api/auth/callback/pleo`, …). */
  redirectUris?: string[];
  /** Serve only what Pleo documents (sandbox/strict.ts). Default off. */
  strict?: boolean;
};

/** A running sandbox, wherever it runs. */
export type TestSandbox = {
  url: string;
  control: SandboxControl;
  /** The first registered redirect URI: tokens fetched through the forms are issued for it. */
  redirectUri: string;
  close(): Promise<void>;
};

/** A sandbox in this process: its state can be read directly (the sandbox's own suites do). */
export type InProcessSandbox = TestSandbox & { state: SandboxState };

/** A sandbox in this process on an ephemeral port, quiet. */
export async function startTestSandbox(opts: TestSandboxOptions): Promise<InProcessSandbox> {
  const running = await startSandbox({ port: 0, ...opts });
  return {
    ...running,
    control: new SandboxControl(running.url),
    redirectUri: running.state.config.redirectUris[0],
  };
}

/**
 * The sandbox as its own Node process (`sandbox/main.ts`), for benchmarks: in one process its request
 * handling would compete with the portal's for the same JavaScript thread and skew the figures.
 */
export async function startSandboxProcess(opts: TestSandboxOptions): Promise<TestSandbox> {
  const port = await freePort();
  const redirectUris = opts.redirectUris ?? DEFAULT_OPTIONS.redirectUris;
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "sandbox/main.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      SANDBOX_PORT: String(port),
      SANDBOX_ENTRIES: String(opts.entries),
      SANDBOX_RATE_LIMIT: opts.rateLimit === false ? "off" : "on",
      SANDBOX_REDIRECT_URIS: redirectUris.join(","),
      SANDBOX_QUIET: "1",
      SANDBOX_STRICT: opts.strict ? "1" : "0",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  const control = new SandboxControl(url);
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`sandbox process exited with ${child.exitCode}`);
    try {
      await control.stats();
      break;
    } catch {
      // not listening yet
    }
    if (i > 600) {
      child.kill("SIGTERM");
      throw new Error("sandbox process did not start within 60 s");
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    control,
    redirectUri: redirectUris[0],
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export type FaultSpec = {
  /** Exact path, or a prefix ending in `*`; never `/__sandbox/*`. */
  path: string;
  status?: number;
  latencyMs?: number;
  /** Apply to this share of matching requests (0–1, seeded). Default all. */
  rate?: number;
  /** Apply this many times, then disappear. Default until cleared. */
  times?: number;
  /** Drop the connection instead of answering. */
  reset?: true;
};

export type SandboxStats = Stats & {
  /** Per access token (keyed by its jti): authenticated API requests, and the most in any sliding 60 s window. */
  requestsByToken: Record<string, { companyId: string; requests: number; maxInAnyMinute: number }>;
  /** The same per company, all its tokens together. */
  requestsByCompany: Record<string, { requests: number; maxInAnyMinute: number }>;
  activeGrants: number;
  installations: number;
  faults: number;
  clock: { now: string; offsetSeconds: number };
};

export type SandboxConfig = {
  rateLimit: boolean;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  clientId: string;
  redirectUris: string[];
  seed: number;
  entries: number;
  strict: boolean;
};

export type CompanySummary = ReturnType<typeof companySummary>;

export type SandboxInstallation = {
  id: string;
  clientId: string;
  companyId: string;
  status: "ACTIVATED" | "INACTIVE" | "AUTHORIZED" | "PENDING_INTEGRATION" | "ERROR";
  errorCode: "NOT_ENTITLED" | "AUTH_ERROR" | null;
  metadata: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
};

/**
 * The sandbox's control API (`/__sandbox/*`, see sandbox/README.md). Every call throws with the
 * sandbox's answer when it is not a 2xx, so a setup step that did not happen cannot pass unnoticed.
 * (The sandbox's own suites test the control API's error answers over raw HTTP.)
 */
export class SandboxControl {
  constructor(readonly url: string) {}

  private async call<T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/__sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox control ${method} ${path}: HTTP ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  /** Test-only: every access and refresh token this sandbox issued, values included, also before a reset. */
  issuedTokens(): Promise<Array<{ kind: "access" | "refresh"; companyId: string; value: string }>> {
    return this.call<{ tokens: Array<{ kind: "access" | "refresh"; companyId: string; value: string }> }>(
      "GET",
      "/issued-tokens",
    ).then((r) => r.tokens);
  }

  /** Back to the seed: data, tokens, clock, faults, stats and config. */
  async reset(): Promise<void> {
    await this.call("POST", "/reset");
  }

  stats(): Promise<SandboxStats> {
    return this.call("GET", "/stats");
  }

  fault(spec: FaultSpec): Promise<Fault> {
    return this.call("POST", "/faults", spec);
  }

  faults(): Promise<Fault[]> {
    return this.call<{ faults: Fault[] }>("GET", "/faults").then((r) => r.faults);
  }

  /** Remove every fault; resolves to how many there were. */
  clearFaults(): Promise<number> {
    return this.call<{ cleared: number }>("DELETE", "/faults").then((r) => r.cleared);
  }

  /** Move only the sandbox's clock (the portal learns of it from Pleo's answers); see TestClock for both. */
  advanceClock(seconds: number): Promise<{ now: string; offsetSeconds: number }> {
    return this.call("POST", "/clock", { advanceSeconds: seconds });
  }

  /** Live settings; with no argument, read them. */
  config(
    patch?: Partial<Pick<SandboxConfig, "rateLimit" | "accessTokenTtlSeconds" | "refreshTokenTtlSeconds" | "strict">>,
  ): Promise<SandboxConfig> {
    return patch === undefined ? this.call("GET", "/config") : this.call("POST", "/config", patch);
  }

  /**
   * As if an admin removed the app in Pleo ("uninstalled from Pleo's side"): every grant of the company
   * dies, its installation goes. `keepInstallation`: only the grants die (Pleo revoked access).
   */
  revoke(
    companyId: string,
    opts: { keepInstallation?: boolean } = {},
  ): Promise<{ revokedGrants: number; removedInstallations: number }> {
    return this.call("POST", "/grants/revoke", { companyId, ...opts });
  }

  /** Every installation the sandbox holds (status, metadata) — what Pleo would show in its app list. */
  installations(): Promise<SandboxInstallation[]> {
    return this.call<{ installations: SandboxInstallation[] }>("GET", "/installations").then((r) => r.installations);
  }

  /** Pleo changes a company's installation status on its side (e.g. ERROR with NOT_ENTITLED). */
  setInstallationStatus(
    companyId: string,
    status: SandboxInstallation["status"],
    errorCode?: "NOT_ENTITLED" | "AUTH_ERROR",
  ): Promise<{ updated: number }> {
    return this.call("POST", "/installations/status", { companyId, status, errorCode });
  }

  /** Live count and checksum of a company's entries, and its directory sizes. */
  summary(companyId: string, from?: Date): Promise<CompanySummary> {
    return this.call("GET", `/companies/${companyId}/summary${from ? `?from=${from.toISOString()}` : ""}`);
  }

  /** New, changed and deleted entries, as a company's people would make them; resolves to their ids. */
  activity(
    companyId: string,
    change: { created?: number; updated?: number; deleted?: number; performedWithinSeconds?: number },
  ): Promise<{ created: string[]; updated: string[]; deleted: string[] }> {
    return this.call("POST", `/companies/${companyId}/activity`, change);
  }

  /** Call the External API with an access token: true when Pleo (the sandbox) accepts it. */
  async acceptsToken(accessToken: string): Promise<boolean> {
    const res = await fetch(`${this.url}/v1/introspect`, { headers: { authorization: `Bearer ${accessToken}` } });
    await res.arrayBuffer();
    return res.status === 200;
  }
}

/** The portal's clock, moved together with the sandbox's so both agree a token expired. */
export class TestClock {
  offsetMs = 0;
  readonly now = () => Date.now() + this.offsetMs;

  constructor(private readonly control: SandboxControl) {}

  /** Advance the sandbox's and the portal's clock. */
  async advance(seconds: number): Promise<void> {
    await this.control.advanceClock(seconds);
    this.offsetMs += seconds * 1000;
  }

  /** Advance only the portal's clock (e.g. past a backoff or a lease). */
  advancePortal(ms: number): void {
    this.offsetMs += ms;
  }

  /** After a sandbox reset (which resets its clock too). */
  reset(): void {
    this.offsetMs = 0;
  }
}

/**
 * Real tokens for a company through the sandbox's login and consent forms (PKCE, code exchange), as
 * the seeded user who administers it.
 */
export function sandboxTokens(
  sandbox: Pick<TestSandbox, "url" | "redirectUri">,
  companyId: string,
  opts: { scope?: string } = {},
): Promise<SandboxTokenResponse> {
  const user = USERS.find((u) => u.companyIds.includes(companyId));
  if (!user) throw new Error(`No sandbox user administers company ${companyId}`);
  return getTokensForCompany({
    sandboxUrl: sandbox.url,
    redirectUri: sandbox.redirectUri,
    companyId,
    email: user.email,
    password: user.password,
    ...opts,
  });
}
