import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { database, setDatabaseForProcess } from "@/lib/db";
import type { Database } from "@/lib/db/connect";
import { warmDatabase } from "@/lib/db/warm-up";
import { resetEnvForTests } from "@/lib/env";
import { processSlot } from "@/lib/process-singleton";
import { createTestDatabase } from "@/tests/support/db";
import { configurePortal } from "@/tests/support/env";
import { captureLogger } from "@/tests/support/logs";

// No sandbox is needed: only the database configuration matters here.
const UNUSED_SANDBOX = "http://127.0.0.1:9";

afterEach(async () => {
  await database()
    .close()
    .catch(() => undefined);
  setDatabaseForProcess(undefined);
  delete process.env.DATABASE_URL;
  resetEnvForTests();
});

describe("warmDatabase (start-up)", () => {
  it("opens the configured PGlite directory for the process, so the first request finds it open", async () => {
    const made = await createTestDatabase("pglite-dir");
    await made.close(); // one process may hold a PGlite directory: the warm-up opens it afresh
    configurePortal(UNUSED_SANDBOX, { PGLITE_DIR: made.dir! });
    setDatabaseForProcess(undefined);
    const { logger, lines } = captureLogger();

    await warmDatabase(logger);

    // Open before any request asked for it, and the one requests get.
    const opened = processSlot<Database>("database").get();
    expect(opened?.target).toEqual({ kind: "pglite", dir: made.dir });
    expect(database()).toBe(opened);
    await expect(opened!.prisma.$queryRaw`SELECT 1 AS one`).resolves.toEqual([{ one: 1 }]);
    const warmed = lines().find((l) => l.msg === "database warmed at start-up");
    expect(warmed).toMatchObject({ level: 30, module: "db" });
    expect(typeof warmed!.durationMs).toBe("number");
    await opened!.close();
    setDatabaseForProcess(undefined);
    fs.rmSync(made.dir!, { recursive: true, force: true });
  });

  it("never throws when the database is unreachable: it logs a warning and the pages explain the rest", async () => {
    configurePortal(UNUSED_SANDBOX);
    process.env.DATABASE_URL = "postgresql://portal:not-logged@127.0.0.1:1/portal";
    resetEnvForTests();
    setDatabaseForProcess(undefined);
    const { logger, lines, text } = captureLogger();

    await expect(warmDatabase(logger)).resolves.toBeUndefined();

    const warning = lines().find((l) => l.msg === "database not warmed at start-up");
    expect(warning).toMatchObject({ level: 40, module: "db" });
    expect(warning!.err).toBeDefined();
    expect(text()).not.toContain("not-logged");
  });
});
