/**
 * Every way into the portal, read from the source at test time so a new one cannot be missed by the
 * cross-tenant sweep (e2e/proofs/tenant.spec.ts): pages and route handlers of the App Router (app/),
 * pages of the Pages Router (pages/), and server actions (exports of every "use server" module), plus
 * the actions the production build registered (its server-reference manifest).
 */
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../../tests/support/portal-process";

export type RouteFile = { kind: "page" | "handler"; route: string; file: string };
export type ActionRef = { key: string; file: string; name: string };

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)).split(path.sep).join("/"));
}

/** The URL pattern of a file under app/: route groups `(x)` and private folders `_x` add no segment. */
function appRoute(file: string): string {
  const segments = file.split("/").slice(1, -1);
  return "/" + segments.filter((s) => !/^\(.*\)$/.test(s)).join("/");
}

export function routeFiles(root = ROOT): RouteFile[] {
  const out: RouteFile[] = [];
  for (const file of walk(path.join(root, "app"))) {
    if (file.split("/").some((s) => s.startsWith("_"))) continue;
    if (/\/page\.(tsx|ts|jsx|js|mdx)$/.test(file)) out.push({ kind: "page", route: appRoute(file), file });
    else if (/\/route\.(ts|js)$/.test(file)) out.push({ kind: "handler", route: appRoute(file), file });
  }
  for (const file of walk(path.join(root, "pages"))) {
    const rel = file.replace(/^pages\//, "").replace(/\.(tsx|ts|jsx|js|mdx)$/, "");
    // _app, _document, _error: wrappers, not routes.
    if (rel.split("/").some((s) => s.startsWith("_"))) continue;
    const route = "/" + rel.replace(/(^|\/)index$/, "");
    out.push({ kind: rel.startsWith("api/") ? "handler" : "page", route: route === "/" ? "/" : route, file });
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

/** Exports of every module whose first statement is "use server" (app/, lib/, components/, auth.ts). */
export function serverActions(root = ROOT): ActionRef[] {
  const files = ["app", "lib", "components"].flatMap((d) => walk(path.join(root, d)));
  const out: ActionRef[] = [];
  for (const file of files.filter((f) => /\.(ts|tsx)$/.test(f))) {
    const src = fs.readFileSync(path.join(root, file), "utf8");
    if (!/^(\s*(\/\/[^\n]*|\/\*[\s\S]*?\*\/))*\s*["']use server["']/.test(src)) continue;
    for (const m of src.matchAll(/^export\s+(?:async\s+function|const|function)\s+(\w+)/gm))
      out.push({ key: `${file}#${m[1]}`, file, name: m[1] });
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

export type ManifestAction = { id: string; key: string; pages: string[] };

/** The actions the build registered: id, `file#export`, and the pages (URL paths) that can run each. */
export function manifestActions(distDir: string): ManifestAction[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(distDir, "server/server-reference-manifest.json"), "utf8")) as {
    node: Record<string, { workers: Record<string, unknown>; filename?: string; exportedName?: string }>;
  };
  return Object.entries(manifest.node).map(([id, a]) => ({
    id,
    key: `${a.filename}#${a.exportedName}`,
    pages: Object.keys(a.workers)
      .filter((w) => w.startsWith("app/") && w.endsWith("/page"))
      .map((w) => appRoute(w.replace(/\/page$/, "/page.tsx"))),
  }));
}
