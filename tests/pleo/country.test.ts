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
