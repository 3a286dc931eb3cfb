/**
 * The scheduler honours each sync frequency: a run is due exactly one interval after the last success
 * (never before), "manual only" is never due, and a changed frequency moves the next run. The clock is
 * injected (`dueCompanies(limit, now)`, `scheduleDueSyncs(max, now)`), so no test waits for real time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Viewer } from "@/lib/connections/queries";
import { handleSaveSettings, handleSyncNow } from "@/lib/settings/actions";
import { runSync } from "@/lib/sync/run";
import { dueCompanies, scheduleDueSyncs } from "@/lib/sync/scheduler";
import { runningSync } from "@/lib/sync/trigger";
import { SOLO_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { DATABASE_KINDS, databaseUnavailable } from "@/tests/support/db";
import { createWorld, type World } from "@/tests/support/world";
import { SYNC_ENV } from "@/tests/sync/support";
import { form, ownerOf, sessionViewer } from "./support";

const COMPANY = SOLO_COMPANY_ID;
const SECOND = 1000;

for (const kind of DATABASE_KINDS) {
  describe.skipIf(databaseUnavailable(kind))(`the schedule follows the sync frequency (${kind})`, () => {
    let world: World;
    let viewer: Viewer;

    beforeAll(async () => {
      world = await createWorld({
        database: kind,
        sandbox: { entries: 100, rateLimit: false },
        env: SYNC_ENV,
        companies: [COMPANY],
      });
      expect(await runSync({ companyId: COMPANY, trigger: "connect" })).toMatchObject({ status: "succeeded" });
      viewer = await sessionViewer(world, await ownerOf(world, COMPANY), [COMPANY]);
    });
    afterAll(async () => {
      await world?.close();
    });

    const due = async (at: Date) => (await dueCompanies(50, at)).includes(COMPANY);
    const state = () => world.prisma.syncState.findUniqueOrThrow({ where: { companyId: COMPANY } });

    // Each differs from the one before (the default is 15 minutes), so each save moves the schedule.
    for (const [frequency, minutes] of [
      ["60", 60],
      ["360", 360],
      ["1440", 1440],
      ["15", 15],
    ] as const) {
      it(`every ${minutes} minutes: due one interval after the last success, not a second earlier; the run sets the next`, async () => {
        const saved = await handleSaveSettings(
          viewer,
          form({ companyId: COMPANY, frequency, history: "all", changesWindow: "60" }),
        );
        expect(saved.status).not.toBe("error");
        const s = await state();
        const dueAt = s.lastSuccessAt!.getTime() + minutes * 60_000;
        expect(s.nextRunAt!.getTime()).toBe(dueAt);
        expect(await due(new Date(dueAt - SECOND))).toBe(false);
        expect(await due(new Date(dueAt))).toBe(true);

        // The scheduler's pass at that time starts the run; the run then schedules the next one.
        expect(await scheduleDueSyncs(3, new Date(dueAt + SECOND))).toEqual([COMPANY]);
        const result = await runningSync(COMPANY);
        expect(result).toMatchObject({ started: true, status: "succeeded" });
        const after = await state();
        expect(after.nextRunAt!.getTime() - after.lastSuccessAt!.getTime()).toBe(minutes * 60_000);
        expect(await due(new Date(after.lastSuccessAt!.getTime() + minutes * 60_000 - SECOND))).toBe(false);
        const run = await world.prisma.syncRun.findFirstOrThrow({
          where: { companyId: COMPANY },
          orderBy: { startedAt: "desc" },
        });
        expect(run.trigger).toBe("schedule");
      });
    }

    it("manual only: never due, however much time passes; Sync now still runs; back on a schedule it is due again", async () => {
      await handleSaveSettings(
        viewer,
        form({ companyId: COMPANY, frequency: "manual", history: "all", changesWindow: "60" }),
      );
      const s = await state();
      const farFuture = new Date(s.lastSuccessAt!.getTime() + 365 * 24 * 3600 * SECOND);
      expect(await due(farFuture)).toBe(false);
      expect(await scheduleDueSyncs(3, farFuture)).toEqual([]);
      expect(await handleSyncNow(viewer, form({ companyId: COMPANY }))).toMatchObject({ status: "success" });
      expect(await runningSync(COMPANY)).toMatchObject({ status: "succeeded" });
      expect(await due(farFuture)).toBe(false);

      await handleSaveSettings(
        viewer,
        form({ companyId: COMPANY, frequency: "60", history: "all", changesWindow: "60" }),
      );
      expect(await due(farFuture)).toBe(true);
    });

    it("a connection that needs reconnecting is never due (the schedule stops)", async () => {
      await world.sandbox.control.revoke(COMPANY);
      expect(await runSync({ companyId: COMPANY, trigger: "manual" })).toMatchObject({ status: "needs_reauth" });
      expect(await due(new Date(Date.now() + 365 * 24 * 3600 * SECOND))).toBe(false);
    });
  });
}
