import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config";

// Stryker's vitest config (stryker.config.mjs). MUTATION_TESTS narrows the suites a scoped run uses
// (comma-separated globs, e.g. "tests/lib/crypto.test.ts"); otherwise the dry run runs the whole suite
// once before mutating.
const only = process.env.MUTATION_TESTS?.split(",")
  .map((s) => s.trim())
  .filter(Boolean);

const config = mergeConfig(base, defineConfig({}));
// mergeConfig concatenates arrays: replace the list instead.
if (only?.length) config.test!.include = only;
export default config;
