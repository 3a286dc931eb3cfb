/**
 * The connected-hooks list (lib/connections/events.ts) on its own: every attached hook runs with the
 * company id, a hook that throws or rejects is logged (with the company and the error) and neither
 * stops the others nor reaches the caller, and a detached hook runs no more. The connect flow's suites
 * (tests/connect/linking-suite.ts) cover the same through a real sign-in.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { onCompanyConnected, registerConnectedHook } from "@/lib/connections/events";
import { captureLogger, setProcessLogger } from "@/tests/support/logs";

const X = "5a0c1f1e-7d43-4c2a-9b1e-3f6d2a8c4e11";

describe("connected hooks", () => {
  let logs: ReturnType<typeof captureLogger>;
  let detach: Array<() => void> = [];
  beforeEach(() => {
    logs = captureLogger();
    setProcessLogger(logs.logger);
  });
  afterEach(() => {
    detach.forEach((d) => d());
    detach = [];
    setProcessLogger(undefined);
  });

  it("runs every hook with the company id; a throwing or rejecting hook is logged and stops nothing", async () => {
    const calls: string[] = [];
    detach.push(
      registerConnectedHook(() => {
        throw new Error("hook threw");
      }),
      registerConnectedHook(async () => {
        throw new Error("hook rejected");
      }),
      registerConnectedHook(async (id) => {
        calls.push(`first ${id}`);
      }),
      registerConnectedHook((id) => {
        calls.push(`second ${id}`);
      }),
    );
    await expect(onCompanyConnected(X)).resolves.toBeUndefined();
    expect(calls.sort()).toEqual([`first ${X}`, `second ${X}`]);
    const errors = logs.lines().filter((l) => l.level === 50);
    expect(errors).toHaveLength(2);
    expect(errors.map((l) => (l.err as { message: string }).message).sort()).toEqual(["hook rejected", "hook threw"]);
    for (const line of errors) expect(line).toMatchObject({ companyId: X, msg: "connected hook failed" });
  });

  it("a detached hook runs no more; the others still do", async () => {
    const calls: string[] = [];
    const off = registerConnectedHook(() => {
      calls.push("detached");
    });
    detach.push(
      registerConnectedHook(() => {
        calls.push("kept");
      }),
    );
    off();
    await onCompanyConnected(X);
    expect(calls).toEqual(["kept"]);
    expect(logs.lines()).toEqual([]);
  });
});
