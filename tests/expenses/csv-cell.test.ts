import { describe, expect, it } from "vitest";
import { csvCell } from "@/lib/expenses/csv";

describe("CSV cells", () => {
  it("neutralises text a spreadsheet would run as a formula, ASCII and full-width", () => {
    for (const hostile of [
      "=1+1",
      "+1",
      "-1",
      "@SUM(A1)",
      "\t=1",
      "\r=1",
      "\n=HYPERLINK(1)",
      "＝1+1",
      "＋1",
      "－1",
      "＠A1",
    ]) {
      const cell = csvCell(hostile, { text: true });
      // The cell's value (unquoted) starts with the apostrophe, whatever quoting it needed.
      expect(cell.replace(/^"/, "").startsWith("'"), JSON.stringify(hostile)).toBe(true);
    }
  });

  it("leaves harmless text, numbers and non-text columns as they are, RFC 4180 quoted where needed", () => {
    expect(csvCell("Coffee beans", { text: true })).toBe("Coffee beans");
    expect(csvCell("a=b", { text: true })).toBe("a=b");
    expect(csvCell('say "hi", then\nleave', { text: true })).toBe('"say ""hi"", then\nleave"');
    expect(csvCell("-12.50")).toBe("-12.50"); // an amount column, not text
    expect(csvCell(-3)).toBe("-3");
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined, { text: true })).toBe("");
  });
});
