import { describe } from "vitest";
import { hasPostgres } from "@/tests/support/db";
import { defineLinkingSuite } from "./linking-suite";

describe.skipIf(!hasPostgres)("PostgreSQL (TEST_DATABASE_URL)", () => {
  defineLinkingSuite("postgres");
});
