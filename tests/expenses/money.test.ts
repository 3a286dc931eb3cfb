import { describe, expect, it } from "vitest";
import {
  currencyExponent,
  formatMoney,
  localeFromAcceptLanguage,
  minorsToDecimalString,
  minorsToNumber,
} from "@/lib/expenses/money";

// Intl output uses narrow/no-break spaces in some locales; compare with plain spaces.
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, " ");

describe("currencyExponent", () => {
  it("follows ISO 4217 through Intl", () => {
    expect(currencyExponent("ISK")).toBe(0);
    expect(currencyExponent("JPY")).toBe(0);
    expect(currencyExponent("DKK")).toBe(2);
    expect(currencyExponent("eur")).toBe(2);
    expect(currencyExponent("KWD")).toBe(3);
  });
  it("treats malformed codes like most currencies instead of throwing", () => {
    expect(currencyExponent("EURO")).toBe(2);
  });
});

describe("minorsToDecimalString", () => {
  it("places the decimal point exactly, including small and negative values", () => {
    expect(minorsToDecimalString(123456n, 2)).toBe("1234.56");
    expect(minorsToDecimalString(5n, 2)).toBe("0.05");
    expect(minorsToDecimalString(-5n, 2)).toBe("-0.05");
    expect(minorsToDecimalString(0, 2)).toBe("0.00");
    expect(minorsToDecimalString(12345, 0)).toBe("12345");
    expect(minorsToDecimalString(-1234567n, 3)).toBe("-1234.567");
  });
});

describe("formatMoney", () => {
  it("uses two decimals for DKK/EUR and none for ISK", () => {
    expect(plain(formatMoney(123456n, "DKK", { locale: "en-US" }))).toBe("DKK 1,234.56");
    expect(plain(formatMoney(100, "EUR", { locale: "en-US" }))).toBe("€1.00");
    expect(plain(formatMoney(1234567n, "ISK", { locale: "en-US" }))).toBe("ISK 1,234,567");
    expect(plain(formatMoney(-250n, "GBP", { locale: "en-GB" }))).toBe("-£2.50");
  });
  it("follows the locale's separators and symbol placement", () => {
    expect(plain(formatMoney(123456n, "DKK", { locale: "da-DK" }))).toBe("1.234,56 kr.");
    expect(plain(formatMoney(123456n, "EUR", { locale: "de-DE" }))).toBe("1.234,56 €");
  });
  it("is exact beyond 2^53 (no float rounding on big totals)", () => {
    expect(plain(formatMoney(123456789012345678901n, "EUR", { locale: "en-US" }))).toBe(
      "€1,234,567,890,123,456,789.01",
    );
  });
  it("formats compact axis labels", () => {
    expect(plain(formatMoney(1_250_000_00n, "DKK", { locale: "en-US", compact: true }))).toBe("DKK 1.3M");
  });
  it("signs changes when asked (comparisons), never zero", () => {
    const change = (m: bigint) => plain(formatMoney(m, "EUR", { locale: "en-US", signDisplay: "exceptZero" }));
    expect(change(500n)).toBe("+€5.00");
    expect(change(-500n)).toBe("-€5.00");
    expect(change(0n)).toBe("€0.00");
    expect(plain(formatMoney(500n, "EUR", { locale: "en-US" }))).toBe("€5.00");
  });
  it("never throws on a malformed currency code", () => {
    expect(formatMoney(1234n, "EURO")).toBe("12.34 EURO");
  });
  it("gives chart numbers in major units", () => {
    expect(minorsToNumber(123456n, "DKK")).toBe(1234.56);
    expect(minorsToNumber(500, "ISK")).toBe(500);
  });
});

describe("localeFromAcceptLanguage", () => {
  it("takes the first supported tag and falls back to en-GB", () => {
    expect(localeFromAcceptLanguage("da-DK,da;q=0.9,en;q=0.8")).toBe("da-DK");
    expect(localeFromAcceptLanguage(null)).toBe("en-GB");
    expect(localeFromAcceptLanguage("*")).toBe("en-GB");
    expect(localeFromAcceptLanguage("not a locale!!, de")).toBe("de");
    // Well-formed but unknown to Intl: skipped, not returned.
    expect(localeFromAcceptLanguage("zz-ZZ, da-DK")).toBe("da-DK");
  });
});
