/**
 * The uninstall at Pleo that a disconnect may still owe: attempts claim the row first, so several portal
 * instances running the background job never send it twice; a claim left by an instance that died
 * expires; the stored grant is refreshed when its access token expired, and an interrupted refresh is
 * verified (introspection) before its token is presented again.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { decryptToken } from "@/lib/crypto";
import { CLAIM_MS, claimUninstall, retryDueUninstalls } from "@/lib/connections/disconnections";
import type { Viewer } from "@/lib/connections/queries";
import { handleDisconnect } from "@/lib/settings/actions";
import { SOLO_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { DATABASE_KINDS, databaseUnavailable } from "@/tests/support/db";
import { createWorld, type World } from "@/tests/support/world";
import { SYNC_ENV } from "@/tests/sync/support";
import { form, ownerOf, requests, sessionViewer } from "./support";

const COMPANY = SOLO_COMPANY_ID;
const DELETE = "DELETE /v1/installations/me";

for (const kind of DATABASE_KINDS) {
  describe.skipIf(databaseUnavailable(kind))(`pending uninstalls (${kind})`, () => {
    let world: World;
    let viewer: Viewer;
    let id: string;

    beforeAll(async () => {
      world = await createWorld({
        database: kind,
        sandbox: { entries: 100, rateLimit: false },
        env: SYNC_ENV,
      });
    });
    afterAll(async () => {
      await world?.close();
    });

    /** Connected, then disconnected while Pleo is unreachable: one pending uninstall, due now. */
    beforeEach(async () => {
      await world.reset();
      await world.prisma.disconnection.deleteMany();
      await world.prisma.connectionEvent.deleteMany();
      await world.connect(COMPANY);
      viewer = await sessionViewer(world, await ownerOf(world, COMPANY), [COMPANY]);
      await world.sandbox.control.fault({ path: "/v1/installations/me", status: 503 });
      const r = await handleDisconnect(viewer, form({ companyId: COMPANY, data: "keep" }));
      expect(r.message).toContain("pending");
      id = r.disconnectionId!;
      await world.sandbox.control.clearFaults();
      await world.prisma.disconnection.update({ where: { id }, data: { nextAttemptAt: new Date() } });
    });

    const row = () => world.prisma.disconnection.findUniqueOrThrow({ where: { id } });
    const later = (ms: number) => () => Date.now() + ms;

    it("three instances run the background job at once: one claims it, Pleo gets exactly one DELETE", async () => {
      const before = await requests(world, DELETE);
      const results = await Promise.all([retryDueUninstalls(), retryDueUninstalls(), retryDueUninstalls()]);
      expect(results.reduce((n, r) => n + r.attempted, 0)).toBe(1);
      expect(results.reduce((n, r) => n + r.done, 0)).toBe(1);
      expect((await requests(world, DELETE)) - before).toBe(1);
      expect(await row()).toMatchObject({ uninstallStatus: "done", claimedBy: null, refreshTokenEnc: null });
      // Done is done: later passes find nothing to do.
      expect(await retryDueUninstalls({ now: later(24 * 3600_000) })).toEqual({ attempted: 0, done: 0 });
    });

    it("a claim held by an instance that died blocks others until it expires, then the job finishes it", async () => {
      expect(await claimUninstall(world.prisma, id, "dead-instance", new Date())).toBe(true);
      expect(await claimUninstall(world.prisma, id, "another", new Date())).toBe(false);
      expect(await retryDueUninstalls()).toEqual({ attempted: 0, done: 0 });
      expect(await retryDueUninstalls({ now: later(CLAIM_MS + 1000) })).toEqual({ attempted: 1, done: 1 });
      expect(await row()).toMatchObject({ uninstallStatus: "done" });
    });

    it("not due yet: the job leaves it for later (backoff), and picks it up once due", async () => {
      const due = new Date(Date.now() + 10 * 60_000);
      await world.prisma.disconnection.update({ where: { id }, data: { nextAttemptAt: due } });
      expect(await retryDueUninstalls()).toEqual({ attempted: 0, done: 0 });
      expect(await retryDueUninstalls({ now: later(10 * 60_000 + 1000) })).toEqual({ attempted: 1, done: 1 });
    });

    it("Pleo still down: the attempt is counted and the next one backs off; the event says it was retried", async () => {
      await world.sandbox.control.fault({ path: "/v1/installations/me", status: 503 });
      expect(await retryDueUninstalls()).toEqual({ attempted: 1, done: 0 });
      const r = await row();
      expect(r).toMatchObject({ uninstallStatus: "pending", attempts: 2, claimedBy: null });
      expect(r.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() + 30_000);
      expect(await retryDueUninstalls()).toEqual({ attempted: 0, done: 0 });
      const event = await world.prisma.connectionEvent.findFirstOrThrow({
        where: { companyId: COMPANY, type: "uninstall_retried" },
      });
      expect(event).toMatchObject({ actor: "scheduler" });
    });

    it("the stored access token expired: the grant is refreshed (rotation stored) and the uninstall completes", async () => {
      await world.clock.advance(3600);
      const refreshes = (await world.sandbox.control.stats()).tokenRequests.refresh_token;
      expect(await retryDueUninstalls({ now: world.clock.now })).toEqual({ attempted: 1, done: 1 });
      expect((await world.sandbox.control.stats()).tokenRequests.refresh_token).toBe(refreshes + 1);
      expect((await world.sandbox.control.installations()).some((i) => i.companyId === COMPANY)).toBe(false);
    });

    it("an interrupted refresh whose token is still active: verified, then used once", async () => {
      await world.clock.advance(3600);
      await world.prisma.disconnection.update({
        where: { id },
        data: { refreshStartedAt: new Date(Date.now() - 60_000) },
      });
      const before = await world.sandbox.control.stats();
      expect(await retryDueUninstalls({ now: world.clock.now })).toEqual({ attempted: 1, done: 1 });
      const after = await world.sandbox.control.stats();
      expect(after.tokenRequests.refresh_token).toBe(before.tokenRequests.refresh_token + 1);
      expect(after.refreshReuseDetected).toBe(before.refreshReuseDetected);
    });

    it("an interrupted refresh that Pleo did process: the rotated-out token is never presented; nothing left to do", async () => {
      // Pleo rotated the stored refresh token (as if the answer was lost on the way back).
      const sealed = (await row()).refreshTokenEnc!;
      const res = await fetch(`${world.sandbox.url}/oauth/token`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Basic ${Buffer.from(`${world.oauth.clientId}:${world.oauth.clientSecret}`).toString("base64")}`,
        },
        body: new URLSearchParams({
          grant_type: "refresh_token",
          refresh_token: await decryptToken(sealed, { companyId: COMPANY, field: "refresh_token" }),
        }),
      });
      expect(res.status).toBe(200);
      await world.clock.advance(3600);
      await world.prisma.disconnection.update({
        where: { id },
        data: { refreshStartedAt: new Date(Date.now() - 60_000) },
      });
      const before = await world.sandbox.control.stats();
      expect(await retryDueUninstalls({ now: world.clock.now })).toEqual({ attempted: 1, done: 1 });
      const after = await world.sandbox.control.stats();
      expect(after.refreshReuseDetected).toBe(before.refreshReuseDetected);
      expect(after.tokenRequests.refresh_token).toBe(before.tokenRequests.refresh_token);
      expect(await row()).toMatchObject({ uninstallStatus: "not_needed", refreshTokenEnc: null });
    });
  });
}
