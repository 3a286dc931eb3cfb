import { describe, expect, it } from "vitest";
import { DEFAULT_FILTERS, filtersToSearchParams, parseExpenseFilters, periodOf } from "@/lib/expenses/filters";

const EMP = "0b6e1f6c-3b3f-4f0e-9a51-1f2d3c4b5a69";

describe("parseExpenseFilters", () => {
  it("defaults to this month, newest first, page 1, with no issues", () => {
    expect(parseExpenseFilters({})).toEqual({ filters: DEFAULT_FILTERS, issues: [] });
  });

  it("reads every filter from the URL", () => {
    const { filters, issues } = parseExpenseFilters(
      new URLSearchParams(
        `period=last-month&family=CARD_PURCHASE&status=PENDING&review=WAITING&employee=${EMP}&team=${EMP}&category=none&currency=usd&receipt=missing&q=%20coffee%20&sort=amount&dir=asc&page=3`,
      ),
    );
    expect(issues).toEqual([]);
    expect(filters).toEqual({
      period: "last-month",
      family: "CARD_PURCHASE",
      status: "PENDING",
      review: "WAITING",
      employee: EMP,
      team: EMP,
      category: "none",
      currency: "USD",
      receipt: "missing",
      q: "coffee",
      sort: "amount",
      dir: "asc",
      page: 3,
    });
  });

  it("drops each bad value with a message and keeps the good ones", () => {
    const { filters, issues } = parseExpenseFilters({
      period: "fortnight",
      family: "SHOPPING",
      employee: "not-a-uuid",
      currency: "DOLLARS",
      page: "-2",
      sort: "colour",
      dir: "sideways",
      status: "COMPLETED",
    });
    expect(filters).toEqual({ ...DEFAULT_FILTERS, status: "COMPLETED" });
    expect(issues).toHaveLength(7);
    expect(issues).toContain('"fortnight" is not a known period; showing this month.');
    expect(issues).toContain('"SHOPPING" is not a valid family; that filter was ignored.');
    expect(issues).toContain('"-2" is not a page number between 1 and 400; showing the first page.');
  });

  it("rejects over-long search text and huge pages", () => {
    const { filters, issues } = parseExpenseFilters({ q: "x".repeat(101), page: "100000" });
    expect(filters.q).toBeUndefined();
    expect(filters.page).toBe(1);
    expect(issues).toHaveLength(2);
  });

  it("accepts custom ranges and explains broken ones", () => {
    expect(parseExpenseFilters({ from: "2026-03-01", to: "2026-03-31" }).filters).toMatchObject({
      period: "custom",
      from: "2026-03-01",
      to: "2026-03-31",
    });
    const reversed = parseExpenseFilters({ period: "custom", from: "2026-03-31", to: "2026-03-01" });
    expect(reversed.filters.period).toBe("this-month");
    expect(reversed.issues[0]).toMatch(/ends before it starts/);
    const impossible = parseExpenseFilters({ period: "custom", from: "2026-02-30", to: "2026-03-01" });
    expect(impossible.filters.period).toBe("this-month");
    expect(impossible.issues[0]).toMatch(/valid start and end date/);
  });

  it("uses the first value of repeated parameters and ignores blanks", () => {
    expect(parseExpenseFilters({ family: ["MILEAGE", "WALLET"], q: "   " }).filters).toEqual({
      ...DEFAULT_FILTERS,
      family: "MILEAGE",
    });
  });

  it("sorting by a text column defaults to ascending", () => {
    expect(parseExpenseFilters({ sort: "supplier" }).filters).toMatchObject({ sort: "supplier", dir: "asc" });
  });
});

describe("filtersToSearchParams", () => {
  it("omits defaults and round-trips through the parser", () => {
    expect(filtersToSearchParams(DEFAULT_FILTERS).toString()).toBe("");
    const f = {
      ...DEFAULT_FILTERS,
      period: "custom" as const,
      from: "2026-01-01",
      to: "2026-01-31",
      family: "MILEAGE" as const,
      q: "a&b=c",
      sort: "amount" as const,
      dir: "asc" as const,
      page: 2,
    };
    const params = filtersToSearchParams(f, { company: EMP });
    expect(params.get("company")).toBe(EMP);
    expect(parseExpenseFilters(params).filters).toEqual(f);
  });
});

describe("periodOf", () => {
  it("turns a custom filter into an inclusive date range", () => {
    const p = periodOf(
      { ...DEFAULT_FILTERS, period: "custom", from: "2026-05-01", to: "2026-05-01" },
      new Date("2026-11-15T00:00:00Z"),
    );
    expect(p.current?.start.toISOString()).toBe("2026-05-01T00:00:00.000Z");
    expect(p.current?.end.toISOString()).toBe("2026-05-02T00:00:00.000Z");
  });
});
