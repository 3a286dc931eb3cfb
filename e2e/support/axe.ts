/**
 * Accessibility check every spec runs on every page it visits: axe-core (WCAG 2.0/2.1/2.2 A and AA
 * rules) on the page as it is now, failing on any serious or critical violation and naming each one
 * with the elements it found. Minor and moderate findings are reported, not failed. Each check prints
 * one `[axe]` line and appends it to test-results/axe-summary.jsonl (the per-page table in the report).
 */
import fs from "node:fs";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";

const SUMMARY = path.join(process.cwd(), "test-results", "axe-summary.jsonl");
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const FAILING = new Set(["serious", "critical"]);

export async function expectAccessible(page: Page, name: string, opts: { include?: string } = {}): Promise<void> {
  let builder = new AxeBuilder({ page }).withTags(TAGS);
  if (opts.include) builder = builder.include(opts.include);
  const { violations, passes } = await builder.analyze();
  const count = (impacts: (string | null | undefined)[]) =>
    violations.filter((v) => impacts.includes(v.impact)).reduce((n, v) => n + v.nodes.length, 0);
  const line = {
    project: test.info().project.name,
    page: name,
    url: new URL(page.url()).pathname + new URL(page.url()).search,
    critical: count(["critical"]),
    serious: count(["serious"]),
    moderate: count(["moderate"]),
    minor: count(["minor", null, undefined]),
    rulesPassed: passes.length,
  };
  console.log(
    `[axe] ${line.page} (${line.url}): ${line.critical} critical, ${line.serious} serious, ${line.moderate} moderate, ${line.minor} minor; ${line.rulesPassed} rules passed`,
  );
  fs.mkdirSync(path.dirname(SUMMARY), { recursive: true });
  fs.appendFileSync(SUMMARY, `${JSON.stringify(line)}\n`);
  const failing = violations
    .filter((v) => FAILING.has(v.impact ?? ""))
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(failing, `axe on ${name}`).toEqual([]);
}
