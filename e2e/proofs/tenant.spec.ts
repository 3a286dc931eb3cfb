/**
 * Two proofs on one stack (e2e/support/proofs.ts; README "Security", "Proofs"):
 *
 * - Cross-tenant sweep: every page, route handler and server action — enumerated from the source and
 *   the build's manifest at test time, so a new one without a case fails the test — called by every
 *   session with the ids of companies it may not see (in the path, the query, the form fields and the
 *   action payload), and by a signed-out client. Each answer must be a denial (below) and carry none of
 *   the other company's data; every table is the same afterwards.
 * - Fuzz (fast-check, fixed seed): the OAuth callback's query, every dashboard and export parameter,
 *   the other pages' parameters and every action's fields with hostile values. No 5xx, no internal
 *   error text in any answer, every table the same afterwards.
 *
 * A denial is one of: 401, 403 or 404; a redirect to the landing page (`/`, where sign-in starts) or
 * the OAuth error page (`/auth/error`); a page answering 200 with Next's not-found marker (a page that
 * streams has sent its status before it knows; the sweep checks the owner's own page lacks it); an action answering its error state
 * (`"status":"error"`). Server actions are called over HTTP as Next's client calls them (Next-Action
 * header with the id from the build's server-reference manifest): robust to UI changes, covers every
 * action whether or not a page shows its form, and can send what no form would.
 */
import fc from "fast-check";
import { FILTER_KEYS } from "../../lib/expenses/filters";
import { COMPANY_BRIGHTWAVE, COMPANY_NORDLYS, COMPANY_THISTLE } from "../../sandbox/seed/fixtures";
import { expect, test } from "../support/test";
import {
  callAction,
  internalErrorText,
  request,
  snapshot,
  startProofsStack,
  THISTLE_DISCONNECTION_ID,
  type Answer,
  type ProofsStack,
  type Session,
  type Tenant,
} from "../support/proofs";
import { routeFiles, serverActions } from "../support/routes";

test.describe.configure({ mode: "serial" });

let stack: ProofsStack;

test.beforeAll(async ({ browser }) => {
  test.skip(!process.env.TEST_DATABASE_URL, "the proofs need PostgreSQL: set TEST_DATABASE_URL (.ci/run does)");
  test.setTimeout(240_000);
  stack = await startProofsStack(browser);
});

test.afterAll(async () => {
  await stack?.close();
});

test.afterEach(async ({}, testInfo) => {
  if (stack && testInfo.status !== testInfo.expectedStatus)
    await testInfo.attach("portal output", { body: stack.portal.output(), contentType: "text/plain" });
});

/** What Next adds to a page that called notFound() after its status was sent (never to a page that renders). */
const NOT_FOUND_META = /<meta name="robots" content="noindex"\s*\/?>/;
const SETTINGS = "app/(portal)/settings/integrations/pleo/actions.ts";
const DASHBOARD_ACTIONS = "app/(portal)/dashboard/actions.ts";

type Expectation = "denied" | "public" | "scoped";
type Case = { label: string; expect: Expectation; path: string };
/** Who asks (null: signed out), about whom, and what the asker may see (its first company). */
type Probe = { attacker: Session | null; victim: Tenant; own: Tenant | null };

/** Why an answer is not a denial, or null when it is one. */
function notDenied(a: Answer, url: string): string | null {
  if ([401, 403, 404].includes(a.status)) return null;
  if (a.status >= 300 && a.status < 400 && a.location) {
    const to = new URL(a.location, url);
    if (to.origin === new URL(url).origin && (to.pathname === "/" || to.pathname === "/auth/error")) return null;
    return `redirect to ${a.location}`;
  }
  if (a.status === 200 && a.contentType.includes("text/html") && NOT_FOUND_META.test(a.body)) return null;
  if (a.status === 200 && a.contentType.includes("text/x-component") && a.body.includes('"status":"error"'))
    return null;
  return `HTTP ${a.status} ${a.contentType}`;
}

