/**
 * The proofs' stack (README "Security", "Proofs"): the production build on a scratch PostgreSQL
 * database with an in-process sandbox, two portal accounts holding three companies, a snapshot of every
 * table to prove a request changed nothing, server actions called over HTTP the way Next's client
 * calls them, and the checks every answer must pass.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { expect, type Browser, type BrowserContext } from "@playwright/test";
import {
  COMPANY_BRIGHTWAVE,
  COMPANY_NORDLYS,
  COMPANY_THISTLE,
  DEMO_USER,
  SOLO_USER,
} from "../../sandbox/seed/fixtures";
export { internalErrorText } from "../../tests/support/error-text";
import { portalEnv, UNLIMITED } from "../../tests/support/portal-env";
import { migrateWith, standaloneDir, startPortalProcess, type PortalProcess } from "../../tests/support/portal-process";
import { startTestSandbox, type InProcessSandbox } from "../../tests/support/sandbox";
import { createScratchPostgres, type ScratchPostgres } from "../../tests/support/scratch-postgres";
import { PROOFS } from "../env";
import { connectCompany } from "./connect";
import { PORTAL_LOGS_DIR, TOKENS_DIR } from "./recorder";
import { manifestActions, type ManifestAction } from "./routes";

/**
 * More configuration for the proofs' portal. The sweep and the fuzz send a few hundred requests per
 * minute from one client: when the portal limits requests (per client, per session), set generous
 * limits here so the proofs test access control and input handling, not the limiter.
 */
export const PROOFS_PORTAL_ENV: Record<string, string> = { ...UNLIMITED };

/** The disconnect of Thistle's the stack leaves (its uninstall gave up): only B may retry it. */
export const THISTLE_DISCONNECTION_ID = "proofsdisconnect0001";

export type Tenant = {
  companyId: string;
  name: string;
  entryIds: string[];
  /** An entry with a receipt, and the receipt link its owner's detail page lists (sealed ref included). */
  receiptUrl: string | null;
  employeeId: string;
  teamId: string;
  tagId: string;
  accountId: string;
};

/** A signed-in browser session and the companies it may see. */
export type Session = { name: string; context: BrowserContext | null; cookie: string; companies: string[] };

export type ProofsStack = {
  url: string;
  database: ScratchPostgres;
  sandbox: InProcessSandbox;
  portal: PortalProcess;
  tenants: Record<string, Tenant>;
  sessions: Session[];
  actions: ManifestAction[];
  close(): Promise<void>;
};

export async function sql<T extends Record<string, unknown>>(url: string, text: string, params: unknown[] = []) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/**
 * Every table (but the migrations') as row count + SHA-256 of its rows, sorted. Session.expires is left
 * out: the idle timeout moves it forward on every signed-in request, by design; so is RateLimit.
 */
export async function snapshot(url: string): Promise<Record<string, string>> {
  const cols = await sql<{ table_name: string; column_name: string }>(
    url,
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY table_name, ordinal_position`,
  );
  const tables = new Map<string, string[]>();
  for (const c of cols) {
    if (c.table_name === "Session" && c.column_name === "expires") continue;
    // The abuse limits' counters move on every counted request, by design (README → Abuse limits).
    if (c.table_name === "RateLimit") continue;
    tables.set(c.table_name, [...(tables.get(c.table_name) ?? []), c.column_name]);
  }
  const out: Record<string, string> = {};
  for (const [table, columns] of tables) {
    const list = columns.map((c) => `"${c}"`).join(", ");
    const rows = await sql<{ line: string }>(url, `SELECT (${list})::text AS line FROM "${table}"`);
    const lines = rows.map((r) => r.line).sort();
    out[table] = `${lines.length} rows, ${createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 16)}`;
  }
  return out;
}

async function cookieHeader(context: BrowserContext, url: string): Promise<string> {
  return (await context.cookies(url)).map((c) => `${c.name}=${c.value}`).join("; ");
}

export type Answer = { status: number; location: string | null; contentType: string; body: string };

export async function request(
  stack: Pick<ProofsStack, "url">,
  session: Pick<Session, "cookie"> | null,
  pathAndQuery: string,
  init: { method?: string; headers?: Record<string, string>; body?: FormData | string } = {},
): Promise<Answer> {
  const res = await fetch(`${stack.url}${pathAndQuery}`, {
    method: init.method ?? "GET",
    redirect: "manual",
    headers: { ...(session?.cookie ? { cookie: session.cookie } : {}), ...init.headers },
    body: init.body,
    signal: AbortSignal.timeout(30_000),
  });
  return {
    status: res.status,
    location: res.headers.get("location"),
    contentType: res.headers.get("content-type") ?? "",
    body: await res.text(),
  };
}

/**
 * A server action called over HTTP as Next's client calls it: POST to a page that runs it, the action
 * id (from the build's server-reference manifest) in `Next-Action`, the arguments encoded as React's
 * encodeReply encodes `(prevState, formData)` — the form's fields as `_1_<name>` and the argument list
 * `[{"status":"idle"},"$K1"]` (the FormData by reference) as part `0`, as Chromium sends it when the
 * form is submitted — and the Origin the browser sends.
 */
export function callAction(
  stack: Pick<ProofsStack, "url" | "actions">,
  session: Pick<Session, "cookie"> | null,
  key: string,
  fields: Array<[string, string]>,
): Promise<Answer> {
  const action = stack.actions.find((a) => a.key === key);
  if (!action) throw new Error(`no server action ${key} in the build's manifest`);
  const body = new FormData();
  for (const [name, value] of fields) body.append(`_1_${name}`, value);
  body.append(
    "0",
    JSON.stringify(fields.length === 0 && key.endsWith("#signOutAction") ? [] : [{ status: "idle" }, "$K1"]),
  );
  return request(stack, session, action.pages[0].replace(/\[[^\]]+\]/g, "00000000-0000-4000-8000-000000000000"), {
    method: "POST",
    headers: { "next-action": action.id, accept: "text/x-component", origin: stack.url },
    body,
  });
}

