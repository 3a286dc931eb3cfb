import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { barExtent, valueScale } from "@/components/dashboard/chart-scale";
import { MonthlySpendBars, type MonthlyBar } from "@/components/dashboard/monthly-spend-chart";
import { monthFilter } from "@/components/dashboard/view";
import { parseExpenseFilters } from "@/lib/expenses/filters";

describe("valueScale", () => {
  it("starts at zero and ends on a round tick above the largest value", () => {
    const s = valueScale([0, 1234, 5000]);
    expect(s.ticks).toEqual([0, 2000, 4000, 6000]);
    expect(s.at(6000)).toBe(0);
    expect(s.at(0)).toBe(100);
    expect(s.at(3000)).toBe(50);
  });

  it("keeps float noise out of the ticks", () => {
    expect(valueScale([0.3]).ticks).toEqual([0, 0.1, 0.2, 0.3]);
    expect(valueScale([0.7, 0.2]).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
  });

  it("has a domain when every value is zero", () => {
    const s = valueScale([0, 0, 0]);
    expect(s.min).toBe(0);
    expect(s.max).toBeGreaterThan(0);
    expect(s.at(0)).toBe(100);
  });

  it("extends below zero for negative months (credit notes larger than spend), bars hang from zero", () => {
    const s = valueScale([-300, 1000]);
    expect(s.ticks).toEqual([-500, 0, 500, 1000]);
    const up = barExtent(s, 1000);
    expect(up.top).toBeCloseTo(0);
    expect(up.height).toBeCloseTo(200 / 3);
    const down = barExtent(s, -300);
    expect(down.top).toBeCloseTo(200 / 3);
    expect(down.height).toBeCloseTo(20);
  });
});

/** Twelve months of 2025 with the given spend (DKK); month i has i expenses. */
function bars(values: number[]): MonthlyBar[] {
  return values.map((value, i) => {
    const start = new Date(Date.UTC(2025, i, 1));
    const mm = String(i + 1).padStart(2, "0");
    return {
      label: start.toLocaleString("en-GB", { month: "short", year: "2-digit", timeZone: "UTC" }),
      long: start.toLocaleString("en-GB", { month: "long", year: "numeric", timeZone: "UTC" }),
      value,
      formatted: `DKK ${value.toFixed(2)}`,
      count: i,
      href: `/dashboard?period=custom&from=2025-${mm}-01`,
    };
  });
}

describe("MonthlySpendBars (server-rendered)", () => {
  const values = [100, 200, 0, 400, 50, 0, 0, 0, 0, 0, 0, 300];
  const html = renderToStaticMarkup(
    createElement(MonthlySpendBars, { data: bars(values), currency: "DKK", locale: "en-GB" }),
  );
  const doc = new DOMParserLite(html);

  it("draws one SVG bar per month, as high as its value on the axis, with no script", () => {
    expect(html).not.toContain("<script");
    const rects = doc.all("rect");
    expect(rects).toHaveLength(12);
    const scale = valueScale(values);
    rects.forEach((r, i) => {
      expect(Number(r.height)).toBeCloseTo(barExtent(scale, values[i]).height, 5);
      expect(Number(r.y)).toBeCloseTo(barExtent(scale, values[i]).top, 5);
    });
    // The tallest month reaches the top tick; the axis labels are the ticks, formatted.
    expect(Number(rects[3].y)).toBeCloseTo(0);
    expect(html).toContain("DKK 400");
  });

  it("gives every month a link that names its amount and count and opens that month", () => {
    const links = doc.all("a");
    expect(links).toHaveLength(12);
    expect(links[3]["aria-label"]).toBe("April 2025: DKK 400.00, 3 expenses. Show this month");
    expect(links[1]["aria-label"]).toBe("February 2025: DKK 200.00, 1 expense. Show this month");
    expect(links[0].href).toBe("/dashboard?period=custom&amp;from=2025-01-01");
  });

  it("puts each month's details in a tooltip shown on hover and keyboard focus", () => {
    const tips = html.match(/data-testid="monthly-tooltip"[^>]*class="([^"]*)"/g) ?? [];
    expect(tips).toHaveLength(12);
    for (const t of tips) {
      expect(t).toContain("invisible");
      expect(t).toContain("group-hover:visible");
      expect(t).toContain("group-focus-visible:visible");
    }
    expect(html).toContain("DKK 300.00");
  });
});

describe("monthFilter", () => {
  it("covers the month's days, leap years and December included, and parses back as a valid custom period", () => {
    expect(monthFilter("2024-02")).toEqual({ period: "custom", from: "2024-02-01", to: "2024-02-29" });
    expect(monthFilter("2025-02").to).toBe("2025-02-28");
    expect(monthFilter("2025-12")).toEqual({ period: "custom", from: "2025-12-01", to: "2025-12-31" });
    const { filters, issues } = parseExpenseFilters({ ...monthFilter("2025-04") });
    expect(issues).toEqual([]);
    expect(filters).toMatchObject({ period: "custom", from: "2025-04-01", to: "2025-04-30" });
  });
});

/** Just enough of an HTML reader for the attributes above (no DOM in the node test environment). */
class DOMParserLite {
  constructor(private html: string) {}
  all(tag: string): Record<string, string>[] {
    const out: Record<string, string>[] = [];
    for (const m of this.html.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, "g"))) {
      const attrs: Record<string, string> = {};
      for (const a of m[1].matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
      out.push(attrs);
    }
    return out;
  }
}