/** Data of the victim's an answer must not carry (ids the request itself sent are echoed, legitimately). */
function leaks(a: Answer, victim: Tenant, sent: string): string[] {
  const markers = [
    victim.name,
    victim.name.replaceAll("&", "&amp;"),
    victim.companyId,
    ...victim.entryIds,
    victim.employeeId,
    victim.teamId,
    victim.tagId,
    victim.accountId,
  ].filter((m) => !sent.toLowerCase().includes(m.toLowerCase()));
  const text = `${a.location ?? ""}\n${a.body}`.toLowerCase();
  return markers.filter((m) => text.includes(m.toLowerCase()));
}

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

/**
 * The cases of each route, by the URL pattern routeFiles() derives from the file. A route without an
 * entry here fails the sweep.
 */
const ROUTE_CASES: Record<string, (p: Probe) => Case[]> = {
  "/": ({ victim }) => [
    {
      label: "landing ?company=",
      expect: "public",
      path: `/?${q({ company: victim.companyId })}`,
    },
  ],
  "/dashboard": ({ victim, own }) => [
    {
      label: "?company=<other>",
      expect: "denied",
      path: `/dashboard?${q({ company: victim.companyId })}`,
    },
    {
      label: "?company=<other, upper case>",
      expect: "denied",
      path: `/dashboard?${q({ company: victim.companyId.toUpperCase() })}`,
    },
    {
      label: "own company, the other's filter ids",
      expect: own ? "scoped" : "denied",
      path: `/dashboard?${q({
        ...(own ? { company: own.companyId } : {}),
        period: "all",
        employee: victim.employeeId,
        team: victim.teamId,
        tag: victim.tagId,
        category: victim.accountId,
        tagGroup: victim.tagId,
      })}`,
    },
  ],
  "/dashboard/expenses/[id]": ({ victim }) =>
    victim.entryIds.map((id, i) => ({
      label: `the other's entry #${i + 1}`,
      expect: "denied" as const,
      path: `/dashboard/expenses/${id}?${q({ back: `/dashboard?company=${victim.companyId}` })}`,
    })),
  "/dashboard/expenses/[id]/receipts/[receiptId]": ({ victim }) => {
    const url = victim.receiptUrl!;
    return [
      {
        label: "the other's receipt link (valid sealed ref)",
        expect: "denied",
        path: url,
      },
      {
        label: "the other's receipt as thumbnail",
        expect: "denied",
        path: `${url}&as=thumbnail`,
      },
    ];
  },
  "/dashboard/export": ({ victim, own }) => [
    {
      label: "?company=<other>",
      expect: "denied",
      path: `/dashboard/export?${q({ company: victim.companyId, period: "all" })}`,
    },
    {
      label: "own company, the other's filter ids",
      expect: own ? "scoped" : "denied",
      path: `/dashboard/export?${q({
        ...(own ? { company: own.companyId } : {}),
        period: "all",
        employee: victim.employeeId,
        tag: victim.tagId,
      })}`,
    },
  ],
  "/settings/integrations/pleo": ({ victim }) => [
    {
      label: "?company=<other>",
      expect: "denied",
      path: `/settings/integrations/pleo?${q({ company: victim.companyId })}`,
    },
  ],
  "/api/auth/[...nextauth]": ({ victim }) => [
    { label: "session", expect: "public", path: "/api/auth/session" },
    { label: "providers", expect: "public", path: "/api/auth/providers" },
    {
      label: "callback with a forged code and state",
      expect: "denied",
      path: `/api/auth/callback/pleo?${q({ code: victim.companyId, state: victim.companyId })}`,
    },
  ],
  "/api/health": ({ victim }) => [
    {
      label: "health",
      expect: "public",
      path: `/api/health?company=${victim.companyId}`,
    },
  ],
  "/api/ready": ({ victim }) => [{ label: "ready", expect: "public", path: `/api/ready?company=${victim.companyId}` }],
  "/auth/error": ({ victim }) => [
    {
      label: "error page",
      expect: "public",
      path: `/auth/error?${q({ error: "AccessDenied", company: victim.companyId })}`,
    },
  ],
  "/connect/pleo": ({ victim }) => [
    {
      label: "returnTo the other's dashboard",
      expect: "public",
      path: `/connect/pleo?${q({ returnTo: `/dashboard?company=${victim.companyId}` })}`,
    },
  ],
};

