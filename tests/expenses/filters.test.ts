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

describe("filters, edges that a small slip would change", () => {
  const NOW = new Date("2026-11-15T12:00:00Z");

  it("the defaults are exactly this month, newest first, page 1, and no filter keys at all", () => {
    expect(parseExpenseFilters({}).filters).toStrictEqual({ period: "this-month", sort: "date", dir: "desc", page: 1 });
    expect(parseExpenseFilters({ tagGroup: EMP }).filters).toStrictEqual({
      period: "this-month",
      sort: "date",
      dir: "desc",
      page: 1,
      tagGroup: EMP,
    });
  });

  it("says exactly what was wrong with a search, a sort column or a direction", () => {
    expect(parseExpenseFilters({ q: "x".repeat(101), sort: "colour", dir: "sideways" }).issues).toEqual([
      "Search text is limited to 100 characters; the search was ignored.",
      '"colour" is not a valid sort column; sorting by newest first.',
      '"sideways" is not a valid sort direction; sorting by newest first.',
    ]);
  });

  it("shows a bad value whole up to 40 characters, then its first 40 and an ellipsis", () => {
    const forty = "p".repeat(40);
    expect(parseExpenseFilters({ period: forty }).issues).toEqual([
      `"${forty}" is not a known period; showing this month.`,
    ]);
    expect(parseExpenseFilters({ period: `${forty}Z` }).issues).toEqual([
      `"${forty}…" is not a known period; showing this month.`,
    ]);
  });

  it("one date alone asks for both; the same start and end is a one-day range", () => {
    const alone = parseExpenseFilters({ from: "2026-03-01" });
    expect(alone.filters.period).toBe("this-month");
    expect(alone.issues).toEqual([
      "A custom period needs a valid start and end date (YYYY-MM-DD); showing this month.",
    ]);
    expect(parseExpenseFilters({ from: "2026-03-05", to: "2026-03-05" }).filters).toMatchObject({
      period: "custom",
      from: "2026-03-05",
      to: "2026-03-05",
    });
  });

  it("an invalid direction keeps newest first, also when sorting by another column", () => {
    expect(parseExpenseFilters({ sort: "amount", dir: "sideways" }).filters).toMatchObject({
      sort: "amount",
      dir: "desc",
    });
    expect(parseExpenseFilters({ sort: "amount" }).filters).toMatchObject({ sort: "amount", dir: "asc" });
    expect(parseExpenseFilters({ sort: "date" }).filters).toMatchObject({ sort: "date", dir: "desc" });
  });

  it("periodOf uses from/to only for a custom period that has both", () => {
    const from = "2026-05-01";
    const to = "2026-05-02";
    expect(periodOf(DEFAULT_FILTERS, NOW).label).toBe("November 2026");
    expect(periodOf({ ...DEFAULT_FILTERS, period: "last-month", from, to }, NOW).label).toBe("October 2026");
    expect(periodOf({ ...DEFAULT_FILTERS, period: "custom", to }, NOW).label).toBe("November 2026");
    expect(periodOf({ ...DEFAULT_FILTERS, period: "custom", from, to }, NOW).label).toBe("1 May 2026 – 2 May 2026");
  });

  it("the URL names exactly what differs from the defaults", () => {
    const url = (f: Partial<typeof DEFAULT_FILTERS>, extra = {}) =>
      filtersToSearchParams({ ...DEFAULT_FILTERS, ...f }, extra).toString();
    expect(url({}, { company: undefined })).toBe("");
    expect(url({ period: "last-month" })).toBe("period=last-month");
    expect(url({ period: "last-month", from: "2026-05-01", to: "2026-05-02" })).toBe("period=last-month");
    expect(url({ period: "custom" })).toBe("period=custom");
    expect(url({ tagGroup: EMP })).toBe(`tagGroup=${EMP}`);
    expect(url({ sort: "amount" })).toBe("sort=amount&dir=desc");
    expect(url({ dir: "asc" })).toBe("sort=date&dir=asc");
  });
});
