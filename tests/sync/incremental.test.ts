import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prisma } from "@/lib/generated/prisma/client";
import { runSync } from "@/lib/sync/run";
import { LARGE_COMPANY_ID } from "@/sandbox/seed/fixtures";
import { DATABASE_KINDS, databaseUnavailable } from "@/tests/support/db";
import { createWorld, type World } from "@/tests/support/world";
import { compareWithSandbox, SYNC_ENV } from "./support";

const DAY = 24 * 60 * 60 * 1000;

for (const kind of DATABASE_KINDS) {
  describe.skipIf(databaseUnavailable(kind))(`incremental sync, deletions and reconcile (${kind})`, () => {
    let world: World;
    let changes: { created: string[]; updated: string[]; deleted: string[] };
    const inWindow = { updated: [] as string[], deleted: [] as string[] };
    const outside = { updated: [] as string[], deleted: [] as string[] };

    beforeAll(async () => {
      world = await createWorld({
        database: kind,
        sandbox: { entries: 1000, rateLimit: false },
        env: SYNC_ENV,
        companies: [LARGE_COMPANY_ID],
      });
      const first = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "connect" });
      expect(first).toMatchObject({ started: true, kind: "backfill", status: "succeeded" });
    });
    afterAll(async () => {
      await world?.close();
    });

    it("the next scheduled run re-scans the trailing window: new, changed and deleted entries in it show up", async () => {
      changes = await world.sandbox.control.activity(LARGE_COMPANY_ID, { created: 8, updated: 200, deleted: 60 });
      const windowStart = Date.now() - 60 * DAY;
      const performed = new Map(
        (await world.prisma.accountingEntry.findMany({ select: { id: true, performedAt: true } })).map((e) => [
          e.id,
          e.performedAt.getTime(),
        ]),
      );
      for (const k of ["updated", "deleted"] as const) {
        for (const id of changes[k]) (performed.get(id)! >= windowStart ? inWindow : outside)[k].push(id);
      }
      // The seed spreads entries over many months: both sides of the window are exercised.
      expect(inWindow.updated.length).toBeGreaterThan(0);
      expect(inWindow.deleted.length).toBeGreaterThan(0);
      expect(outside.updated.length).toBeGreaterThan(0);

      const result = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "schedule" });
      expect(result).toMatchObject({
        started: true,
        kind: "incremental",
        status: "succeeded",
        created: changes.created.length,
        updated: inWindow.updated.length,
        deleted: inWindow.deleted.length,
      });
      const prisma = world.prisma;
      const created = await prisma.accountingEntry.findMany({ where: { id: { in: changes.created } } });
      expect(created).toHaveLength(changes.created.length);
      expect(created.every((e) => e.deletedAt === null)).toBe(true);
      expect(
        await prisma.accountingEntry.count({ where: { id: { in: inWindow.deleted }, deletedAt: { not: null } } }),
      ).toBe(inWindow.deleted.length);
      // Pleo's search cannot filter by update time: changes to older entries wait for the reconcile.
      expect(
        await prisma.accountingEntry.count({ where: { id: { in: outside.deleted }, deletedAt: { not: null } } }),
      ).toBe(0);
      const state = await prisma.syncState.findUniqueOrThrow({ where: { companyId: LARGE_COMPANY_ID } });
      expect(state.lastIncrementalAt).toBeInstanceOf(Date);
      expect(state.nextRunAt!.getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);
    });

    it("the window follows the connection's syncWindowDays", async () => {
      // Widen the window to everything: the previously missed older changes are picked up.
      await world.prisma.pleoConnection.update({
        where: { companyId: LARGE_COMPANY_ID },
        data: { syncWindowDays: 3650 },
      });
      const result = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "manual", kind: "incremental" });
      expect(result).toMatchObject({
        status: "succeeded",
        created: 0,
        updated: outside.updated.length,
        deleted: outside.deleted.length,
      });
      const { remote, local } = await compareWithSandbox(world, LARGE_COMPANY_ID);
      expect(local.count).toBe(remote.count);
      expect(local.checksum).toBe(remote.checksum);
      await world.prisma.pleoConnection.update({
        where: { companyId: LARGE_COMPANY_ID },
        data: { syncWindowDays: 60 },
      });
    });

    it("the daily reconcile catches changes outside the window and marks entries Pleo no longer returns as deleted", async () => {
      const more = await world.sandbox.control.activity(LARGE_COMPANY_ID, { updated: 50, deleted: 20 });
      // An entry we hold that Pleo does not return at all (e.g. purged): only a full scan can tell.
      const phantom = randomUUID();
      const template = await world.prisma.accountingEntry.findFirstOrThrow({ where: { deletedAt: null } });
      await world.prisma.accountingEntry.create({
        data: {
          ...template,
          id: phantom,
          tags: template.tags ?? [],
          supplier: template.supplier ?? Prisma.DbNull,
          syncedAt: new Date(),
        },
      });

      // Not due yet (the backfill counts as the first full pass)…
      const notDue = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "schedule" });
      expect(notDue).toMatchObject({ kind: "incremental" });
      // …due once a reconcile interval has passed.
      const result = await runSync({ companyId: LARGE_COMPANY_ID, trigger: "schedule", reconcileIntervalMs: 0 });
      expect(result).toMatchObject({ started: true, kind: "reconcile", status: "succeeded", created: 0 });
      if (!result.started) throw new Error("not started");
      const stillLive = await world.prisma.accountingEntry.count({
        where: { id: { in: more.deleted }, deletedAt: null },
      });
      expect(stillLive).toBe(0);
      expect(result.deleted).toBeGreaterThanOrEqual(1);
      const gone = await world.prisma.accountingEntry.findUniqueOrThrow({ where: { id: phantom } });
      expect(gone.deletedAt).toBeInstanceOf(Date);

      const { remote, local } = await compareWithSandbox(world, LARGE_COMPANY_ID);
      expect(local.count).toBe(remote.count);
      expect(local.checksum).toBe(remote.checksum);
      const state = await world.prisma.syncState.findUniqueOrThrow({ where: { companyId: LARGE_COMPANY_ID } });
      expect(state.lastReconcileAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);
      const runs = await world.prisma.syncRun.findMany({
        where: { companyId: LARGE_COMPANY_ID },
        orderBy: { startedAt: "asc" },
      });
      expect(runs.map((r) => r.kind)).toEqual(["backfill", "incremental", "incremental", "incremental", "reconcile"]);
    });
  });
}