/** Each action's fields naming another tenant's company; null: not swept (the reason says why). */
const ACTION_CASES: Record<string, ((p: Probe) => Array<Array<[string, string]>>) | { skip: string }> = {
  [`${DASHBOARD_ACTIONS}#syncNowAction`]: ({ victim }) => [[["companyId", victim.companyId]]],
  [`${SETTINGS}#saveSettingsAction`]: ({ victim }) => [
    [
      ["companyId", victim.companyId],
      ["frequency", "15"],
      ["history", "all"],
      ["changesWindow", "90"],
    ],
  ],
  [`${SETTINGS}#activateInstallationAction`]: ({ victim }) => [[["companyId", victim.companyId]]],
  [`${SETTINGS}#checkInstallationAction`]: ({ victim }) => [[["companyId", victim.companyId]]],
  [`${SETTINGS}#syncNowAction`]: ({ victim }) => [[["companyId", victim.companyId]]],
  [`${SETTINGS}#deleteHiddenAction`]: ({ victim }) => [[["companyId", victim.companyId]]],
  [`${SETTINGS}#disconnectAction`]: ({ victim }) => [
    [
      ["companyId", victim.companyId],
      ["data", "delete"],
    ],
    [
      ["companyId", victim.companyId.toUpperCase()],
      ["data", "keep"],
    ],
  ],
  // The only disconnect on record is Thistle's: every session but B's is another tenant for it.
  [`${SETTINGS}#retryUninstallAction`]: ({ attacker }) =>
    attacker?.companies.includes(COMPANY_THISTLE.id) ? [] : [[["disconnectionId", THISTLE_DISCONNECTION_ID]]],
  "lib/auth/actions.ts#signOutAction": {
    skip: "takes no input and ends only the caller's own session (its own test: e2e/connect.spec.ts)",
  },
};

