import { describe, expect, it } from "vitest";
import {
  calendarDateIn,
  describeTimeZone,
  isoDate,
  last12Months,
  parseIsoDate,
  PERIOD_LABELS,
  resolvePeriod,
  startOfDayIn,
} from "@/lib/expenses/period";

const d = (s: string) => new Date(s);
const iso = (x: Date | undefined) => x?.toISOString();
const day = (s: string) => parseIsoDate(s)!;

describe("resolvePeriod in UTC (a company whose country is unknown)", () => {
  const now = d("2026-11-15T12:00:00Z");

  it("this month compares with the whole previous calendar month", () => {
    const p = resolvePeriod("this-month", now);
    expect(iso(p.current?.start)).toBe("2026-11-01T00:00:00.000Z");
    expect(iso(p.current?.end)).toBe("2026-12-01T00:00:00.000Z");
    expect(iso(p.previous?.start)).toBe("2026-10-01T00:00:00.000Z");
    expect(iso(p.previous?.end)).toBe("2026-11-01T00:00:00.000Z");
    expect(p.label).toBe("November 2026");
    expect(p.previousLabel).toBe("October 2026");
    expect(p.timeZone).toBe("UTC");
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
    const l12 = resolvePeriod("last-12-months", now);
    expect(iso(l12.current?.start)).toBe("2025-12-01T00:00:00.000Z");
    expect(l12.label).toBe("Dec 2025 – Nov 2026");
  });

  it("rolling 30 days include today and compare with the 30 days before", () => {
    const p = resolvePeriod("last-30-days", now);
    expect(iso(p.current?.start)).toBe("2026-10-17T00:00:00.000Z");
    expect(iso(p.current?.end)).toBe("2026-11-16T00:00:00.000Z");
    expect(iso(p.previous?.start)).toBe("2026-09-17T00:00:00.000Z");
  });

  it("custom ranges are inclusive of the end day and compare with as many days before", () => {
    const p = resolvePeriod("custom", now, "UTC", { from: day("2026-03-10"), to: day("2026-03-19") });
    expect(iso(p.current?.end)).toBe("2026-03-20T00:00:00.000Z");
    expect(iso(p.previous?.start)).toBe("2026-02-28T00:00:00.000Z");
    expect(p.label).toBe("10 Mar 2026 – 19 Mar 2026");
    expect(p.days).toEqual({ first: day("2026-03-10"), last: day("2026-03-19") });
  });

  it("all time has no range and no comparison", () => {
    expect(resolvePeriod("all", now)).toMatchObject({
      current: null,
      previous: null,
      label: "All time",
      previousLabel: null,
      days: null,
    });
  });

  it("labels a range by whole months only when it starts on a 1st and ends on a month's last day", () => {
    const label = (from: string, to: string) =>
      resolvePeriod("custom", now, "UTC", { from: day(from), to: day(to) }).label;
    expect(label("2026-03-01", "2026-03-31")).toBe("March 2026");
    expect(label("2026-03-01", "2026-03-19")).toBe("1 Mar 2026 – 19 Mar 2026");
    expect(label("2026-03-10", "2026-03-31")).toBe("10 Mar 2026 – 31 Mar 2026");
    expect(label("2026-03-10", "2026-03-10")).toBe("10 Mar 2026");
  });

  it("a custom period without its dates is a programming error, said plainly", () => {
    expect(() => resolvePeriod("custom", now)).toThrow("custom period needs from/to");
  });

  it("every period has its own readable name (the filter's options)", () => {
    const names = Object.values(PERIOD_LABELS);
    expect(names.length).toBeGreaterThanOrEqual(10);
    for (const name of names) expect(name).toMatch(/^[A-Z][a-z0-9 ]+$/);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe("periods in Copenhagen (UTC+1, +2 in summer)", () => {
  const CPH = "Europe/Copenhagen";

  it("a month starts at local midnight: 23:00 UTC the day before in winter, 22:00 in summer", () => {
    const nov = resolvePeriod("this-month", d("2026-11-15T12:00:00Z"), CPH);
    expect(iso(nov.current?.start)).toBe("2026-10-31T23:00:00.000Z"); // 1 Nov 00:00 CET
    expect(iso(nov.current?.end)).toBe("2026-11-30T23:00:00.000Z");
    // October starts in summer time (CEST) and ends in winter time: the month is 31 days and 1 hour.
    expect(iso(nov.previous?.start)).toBe("2026-09-30T22:00:00.000Z");
    expect(iso(nov.previous?.end)).toBe("2026-10-31T23:00:00.000Z");
    expect(nov.label).toBe("November 2026");
  });

  it("the last hour of a UTC month is already the next month in Copenhagen", () => {
    // 31 Oct 2026 23:30 UTC is 1 Nov 00:30 in Copenhagen: "this month" is November there, October in UTC.
    const now = d("2026-10-31T23:30:00Z");
    expect(resolvePeriod("this-month", now, CPH).label).toBe("November 2026");
    expect(resolvePeriod("this-month", now, "UTC").label).toBe("October 2026");
    expect(calendarDateIn(now, CPH)).toEqual(day("2026-11-01"));
  });

  it("the year and the 12 months follow local midnights across both clock changes", () => {
    const y = resolvePeriod("this-year", d("2026-06-01T12:00:00Z"), CPH);
    expect(iso(y.current?.start)).toBe("2025-12-31T23:00:00.000Z");
    expect(iso(y.current?.end)).toBe("2026-12-31T23:00:00.000Z");
    const months = last12Months(d("2026-11-15T12:00:00Z"), CPH);
    expect(months.map((m) => m.key)).toEqual([
      "2025-12",
      "2026-01",
      "2026-02",
      "2026-03",
      "2026-04",
      "2026-05",
      "2026-06",
      "2026-07",
      "2026-08",
      "2026-09",
      "2026-10",
      "2026-11",
    ]);
    // Summer time began on 29 March 2026: April starts at 22:00 UTC, March at 23:00.
    expect(iso(months[3].start)).toBe("2026-02-28T23:00:00.000Z");
    expect(iso(months[3].end)).toBe("2026-03-31T22:00:00.000Z");
    // Consecutive months share their boundary.
    for (let i = 1; i < 12; i++) expect(months[i].start).toEqual(months[i - 1].end);
  });

  it("30 days across the spring clock change are 30 calendar days (one hour short of 720 hours)", () => {
    const p = resolvePeriod("last-30-days", d("2026-04-10T10:00:00Z"), CPH);
    expect(iso(p.current?.start)).toBe("2026-03-11T23:00:00.000Z"); // 12 Mar 00:00 CET
    expect(iso(p.current?.end)).toBe("2026-04-10T22:00:00.000Z"); // 11 Apr 00:00 CEST
    expect((p.current!.end.getTime() - p.current!.start.getTime()) / 3_600_000).toBe(719);
  });

  it("a custom range is local whole days", () => {
    const p = resolvePeriod("custom", d("2026-11-15T12:00:00Z"), CPH, {
      from: day("2026-10-25"),
      to: day("2026-10-25"),
    });
    // 25 October 2026 is the day summer time ends: 25 hours long.
    expect(iso(p.current?.start)).toBe("2026-10-24T22:00:00.000Z");
    expect(iso(p.current?.end)).toBe("2026-10-25T23:00:00.000Z");
    expect(p.label).toBe("25 Oct 2026");
  });
});

describe("periods in London (UTC+0, +1 in summer)", () => {
  const LON = "Europe/London";

  it("winter months are UTC months; summer months start at 23:00 UTC the day before", () => {
    const jan = resolvePeriod("this-month", d("2026-01-20T12:00:00Z"), LON);
    expect(iso(jan.current?.start)).toBe("2026-01-01T00:00:00.000Z");
    expect(iso(jan.current?.end)).toBe("2026-02-01T00:00:00.000Z");
    const jul = resolvePeriod("this-month", d("2026-07-20T12:00:00Z"), LON);
    expect(iso(jul.current?.start)).toBe("2026-06-30T23:00:00.000Z");
    expect(iso(jul.current?.end)).toBe("2026-07-31T23:00:00.000Z");
    // March ends after the clock change (29 March 2026, 01:00 UTC): it starts at 00:00 UTC, ends at 23:00 UTC.
    const mar = resolvePeriod("this-month", d("2026-03-15T12:00:00Z"), LON);
    expect(iso(mar.current?.start)).toBe("2026-03-01T00:00:00.000Z");
    expect(iso(mar.current?.end)).toBe("2026-03-31T23:00:00.000Z");
  });

  it("an entry at 23:30 UTC on 31 August is September in London", () => {
    const now = d("2026-08-31T23:30:00Z");
    expect(resolvePeriod("this-month", now, LON).label).toBe("September 2026");
    const sept = resolvePeriod("this-month", now, LON).current!;
    expect(now >= sept.start && now < sept.end).toBe(true);
  });
});

describe("startOfDayIn / parseIsoDate / describeTimeZone", () => {
  it("finds local midnight, and the first hour where the clock jumps over it", () => {
    expect(iso(startOfDayIn(day("2026-07-01"), "Europe/Copenhagen"))).toBe("2026-06-30T22:00:00.000Z");
    expect(iso(startOfDayIn(day("2026-07-01"), "America/New_York"))).toBe("2026-07-01T04:00:00.000Z");
    // Santiago skips from 00:00 to 01:00 on 6 September 2026 (start of summer time): the day starts at 01:00.
    const santiago = startOfDayIn(day("2026-09-06"), "America/Santiago");
    expect(calendarDateIn(santiago, "America/Santiago")).toEqual(day("2026-09-06"));
    expect(calendarDateIn(new Date(santiago.getTime() - 1), "America/Santiago")).toEqual(day("2026-09-05"));
  });

  it("rejects impossible dates", () => {
    expect(parseIsoDate("2026-02-30")).toBeNull();
    expect(parseIsoDate("2026-2-3")).toBeNull();
    expect(isoDate(parseIsoDate("2024-02-29")!)).toBe("2024-02-29");
  });

  it("accepts only a whole YYYY-MM-DD that names that very day", () => {
    for (const bad of ["x2026-02-03", "2026-02-03x", "2026-13-01", "2026-00-10", "2026-04-31", "2026-01-60"]) {
      expect([bad, parseIsoDate(bad)]).toEqual([bad, null]);
    }
    expect(parseIsoDate("2026-12-31")).toEqual(day("2026-12-31"));
  });

  it("names the zone the way the page shows it", () => {
    expect(describeTimeZone("Europe/Copenhagen")).toBe("Copenhagen time (Europe/Copenhagen)");
    expect(describeTimeZone("America/Argentina/Buenos_Aires")).toBe(
      "Buenos Aires time (America/Argentina/Buenos_Aires)",
    );
    expect(describeTimeZone("UTC")).toBe("UTC");
  });
});
