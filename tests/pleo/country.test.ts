/**
 * A company's time zone from Pleo's `address.country`, whose format Pleo does not document: the forms
 * a company record could plausibly carry, and what happens with anything else.
 */
import { describe, expect, it } from "vitest";
import { countryCode, timeZoneForCountry } from "@/lib/pleo/country";
import { companySchema } from "@/lib/pleo/schemas/identity";

describe("timeZoneForCountry", () => {
  it("reads ISO alpha-2 and alpha-3 codes in any case", () => {
    expect(timeZoneForCountry("DK")).toBe("Europe/Copenhagen");
    expect(timeZoneForCountry("dk")).toBe("Europe/Copenhagen");
    expect(timeZoneForCountry("DNK")).toBe("Europe/Copenhagen");
    expect(timeZoneForCountry(" gbr ")).toBe("Europe/London");
    expect(timeZoneForCountry("SE")).toBe("Europe/Stockholm");
  });

  it("reads English and local names, accents and case ignored", () => {
    expect(timeZoneForCountry("Denmark")).toBe("Europe/Copenhagen");
    expect(timeZoneForCountry("Danmark")).toBe("Europe/Copenhagen");
    expect(timeZoneForCountry("Deutschland")).toBe("Europe/Berlin");
    expect(timeZoneForCountry("Sverige")).toBe("Europe/Stockholm");
    expect(timeZoneForCountry("the Netherlands")).toBe("Europe/Amsterdam");
    expect(timeZoneForCountry("Nederland")).toBe("Europe/Amsterdam");
    expect(timeZoneForCountry("United Kingdom")).toBe("Europe/London");
    expect(timeZoneForCountry("UK")).toBe("Europe/London");
    expect(timeZoneForCountry("España")).toBe("Europe/Madrid");
    expect(timeZoneForCountry("Ísland")).toBe("Atlantic/Reykjavik");
  });

  it("gives a country spanning several zones its capital's", () => {
    expect(timeZoneForCountry("US")).toBe("America/New_York");
    expect(timeZoneForCountry("Australia")).toBe("Australia/Sydney");
  });

  it("says unknown (null) rather than guessing", () => {
    for (const v of [null, undefined, "", "  ", "XX", "ZZZ", "Atlantis", "12"]) {
      expect(timeZoneForCountry(v)).toBeNull();
    }
    expect(countryCode("Narnia")).toBeNull();
  });

  it("is part of reshaping GET /v1/companies/{id}", () => {
    const company = (country: unknown) =>
      companySchema.parse({
        data: { id: "5a0c1f1e-7d43-4c2a-9b1e-3f6d2a8c4e01", name: "Nordlys", address: { country } },
      });
    expect(company("DNK").timeZone).toBe("Europe/Copenhagen");
    expect(company(null).timeZone).toBeNull();
    expect(
      companySchema.parse({ data: { id: "5a0c1f1e-7d43-4c2a-9b1e-3f6d2a8c4e01", name: "Nordlys", address: null } })
        .timeZone,
    ).toBeNull();
  });
});

/** Every string of `length` capital letters A–Z. */
function allCodes(length: 2 | 3): string[] {
  const letters = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZ"];
  let out = [""];
  for (let i = 0; i < length; i++) out = out.flatMap((p) => letters.map((l) => p + l));
  return out;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

describe("the country table as a whole", () => {
  it("every known alpha-2 code has a real IANA zone and an alpha-3 code leading back to it", () => {
    // Two letters that are a name or alias instead ("UK") read as that country, not as a code.
    const alpha2 = allCodes(2).filter((c) => countryCode(c) === c);
    expect(alpha2.length).toBeGreaterThan(60);
    for (const code of alpha2) {
      const zone = timeZoneForCountry(code);
      expect(zone !== null && isTimeZone(zone), `${code} → ${zone}`).toBe(true);
    }
    const byAlpha3 = allCodes(3)
      .map((a3) => [a3, countryCode(a3)] as const)
      .filter(([, a2]) => a2 !== null);
    // A few three-letter names also resolve ("Man", "Tai"), so compare the countries reached, not counts.
    expect([...new Set(byAlpha3.map(([, a2]) => a2))].sort()).toEqual(alpha2);
    expect(countryCode("IMN")).toBe("IM");
    expect(countryCode("THA")).toBe("TH");
    for (const [a3, a2] of byAlpha3) expect(timeZoneForCountry(a3), a3).toBe(timeZoneForCountry(a2));
  });

  it("the aliases Intl does not give resolve", () => {
    const aliases: Record<string, string> = {
      uk: "GB",
      "Great Britain": "GB",
      Britain: "GB",
      England: "GB",
      Scotland: "GB",
      Wales: "GB",
      "Northern Ireland": "GB",
      usa: "US", // the alpha-3 code
      "United States of America": "US",
      America: "US",
      Holland: "NL",
      "The Netherlands": "NL",
      "Czech Republic": "CZ",
      "Republic of Ireland": "IE",
      "South Korea": "KR",
    };
    for (const [name, code] of Object.entries(aliases)) expect(countryCode(name), name).toBe(code);
  });

  it("names in each language of Pleo's markets (one only that language writes so)", () => {
    const names: Record<string, string> = {
      Germany: "DE", // en
      Nederlandene: "NL", // da
      Nederländerna: "NL", // sv
      Storbritannia: "GB", // nb
      Saksa: "DE", // fi
      Niederlande: "NL", // de
      Allemagne: "DE", // fr
      Alemania: "DE", // es
      Germania: "DE", // it
      Duitsland: "DE", // nl
      Alemanha: "DE", // pt
      Niemcy: "DE", // pl
      Saksamaa: "DE", // et
      Þýskaland: "DE", // is
    };
    for (const [name, code] of Object.entries(names)) expect(countryCode(name), name).toBe(code);
  });

  it("folds punctuation, repeated spaces and a trailing full stop away", () => {
    expect(countryCode("Iso-Britannia")).toBe("GB");
    expect(countryCode("Iso Britannia")).toBe("GB");
    // Accents are dropped on both sides: the name written without them matches too.
    expect(countryCode("Osterreich")).toBe("AT");
    expect(countryCode("Espana")).toBe("ES");
    expect(countryCode("United   Kingdom")).toBe("GB");
    expect(countryCode("Denmark.")).toBe("DK");
    expect(countryCode("Bosnia & Herzegovina")).toBe("BA");
  });
});
