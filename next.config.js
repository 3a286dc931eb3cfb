/** @type {import('next').NextConfig} */
const nextConfig = {
  // PGlite loads its WASM from its package directory; bundling it breaks that ("path argument must be
  // … Received an instance of URL"). Keep the database drivers external.
  serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter", "pino", "pino-pretty", "pg"],
  // Lets several builds coexist (e.g. parallel e2e runs on one machine); default `.next`.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
