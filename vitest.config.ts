import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@\/(.*)$/, replacement: `${root}$1` },
      // `server-only` throws when imported outside a React Server Components bundle; in tests we run
      // server modules directly in Node, which is exactly the environment it protects.
      { find: /^server-only$/, replacement: `${root}tests/support/server-only.ts` },
    ],
  },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Suites start their own sandbox and database on ephemeral ports/directories; files run in parallel
    // workers but each file is self-contained.
    pool: "forks",
    // next-auth imports "next/server" without an extension, which Node's ESM resolver rejects; let Vite
    // resolve its imports instead.
    server: { deps: { inline: ["next-auth"] } },
    maxWorkers: 2,
  },
});