async function tenantData(dbUrl: string, companyId: string, name: string): Promise<Tenant> {
  const one = async (table: string) =>
    (
      await sql<{ id: string }>(dbUrl, `SELECT id::text FROM "${table}" WHERE "companyId" = $1 ORDER BY id LIMIT 1`, [
        companyId,
      ])
    )[0]?.id;
  const entries = await sql<{ id: string }>(
    dbUrl,
    `SELECT id::text FROM "AccountingEntry" WHERE "companyId" = $1 AND "deletedAt" IS NULL ORDER BY id LIMIT 3`,
    [companyId],
  );
  const withReceipt = await sql<{ id: string }>(
    dbUrl,
    `SELECT id::text FROM "AccountingEntry" WHERE "companyId" = $1 AND "receiptCount" > 0 AND "deletedAt" IS NULL ORDER BY id LIMIT 1`,
    [companyId],
  );
  const t: Tenant = {
    companyId,
    name,
    entryIds: [...entries.map((e) => e.id), ...withReceipt.map((e) => e.id)],
    receiptUrl: null,
    employeeId: (await one("Employee"))!,
    teamId: (await one("Team"))!,
    tagId: (await one("Tag"))!,
    accountId: (await one("LedgerAccount"))!,
  };
  expect(t.entryIds.length, `${name} has synced entries`).toBeGreaterThan(1);
  for (const k of ["employeeId", "teamId", "tagId", "accountId"] as const) expect(t[k], `${name} ${k}`).toBeTruthy();
  return t;
}

/**
 * Starts the stack and signs in: session A1 connects Nordlys, then Brightwave (the demo user's account
 * holds both, in one session); session A2 is the same account signed in again via Nordlys only (a new
 * sign-in proves one company, so A2 may not see Brightwave); session B is the other account (Thistle).
 * Waits for the three first syncs, sets every connection to manual syncs with its settings unchanged
 * (through the settings action: the positive control that an action called this way is carried out),
 * and leaves one failed disconnect of Thistle's for the retry action.
 */
