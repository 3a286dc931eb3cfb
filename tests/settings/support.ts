/**
 * Settings suites: a viewer as a signed-in session would have it (a real Session row, so "remove the
 * company from every session" has sessions to act on), and FormData as a browser form would post it.
 */
import { randomBytes } from "node:crypto";
import type { Viewer } from "@/lib/connections/queries";
import type { World } from "@/tests/support/world";

/** The portal user the company is connected to. */
export async function ownerOf(world: World, companyId: string): Promise<string> {
  const row = await world.prisma.pleoConnection.findUniqueOrThrow({ where: { companyId }, select: { userId: true } });
  return row.userId;
}

/** A signed-in session of `userId` that opened `companyIds`, as the Viewer pages and actions get. */
export async function sessionViewer(world: World, userId: string, companyIds: string[]): Promise<Viewer> {
  const session = await world.prisma.session.create({
    data: {
      sessionToken: randomBytes(16).toString("hex"),
      userId,
      expires: new Date(Date.now() + 3600_000),
      companyIds,
    },
    select: { id: true },
  });
  return { userId, companyIds, sessionId: session.id };
}

export function form(fields: Record<string, string | undefined>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) f.set(k, v);
  return f;
}

/** Sandbox API requests by "METHOD path" since the last reset. */
export async function requests(world: World, key: string): Promise<number> {
  return (await world.sandbox.control.stats()).apiRequestsByPath[key] ?? 0;
}