test("cross-tenant sweep: every route, handler and action denies another tenant's ids and changes nothing", async () => {
  test.setTimeout(180_000);
  // Coverage first: every route file and action has cases, and no case names something gone.
  const routes = routeFiles();
  const sourceActions = serverActions().map((a) => a.key);
  const builtActions = stack.actions.map((a) => a.key);
  expect(routes.length).toBeGreaterThan(0);
  expect(
    routes.map((r) => r.route).filter((r) => !(r in ROUTE_CASES)),
    "routes without sweep cases",
  ).toEqual([]);
  expect(
    Object.keys(ROUTE_CASES).filter((r) => !routes.some((x) => x.route === r)),
    "cases of no route",
  ).toEqual([]);
  expect(
    [...new Set([...sourceActions, ...builtActions])].filter((k) => !(k in ACTION_CASES)),
    "actions without cases",
  ).toEqual([]);
  expect([...builtActions].sort(), "the build registers exactly the source's actions").toEqual(
    [...sourceActions].sort(),
  );

  const tenants = stack.tenants;
  for (const t of Object.values(tenants)) expect(t.receiptUrl, `${t.name} has a receipt link`).toBeTruthy();
  const probes: Probe[] = [];
  for (const attacker of [...stack.sessions, null]) {
    for (const victim of Object.values(tenants)) {
      if (attacker?.companies.includes(victim.companyId)) continue;
      probes.push({ attacker, victim, own: attacker ? tenants[attacker.companies[0]] : null });
    }
  }
  // A1 → Thistle; A2 → Brightwave (its own account's, not proven in A2) and Thistle; B → Nordlys and
  // Brightwave; signed out → all three.
  expect(probes.map((p) => `${p.attacker?.name.split(" ")[0] ?? "anonymous"}→${p.victim.name}`)).toEqual([
    `A1→${COMPANY_THISTLE.name}`,
    `A2→${COMPANY_BRIGHTWAVE.name}`,
    `A2→${COMPANY_THISTLE.name}`,
    `B→${COMPANY_NORDLYS.name}`,
    `B→${COMPANY_BRIGHTWAVE.name}`,
    `anonymous→${COMPANY_NORDLYS.name}`,
    `anonymous→${COMPANY_BRIGHTWAVE.name}`,
    `anonymous→${COMPANY_THISTLE.name}`,
  ]);

  // The classifier can tell: each owner's own pages and actions are not denials.
  for (const owner of stack.sessions) {
    const own = owner.companies[0];
    for (const p of [`/dashboard?company=${own}`, `/settings/integrations/pleo?company=${own}`]) {
      const a = await request(stack, owner, p);
      expect(notDenied(a, stack.url), `${owner.name}: ${p}`).not.toBeNull();
    }
    const entry = await request(stack, owner, `/dashboard/expenses/${tenants[own].entryIds[0]}`);
    expect(notDenied(entry, stack.url), `${owner.name}: own entry`).not.toBeNull();
  }

  const before = await snapshot(stack.database.url);
  const failures: string[] = [];
  const counts: Record<string, number> = {};
  const count = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);
  const check = async (p: Probe, what: string, expectation: Expectation, sent: string, run: () => Promise<Answer>) => {
    const a = await run();
    const who = `${p.attacker?.name ?? "signed out"} → ${p.victim.name}: ${what}`;
    count(`${what.split(" ")[0]} ${expectation}`);
    if (a.status >= 500) failures.push(`${who}: HTTP ${a.status}`);
    const leaked = leaks(a, p.victim, sent);
    if (leaked.length > 0) failures.push(`${who}: carries the other's ${leaked.join(", ")}`);
    if (expectation === "denied") {
      const why = notDenied(a, stack.url);
      if (why) failures.push(`${who}: not denied (${why})`);
    } else if (expectation === "scoped" && a.status !== 200 && a.status !== 409) {
      failures.push(`${who}: HTTP ${a.status}`);
    }
  };

  for (const p of probes) {
    for (const route of routes) {
      for (const c of ROUTE_CASES[route.route](p)) {
        await check(p, `${route.kind} ${route.route} ${c.label}`, c.expect, c.path, () =>
          request(stack, p.attacker, c.path),
        );
      }
    }
    for (const key of Object.keys(ACTION_CASES)) {
      const spec = ACTION_CASES[key];
      if ("skip" in spec) continue;
      for (const fields of spec(p)) {
        const sent = fields.map(([, v]) => v).join(" ");
        await check(p, `action ${key.split("/").pop()} ${JSON.stringify(fields)}`, "denied", sent, () =>
          callAction(stack, p.attacker, key, fields),
        );
      }
    }
  }
  // Signed out, the only action without tenant input: it must not fail either.
  const signOut = await callAction(stack, null, "lib/auth/actions.ts#signOutAction", []);
  expect(signOut.status).toBeLessThan(500);

  const after = await snapshot(stack.database.url);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(
    `cross-tenant sweep: ${routes.length} routes (${routes.map((r) => `${r.kind} ${r.route}`).join(", ")}), ` +
      `${Object.keys(ACTION_CASES).length} actions, ${probes.length} attacker→victim pairs, ${total} requests: ${JSON.stringify(counts)}`,
  );
  test
    .info()
    .annotations.push({ type: "sweep", description: JSON.stringify({ routes: routes.length, total, counts }) });
  expect(failures, failures.join("\n")).toEqual([]);
  expect(after, "no table changed").toEqual(before);
});