export async function startProofsStack(browser: Browser): Promise<ProofsStack> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error("the proofs need PostgreSQL: set TEST_DATABASE_URL (.ci/run does)");
  const url = `http://127.0.0.1:${PROOFS.portalPort}`;
  const dir = standaloneDir();
  const database = await createScratchPostgres(adminUrl, "portal_proofs");
  const sandbox = await startTestSandbox({ entries: 300, redirectUris: [`${url}/api/auth/callback/pleo`] });
  const env = portalEnv(sandbox.url, {
    AUTH_URL: url,
    DATABASE_URL: database.url,
    LOG_LEVEL: "info",
    ...PROOFS_PORTAL_ENV,
  });
  migrateWith(dir, env);
  const portal = await startPortalProcess({ dir, port: PROOFS.portalPort, env });
  const actions = manifestActions(path.join(process.env.NEXT_DIST_DIR || ".next"));
  const contexts: BrowserContext[] = [];
  const stack: ProofsStack = {
    url,
    database,
    sandbox,
    portal,
    tenants: {},
    sessions: [],
    actions,
    async close() {
      for (const c of contexts) await c.close();
      await portal.stop(10_000);
      // For the secret scan after the run (e2e/proofs/secret-scan.final.ts).
      fs.mkdirSync(PORTAL_LOGS_DIR, { recursive: true });
      fs.writeFileSync(path.join(PORTAL_LOGS_DIR, "proofs.log"), portal.output());
      fs.mkdirSync(TOKENS_DIR, { recursive: true });
      fs.writeFileSync(path.join(TOKENS_DIR, "proofs.json"), JSON.stringify(await sandbox.control.issuedTokens()));
      await sandbox.close();
      await database.drop();
    },
  };
  try {
    const signIn = async (name: string, user: typeof DEMO_USER, companyNames: string[]) => {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      for (const companyName of companyNames)
        await connectCompany(page, {
          email: user.email,
          password: user.password,
          companyName,
          start: () => page.goto(`${url}/connect/pleo`),
        });
      const session: Session = { name, context, cookie: await cookieHeader(context, url), companies: [] };
      const me = (await (await context.request.get(`${url}/api/auth/session`)).json()) as { user?: unknown } | null;
      expect(me, `${name} is signed in`).toBeTruthy();
      await page.close();
      stack.sessions.push(session);
      return session;
    };
    (
      await signIn("A1 (demo: Nordlys + Brightwave)", DEMO_USER, [COMPANY_NORDLYS.name, COMPANY_BRIGHTWAVE.name])
    ).companies = [COMPANY_NORDLYS.id, COMPANY_BRIGHTWAVE.id];
    (await signIn("A2 (demo again: Nordlys only)", DEMO_USER, [COMPANY_NORDLYS.name])).companies = [COMPANY_NORDLYS.id];
    (await signIn("B (solo: Thistle)", SOLO_USER, [COMPANY_THISTLE.name])).companies = [COMPANY_THISTLE.id];

    // The first syncs: done when every company's backfill completed and no run is open.
    const ids = [COMPANY_NORDLYS.id, COMPANY_BRIGHTWAVE.id, COMPANY_THISTLE.id];
    await expect
      .poll(
        async () => {
          const done = await sql<{ n: number }>(
            database.url,
            `SELECT count(*)::int AS n FROM "SyncState" WHERE "backfillCompletedAt" IS NOT NULL AND "companyId" = ANY($1::uuid[])`,
            [ids],
          );
          const open = await sql<{ n: number }>(
            database.url,
            `SELECT count(*)::int AS n FROM "SyncRun" WHERE "finishedAt" IS NULL`,
          );
          return done[0].n === 3 && open[0].n === 0;
        },
        { timeout: 90_000, intervals: [500] },
      )
      .toBe(true);

    for (const [id, name] of [
      [COMPANY_NORDLYS.id, COMPANY_NORDLYS.name],
      [COMPANY_BRIGHTWAVE.id, COMPANY_BRIGHTWAVE.name],
      [COMPANY_THISTLE.id, COMPANY_THISTLE.name],
    ])
      stack.tenants[id] = await tenantData(database.url, id, name);

    // Each owner's receipt link (with its sealed ref), as the owner's detail page lists it.
    for (const session of stack.sessions.filter((s) => !s.name.startsWith("A2"))) {
      for (const companyId of session.companies) {
        const t = stack.tenants[companyId];
        const page = await request(stack, session, `/dashboard/expenses/${t.entryIds.at(-1)}`);
        expect(page.status, `${t.name}'s own entry opens for its owner`).toBe(200);
        const href = /href="(\/dashboard\/expenses\/[^"]+\/receipts\/[^"]+)"/.exec(page.body)?.[1];
        t.receiptUrl = href ? href.replaceAll("&amp;", "&") : null;
      }
    }

    // Positive control: each owner saves its own settings (manual syncs, the rest unchanged). Proves the
    // action encoding reaches the action, and no scheduled sync runs during the proofs.
    const settings = await sql<{ companyId: string; historyMonths: number | null; syncWindowDays: number }>(
      database.url,
      `SELECT "companyId"::text AS "companyId", "historyMonths", "syncWindowDays" FROM "PleoConnection"`,
    );
    for (const s of settings) {
      const owner = stack.sessions.find((x) => x.companies.includes(s.companyId))!;
      const answer = await callAction(
        stack,
        owner,
        "app/(portal)/settings/integrations/pleo/actions.ts#saveSettingsAction",
        [
          ["companyId", s.companyId],
          ["frequency", "manual"],
          ["history", s.historyMonths === null ? "all" : String(s.historyMonths)],
          ["changesWindow", String(s.syncWindowDays)],
        ],
      );
      expect(answer.status).toBe(200);
      expect(answer.body, `${owner.name} saves ${s.companyId}`).toContain('"status":"success"');
    }
    const manual = await sql<{ n: number }>(
      database.url,
      `SELECT count(*)::int AS n FROM "PleoConnection" WHERE "syncEnabled" = false`,
    );
    expect(manual[0].n).toBe(3);

    // A disconnect of Thistle's (B's, in B's session) whose uninstall gave up, for the retry action.
    const b = await sql<{ userId: string; id: string }>(
      database.url,
      `SELECT "userId", id FROM "Session" WHERE $1 = ANY("companyIds")`,
      [COMPANY_THISTLE.id],
    );
    await sql(
      database.url,
      `INSERT INTO "Disconnection" (id, "companyId", "companyName", "userId", "sessionId", "keepData", "entryCount", "uninstallStatus", attempts)
       VALUES ($1, $2, $3, $4, $5, true, 0, 'given_up', 5)`,
      [THISTLE_DISCONNECTION_ID, COMPANY_THISTLE.id, COMPANY_THISTLE.name, b[0].userId, b[0].id],
    );
    return stack;
  } catch (err) {
    await stack.close().catch(() => undefined);
    throw err;
  }
}
