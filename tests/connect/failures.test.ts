/**
 * Every way a connect can fail ends on the error page with a specific reason, and stores nothing.
 * Real next-auth handlers, real sandbox (with its fault injection), real PGlite.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FaultSpec } from "@/tests/support/sandbox";
import { COMPANY_BRIGHTWAVE, COMPANY_NORDLYS, DEMO_USER } from "@/sandbox/seed/fixtures";
import { Browser, countRows, errorCodeOf, PORTAL, startHarness, type Harness } from "./harness";

const demo = { email: DEMO_USER.email, password: DEMO_USER.password, companyId: COMPANY_NORDLYS.id };
const empty = { users: 0, accounts: 0, connections: 0, sessions: 0, companies: 0 };

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());
afterEach(async () => {
  await h.sandbox.control.clearFaults();
  h.world.configure();
});

const fault = (spec: FaultSpec) => h.sandbox.control.fault(spec);

async function failedWith(to: string, code: string) {
  expect(errorCodeOf(to)).toBe(code);
  expect(await countRows(h.db)).toEqual(empty);
}

describe("connect failures end on the error page and store nothing", () => {
  it("Deny at Pleo → access_denied", async () => {
    const b = new Browser();
    await failedWith(await h.connect(b, { ...demo, deny: true }), "access_denied");
    expect(b.sessionToken()).toBeUndefined();
  });

  it("state that does not match the browser's → state_mismatch", async () => {
    const b = new Browser();
    const path = await h.authorize(b, demo);
    const url = new URL(path, PORTAL);
    url.searchParams.set("state", "forged-state-value");
    await failedWith(await h.finish(b, url.pathname + url.search), "state_mismatch");
  });

  it("callback opened in another browser (no state cookie) → state_mismatch", async () => {
    const path = await h.authorize(new Browser(), demo);
    await failedWith(await h.finish(new Browser(), path), "state_mismatch");
  });

  it("missing or expired PKCE cookie → pkce_missing", async () => {
    const b = new Browser();
    const path = await h.authorize(b, demo);
    // next-auth's check cookies live 15 minutes; an expired one is simply gone.
    expect(b.cookies.delete("authjs.pkce.code_verifier")).toBe(true);
    await failedWith(await h.finish(b, path), "pkce_missing");
  });

  it("replayed authorization code → code_rejected, and the replay adds nothing", async () => {
    const b = new Browser();
    const path = await h.authorize(b, demo);
    const replay = b.clone(); // same check cookies, as if the callback were submitted twice
    expect(await h.finish(b, path)).toBe(`${PORTAL}/dashboard`);
    const rows = await countRows(h.db);
    expect(errorCodeOf(await h.finish(replay, path))).toBe("code_rejected");
    expect(await countRows(h.db)).toEqual(rows);
    // Clean slate for the remaining cases.
    await h.db.prisma.user.deleteMany();
    await h.db.prisma.pleoCompany.deleteMany();
  });

  it("invalid client credentials → client_rejected", async () => {
    const b = new Browser();
    const path = await h.authorize(b, demo);
    h.world.configure({ PLEO_CLIENT_SECRET: "not-the-secret" });
    await failedWith(await h.finish(b, path), "client_rejected");
  });

  it("Pleo answers 5xx during the code exchange → pleo_unavailable", async () => {
    const b = new Browser();
    const path = await h.authorize(b, demo);
    await fault({ path: "/oauth/token", status: 503, times: 1 });
    await failedWith(await h.finish(b, path), "pleo_unavailable");
  });

  it("Pleo drops the connection during the code exchange → pleo_unavailable", async () => {
    const b = new Browser();
    const path = await h.authorize(b, demo);
    await fault({ path: "/oauth/token", reset: true, times: 1 });
    await failedWith(await h.finish(b, path), "pleo_unavailable");
  });

  it("Pleo unreachable (nothing listening) → pleo_unavailable", async () => {
    const b = new Browser();
    const path = await h.authorize(b, demo);
    // Discard port: connection refused.
    h.world.configure({ PLEO_AUTH_URL: "http://127.0.0.1:9", PLEO_API_URL: "http://127.0.0.1:9" });
    await failedWith(await h.finish(b, path), "pleo_unavailable");
  });

  it("introspection fails after the exchange → pleo_unavailable, no user created", async () => {
    const b = new Browser();
    const path = await h.authorize(b, { ...demo, companyId: COMPANY_BRIGHTWAVE.id });
    await fault({ path: "/v1/introspect", status: 500, times: 1 });
    await failedWith(await h.finish(b, path), "pleo_unavailable");
  });

  it("after all that, a clean connect still works", async () => {
    expect(await h.connect(new Browser(), demo)).toBe(`${PORTAL}/dashboard`);
    expect((await countRows(h.db)).connections).toBe(1);
  });
});
