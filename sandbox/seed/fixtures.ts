/**
 * Fixed identities of the sandbox: users, companies, the registered client's scopes.
 * Other engineers' tests import these constants, so the values never change between runs.
 */

export const REGISTERED_SCOPES = [
  "accounting-entries:read",
  "users:read",
  "companies:read",
  "accounts:read",
  "tag-groups:read",
  "export-jobs:read",
  "export-items:read",
  "tax-codes:read",
] as const;
export type Scope = (typeof REGISTERED_SCOPES)[number];

/** Wallet currencies used by the seed (ISO 4217) and their minor-unit exponent. */
export const CURRENCY_EXPONENT = { EUR: 2, DKK: 2, SEK: 2, GBP: 2, ISK: 0 } as const;
export type Currency = keyof typeof CURRENCY_EXPONENT;

export interface CompanyFixture {
  id: string;
  name: string;
  organizationId: string;
  registrationNumber: string;
  currency: Currency;
  /** "large" companies get SANDBOX_ENTRIES entries, "small" ones a fixed few hundred. */
  size: "large" | "small";
  smallEntryCount: number;
  emailDomain: string;
  address: {
    addressLine1: string;
    addressLine2: string;
    country: string;
    locality: string;
    postalCode: string;
    region: string;
  };
  /**
   * `address.country` in strict mode. Pleo does not document its format, so strict mode sends each
   * company's in a different plausible one (alpha-2, alpha-3, an English name) and the portal must
   * read them all.
   */
  strictCountry: string;
}

/** Demo user's first company: the large one, in DKK. */
export const COMPANY_NORDLYS: CompanyFixture = {
  id: "5a0c1f1e-7d43-4c2a-9b1e-3f6d2a8c4e01",
  name: "Nordlys Design ApS",
  organizationId: "9e2b7c44-1a5f-4d3e-8c6b-0f1a2b3c4d01",
  registrationNumber: "DK38104512",
  currency: "DKK",
  size: "large",
  smallEntryCount: 0,
  emailDomain: "nordlys.test",
  address: {
    addressLine1: "Store Kongensgade 40",
    addressLine2: "3. sal",
    country: "DK",
    locality: "København K",
    postalCode: "1264",
    region: "Hovedstaden",
  },
  strictCountry: "DNK",
};

/** Demo user's second company: small, in EUR. */
export const COMPANY_BRIGHTWAVE: CompanyFixture = {
  id: "5a0c1f1e-7d43-4c2a-9b1e-3f6d2a8c4e02",
  name: "Brightwave Studio B.V.",
  organizationId: "9e2b7c44-1a5f-4d3e-8c6b-0f1a2b3c4d01",
  registrationNumber: "NL861234567B01",
  currency: "EUR",
  size: "small",
  smallEntryCount: 320,
  emailDomain: "brightwave.test",
  address: {
    addressLine1: "Keizersgracht 221",
    addressLine2: "",
    country: "NL",
    locality: "Amsterdam",
    postalCode: "1016 DV",
    region: "Noord-Holland",
  },
  strictCountry: "Netherlands",
};

/** Solo user's only company: small, in GBP. */
export const COMPANY_THISTLE: CompanyFixture = {
  id: "5a0c1f1e-7d43-4c2a-9b1e-3f6d2a8c4e03",
  name: "Thistle & Pine Ltd",
  organizationId: "9e2b7c44-1a5f-4d3e-8c6b-0f1a2b3c4d03",
  registrationNumber: "GB12345678",
  currency: "GBP",
  size: "small",
  smallEntryCount: 260,
  emailDomain: "thistlepine.test",
  address: {
    addressLine1: "14 Rose Street",
    addressLine2: "",
    country: "GB",
    locality: "Edinburgh",
    postalCode: "EH2 2PR",
    region: "Scotland",
  },
  strictCountry: "GB",
};

export const COMPANIES: readonly CompanyFixture[] = [COMPANY_NORDLYS, COMPANY_BRIGHTWAVE, COMPANY_THISTLE];

/** Convenience ids (the three fixed company UUIDs). */
export const LARGE_COMPANY_ID = COMPANY_NORDLYS.id;
export const DEMO_SECOND_COMPANY_ID = COMPANY_BRIGHTWAVE.id;
export const SOLO_COMPANY_ID = COMPANY_THISTLE.id;

export interface UserFixture {
  id: string;
  email: string;
  password: string;
  name: string;
  companyIds: readonly string[];
}

export const DEMO_USER: UserFixture = {
  id: "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e01",
  email: "demo@pleo.test",
  password: "demo",
  name: "Dana Demo",
  companyIds: [COMPANY_NORDLYS.id, COMPANY_BRIGHTWAVE.id],
};

export const SOLO_USER: UserFixture = {
  id: "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e02",
  email: "solo@pleo.test",
  password: "solo",
  name: "Sam Solo",
  companyIds: [COMPANY_THISTLE.id],
};

export const USERS: readonly UserFixture[] = [DEMO_USER, SOLO_USER];

/** Application id reported by installations for the registered client (GUESSED, any stable UUID). */
export const SANDBOX_APPLICATION_ID = "3b9f6a1c-2d4e-4f50-8a6b-7c8d9e0f1a2b";
/** applicationName reported by GET /v1/introspect (GUESSED). */
export const SANDBOX_APPLICATION_NAME = "Sandbox Partner Portal";

export function companyById(id: string): CompanyFixture | undefined {
  return COMPANIES.find((c) => c.id === id);
}

export function companyUrn(companyId: string): string {
  return `urn:pleo:company:${companyId}`;
}
