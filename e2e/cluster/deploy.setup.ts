/**
 * Deploys the production install the way README "Deploying" says, before the cluster specs run
 * against it: `npm run build` already ran (npm run test:e2e), so copy <distDir>/standalone — and only
 * that — to a directory outside the checkout (no node_modules above it to fall back on), run the
 * migrations there with plain `node migrate.mjs`, start `node server.js`, and check it answers: the
 * landing page, /api/health and /api/ready. On the embedded database, so it runs without PostgreSQL
 * too; the cluster specs then start their instances from the same copy on PostgreSQL.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test as setup } from "@playwright/test";
import { portalEnv } from "../../tests/support/portal-env";
import {
  assertBuilt,
  migrateWith,
  readiness,
  standaloneDir,
  startPortalProcess,
} from "../../tests/support/portal-process";
import { CLUSTER } from "../env";
import { clusterPort } from "../support/cluster";

setup("deploy: copy the standalone install elsewhere, migrate with node, start, ready", async () => {
  setup.setTimeout(120_000);
  const source = standaloneDir();
  assertBuilt(source);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portal-deploy-"));
  // Symlinks stay as they are (relative, inside the install), as `cp -a`, rsync -a, tar or a Docker COPY keep them.
  fs.cpSync(source, dir, { recursive: true, verbatimSymlinks: true });
  fs.writeFileSync(CLUSTER.deployFile, JSON.stringify({ dir }));

  // Nothing in the copy points back into the checkout.
  const links: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isSymbolicLink()) links.push(p);
      else if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  for (const link of links) expect(fs.realpathSync(link).startsWith(fs.realpathSync(dir))).toBe(true);

  const port = clusterPort();
  const url = `http://127.0.0.1:${port}`;
  // The embedded database in the install's own directory (a relative PGLITE_DIR resolves there).
  const env = portalEnv("http://127.0.0.1:9", { AUTH_URL: url, PGLITE_DIR: ".data/pglite", LOG_LEVEL: "info" });
  const migrated = migrateWith(dir, env);
  expect(JSON.parse(migrated.trim().split("\n").pop()!)).toMatchObject({
    event: "db.migrate",
    msg: expect.any(String),
  });
  expect(fs.existsSync(path.join(dir, ".data/pglite"))).toBe(true);

  const portal = await startPortalProcess({ dir, port, env });
  try {
    expect(await readiness(url)).toEqual({
      status: 200,
      body: { status: "ready", checks: { configuration: "ok", database: "ok", migrations: "ok", shutdown: "ok" } },
    });
    const landing = await fetch(`${url}/`);
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain("Connect Pleo");
    // The page's own scripts and styles are served from the copy.
    const html = await (await fetch(`${url}/`)).text();
    const asset = /\/_next\/static\/[^"]+\.(?:js|css)/.exec(html)?.[0];
    expect(asset).toBeTruthy();
    expect((await fetch(`${url}${asset}`)).status).toBe(200);
    expect(landing.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  } finally {
    await portal.stop();
  }
  expect((await portal.exited).code).toBe(143);
});
