import { describe, expect, it } from "vitest";
import { last12Months, parseIsoDate, resolvePeriod } from "@/lib/expenses/period";

const d = (s: string) => new Date(s);
const iso = (x: Date | undefined) => x?.toISOString();

describe("resolvePeriod", () => {
  const now = d("2026-11-15T12:00:00Z");

  it("this month compares with the whole previous calendar month", () => {
    const p = resolvePeriod("this-month", now);
    expect(iso(p.current?.start)).toBe("2026-11-01T00:00:00.000Z");
    expect(iso(p.current?.end)).toBe("2026-12-01T00:00:00.000Z");
    expect(iso(p.previous?.start)).toBe("2026-10-01T00:00:00.000Z");
    expect(iso(p.previous?.end)).toBe("2026-11-01T00:00:00.000Z");
    expect(p.label).toBe("November 2026");
    expect(p.previousLabel).toBe("October 2026");
  });

  it("last month in January is December of the year before", () => {
    const p = resolvePeriod("last-month", d("2027-01-03T00:00:00Z"));
    expect(iso(p.current?.start)).toBe("2026-12-01T00:00:00.000Z");
    expect(iso(p.previous?.start)).toBe("2026-11-01T00:00:00.000Z");
  });

  it("quarters and years are calendar aligned", () => {
    const q = resolvePeriod("this-quarter", now);
    expect(iso(q.current?.start)).toBe("2026-10-01T00:00:00.000Z");
    expect(iso(q.current?.end)).toBe("2027-01-01T00:00:00.000Z");
    expect(iso(q.previous?.start)).toBe("2026-07-01T00:00:00.000Z");
    const lq = resolvePeriod("last-quarter", d("2026-02-10T00:00:00Z"));
    expect(iso(lq.current?.start)).toBe("2025-10-01T00:00:00.000Z");
    const y = resolvePeriod("last-year", now);
    expect(iso(y.current?.start)).toBe("2025-01-01T00:00:00.000Z");
    expect(iso(y.previous?.start)).toBe("2024-01-01T00:00:00.000Z");
  });

  it("rolling 30 days include today and compare with the 30 days before", () => {
    const p = resolvePeriod("last-30-days", now);
    expect(iso(p.current?.start)).toBe("2026-10-17T00:00:00.000Z");
    expect(iso(p.current?.end)).toBe("2026-11-16T00:00:00.000Z");
    expect(iso(p.previous?.start)).toBe("2026-09-17T00:00:00.000Z");
  });

  it("custom ranges are inclusive of the end day and compare with as many days before", () => {
    const p = resolvePeriod("custom", now, { from: d("2026-03-10T00:00:00Z"), to: d("2026-03-19T00:00:00Z") });
    expect(iso(p.current?.end)).toBe("2026-03-20T00:00:00.000Z");
    expect(iso(p.previous?.start)).toBe("2026-02-28T00:00:00.000Z");
    expect(p.label).toBe("10 Mar 2026 – 19 Mar 2026");
  });

  it("all time has no range and no comparison", () => {
    expect(resolvePeriod("all", now)).toMatchObject({ current: null, previous: null, previousLabel: null });
  });
});

describe("last12Months / parseIsoDate", () => {
  it("ends with the current month", () => {
    const months = last12Months(d("2026-11-15T12:00:00Z"));
    expect(months).toHaveLength(12);
    expect(iso(months[0].start)).toBe("2025-12-01T00:00:00.000Z");
    expect(iso(months[11].end)).toBe("2026-12-01T00:00:00.000Z");
  });
  it("rejects impossible dates", () => {
    expect(parseIsoDate("2026-02-30")).toBeNull();
    expect(parseIsoDate("2026-2-3")).toBeNull();
    expect(iso(parseIsoDate("2024-02-29") ?? undefined)).toBe("2024-02-29T00:00:00.000Z");
  });
});
