import { describe } from "vitest";
import { hasPostgres } from "@/tests/support/db";
import { defineEndedSessionsSuite } from "./ended-sessions-suite";

describe.skipIf(!hasPostgres)("PostgreSQL (TEST_DATABASE_URL)", () => {
  defineEndedSessionsSuite("postgres");
});
