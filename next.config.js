/** @type {import('next').NextConfig} */
const nextConfig = {
  // The production install (README, "Deploying"): `npm run build` leaves a self-contained server in
  // <distDir>/standalone (server.js, the traced node_modules, the migrations and migrate.mjs), copied
  // as is to wherever the portal runs; scripts/build-standalone.mjs adds what Next leaves out (static
  // assets, the migrations, migrate.mjs).
  output: "standalone",
  // PGlite loads its WASM from its package directory; bundling it breaks that ("path argument must be
  // … Received an instance of URL"). Keep the database drivers external: they are traced into the
  // standalone node_modules whole (PGlite's .wasm and .data files included).
  serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter", "pino", "pg"],
  outputFileTracingExcludes: {
    // sharp (~19 MB) serves next/image optimisation, which the portal does not use (images.unoptimized).
    // (Next's route traces ignore these under Turbopack: the build script prunes Prisma's engines.)
    "**": ["./node_modules/@img/**", "./node_modules/sharp/**"],
  },
  images: { unoptimized: true },
  // Lets several builds coexist (e.g. parallel e2e runs on one machine); default `.next`.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
