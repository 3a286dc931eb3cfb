// Mutation testing (README → Tests → Mutation testing): `npm run test:mutation`, or one module with the
// suites that exercise it while you work:
//   MUTATION_TESTS=tests/lib/crypto.test.ts npm run test:mutation -- --mutate lib/crypto.ts
// Not part of CI: a whole run takes hours on two cores. Needs no PostgreSQL: the suites use PGlite, and the PostgreSQL-only suites skip without
// TEST_DATABASE_URL (leave it unset so a run stays on one engine and fits the machine).
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
const config = {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts" },
  // Only the tests that cover a mutant run against it; this is what makes a run fit a small machine.
  coverageAnalysis: "perTest",
  mutate: [
    "lib/pleo/**/*.ts",
    "lib/connections/**/*.ts",
    "lib/auth/**/*.ts",
    "lib/sync/**/*.ts",
    "lib/expenses/**/*.ts",
    "lib/crypto.ts",
    "sandbox/oauth/**/*.ts",
    // Types only, and generated code: no behaviour of ours to test.
    "!lib/pleo/types.ts",
    "!lib/generated/**",
  ],
  // Suites start a sandbox over HTTP and a PGlite database per file: a mutant's run is seconds, and a
  // mutant that loops or deadlocks must still end.
  timeoutMS: 60_000,
  // The initial run of the whole suite (without MUTATION_TESTS) takes many minutes on two cores.
  dryRunTimeoutMinutes: 90,
  timeoutFactor: 2,
  concurrency: 1,
  // Cheap reruns: results for unchanged code and tests are reused.
  incremental: true,
  incrementalFile: "reports/mutation/stryker-incremental.json",
  reporters: ["html", "clear-text", "progress"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
  ignorePatterns: [".next*", ".data", "test-results", "playwright-report", "reports", "coverage"],
  thresholds: { high: 85, low: 70, break: null },
};

export default config;