/** Raw query fragments a browser would never send: malformed percent-encoding, separators, CR/LF. */
const RAW_FRAGMENTS = [
  "%",
  "%%",
  "%zz",
  "%E0%A4%A",
  "%C0%AF",
  "%00",
  "%0d%0aSet-Cookie:%20x=y",
  "%uD800",
  "+",
  "=",
  "&&",
  ";",
];
const HOSTILE_CONSTANTS = [
  "",
  " ",
  "' OR 1=1 --",
  '\'; DROP TABLE "Session"; --',
  "\\x27\\x22",
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "../../../etc/passwd",
  "9".repeat(400),
  "1e308",
  "-1",
  "0",
  "-0",
  "NaN",
  "Infinity",
  "0x1F",
  "2024-02-30",
  "2024-13-01",
  "0000-00-00",
  "275760-09-14",
  "1970-01-01T00:00:00Z",
  "00000000-0000-0000-0000-000000000000",
  "5A0C1F1E-7D43-4C2A-9B1E-3F6D2A8C4E03",
  "none",
  "custom",
  "all",
  "manual",
  "delete",
  "\u0000",
  "\u202e\u0007\u001b[31m",
  "ＤＲＯＰ　ｔａｂｌｅ",
  "𝕏".repeat(50),
];

/** Every byte of the UTF-8 form percent-encoded (lone surrogates become U+FFFD, as a browser sends). */
const pct = (v: string) =>
  [...Buffer.from(v, "utf8")]
    .map((b) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, "0")}`,
    )
    .join("");

function hostile(otherIds: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...HOSTILE_CONSTANTS, ...otherIds),
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.string({ minLength: 1_000, maxLength: 4_000 }),
    fc.uuid().map(String),
    fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
    fc
      .date({ noInvalidDate: false })
      .map((d) => (Number.isNaN(d.getTime()) ? "Invalid Date" : d.toISOString().slice(0, 10))),
  );
}

/** A query string: each key zero to three times (duplicates), values percent-encoded or raw-malformed. */
function query(keys: string[], values: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const part = fc.tuple(
    fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 8 })),
    fc.oneof({ weight: 4, arbitrary: values.map(pct) }, { weight: 1, arbitrary: fc.constantFrom(...RAW_FRAGMENTS) }),
  );
  return fc.array(part, { maxLength: 14 }).map((parts) => parts.map(([k, v]) => `${pct(k)}=${v}`).join("&"));
}

/** Each action's fields (what its form sends). */
const ACTION_FIELDS: Record<string, string[]> = {
  [`${DASHBOARD_ACTIONS}#syncNowAction`]: ["companyId"],
  [`${SETTINGS}#saveSettingsAction`]: ["companyId", "frequency", "history", "changesWindow"],
  [`${SETTINGS}#activateInstallationAction`]: ["companyId"],
  [`${SETTINGS}#checkInstallationAction`]: ["companyId"],
  [`${SETTINGS}#syncNowAction`]: ["companyId"],
  [`${SETTINGS}#deleteHiddenAction`]: ["companyId"],
  [`${SETTINGS}#disconnectAction`]: ["companyId", "data"],
  [`${SETTINGS}#retryUninstallAction`]: ["disconnectionId"],
};

test("fuzz: hostile query strings, paths and action fields get no 5xx, no internal error text, no database change", async () => {
  test.setTimeout(240_000);
  const a1 = stack.sessions[0];
  const own = stack.tenants[a1.companies[0]];
  // Other tenants' ids only: an own company id with valid fields would be a legitimate change.
  const others = Object.values(stack.tenants).filter((t) => !a1.companies.includes(t.companyId));
  const otherIds = others.flatMap((t) => [t.companyId, ...t.entryIds, t.employeeId, t.tagId, THISTLE_DISCONNECTION_ID]);
  const value = hostile(otherIds);
  const dashboardKeys = ["company", "period", "from", "to", "sort", "dir", "page", "tagGroup", "back", ...FILTER_KEYS];
  expect(FILTER_KEYS.length).toBeGreaterThan(5);
  expect(Object.keys(ACTION_FIELDS).sort()).toEqual(
    stack.actions
      .map((a) => a.key)
      .filter((k) => !k.endsWith("#signOutAction"))
      .sort(),
  );

  const problems: string[] = [];
  const counts: Record<string, number> = {};
  const judge = (target: string, what: string, a: Answer) => {
    counts[target] = (counts[target] ?? 0) + 1;
    if (a.status >= 500) problems.push(`${target} ${what}: HTTP ${a.status}`);
    const leak = internalErrorText(a.body);
    if (leak) problems.push(`${target} ${what}: internal error text …${leak}…`);
    return a.status < 500 && !leak;
  };
  const SEED = 20261130;
  const run = async (
    target: string,
    numRuns: number,
    arb: fc.Arbitrary<string>,
    send: (v: string) => Promise<Answer>,
  ) => {
    await fc.assert(
      fc.asyncProperty(arb, async (v) => judge(target, v.slice(0, 300), await send(v))),
      { seed: SEED, numRuns, endOnFailure: true },
    );
  };

  const before = await snapshot(stack.database.url);
  const ownCompany = fc.oneof(fc.constant(`company=${own.companyId}&`), fc.constant(""));
  await run(
    "OAuth callback",
    120,
    query(["code", "state", "error", "error_description", "iss", "session_state"], value),
    (qs) => request(stack, null, `/api/auth/callback/pleo?${qs}`),
  );
  await run(
    "dashboard",
    120,
    fc.tuple(ownCompany, query(dashboardKeys, value)).map(([c, qs]) => c + qs),
    (qs) => request(stack, a1, `/dashboard?${qs}`),
  );
  await run(
    "CSV export",
    80,
    fc.tuple(ownCompany, query(dashboardKeys, value)).map(([c, qs]) => c + qs),
    (qs) => request(stack, a1, `/dashboard/export?${qs}`),
  );
  await run(
    "expense page",
    40,
    fc.tuple(value, query(["back", "receipt", "company"], value)).map(([id, qs]) => `${pct(id) || "x"}?${qs}`),
    (p) => request(stack, a1, `/dashboard/expenses/${p}`),
  );
  await run(
    "receipt",
    40,
    fc
      .tuple(value, value, query(["ref", "as"], value))
      .map(([id, r, qs]) => `${pct(id) || "x"}/receipts/${pct(r) || "x"}?${qs}`),
    (p) => request(stack, a1, `/dashboard/expenses/${p}`),
  );
  await run("settings page", 40, query(["company", "activity", "disconnected"], value), (qs) =>
    request(stack, a1, `/settings/integrations/pleo?${qs}`),
  );
  await run("connect", 30, query(["returnTo"], value), (qs) => request(stack, a1, `/connect/pleo?${qs}`));
  for (const [key, names] of Object.entries(ACTION_FIELDS)) {
    const fields = fc.array(fc.tuple(fc.constantFrom(...names, "$ACTION_ID_x", "__proto__"), value), { maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(fields, async (f) =>
        judge(`action ${key.split("#")[1]}`, JSON.stringify(f).slice(0, 300), await callAction(stack, a1, key, f)),
      ),
      { seed: SEED, numRuns: 20, endOnFailure: true },
    );
  }
  const after = await snapshot(stack.database.url);

  const total = Object.values(counts).reduce((x, y) => x + y, 0);
  console.log(`fuzz: ${total} cases (seed ${SEED}): ${JSON.stringify(counts)}`);
  test.info().annotations.push({ type: "fuzz", description: JSON.stringify({ total, counts }) });
  expect(problems, problems.join("\n")).toEqual([]);
  expect(after, "no table changed").toEqual(before);
});
