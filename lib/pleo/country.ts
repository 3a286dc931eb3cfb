/**
 * A company's time zone from its country. Pleo's company model has no time zone, only
 * `address.country`, whose format it does not document; so this reads ISO 3166 alpha-2 ("DK"),
 * alpha-3 ("DNK") and country names in English or the local languages of Pleo's markets ("Denmark",
 * "Danmark", "Deutschland"), case and accents ignored. A country spanning several zones gets its
 * capital's (United States → America/New_York, Spain → Europe/Madrid). Anything else is unknown:
 * `null`, and the dashboard then uses UTC and says so (README, "Expense dashboard").
 */

/** ISO alpha-2 → [alpha-3, IANA zone of the capital]. */
const COUNTRIES: Record<string, readonly [string, string]> = {
  AD: ["AND", "Europe/Andorra"],
  AE: ["ARE", "Asia/Dubai"],
  AL: ["ALB", "Europe/Tirane"],
  AR: ["ARG", "America/Argentina/Buenos_Aires"],
  AT: ["AUT", "Europe/Vienna"],
  AU: ["AUS", "Australia/Sydney"],
  BA: ["BIH", "Europe/Sarajevo"],
  BE: ["BEL", "Europe/Brussels"],
  BG: ["BGR", "Europe/Sofia"],
  BR: ["BRA", "America/Sao_Paulo"],
  BY: ["BLR", "Europe/Minsk"],
  CA: ["CAN", "America/Toronto"],
  CH: ["CHE", "Europe/Zurich"],
  CL: ["CHL", "America/Santiago"],
  CN: ["CHN", "Asia/Shanghai"],
  CO: ["COL", "America/Bogota"],
  CY: ["CYP", "Asia/Nicosia"],
  CZ: ["CZE", "Europe/Prague"],
  DE: ["DEU", "Europe/Berlin"],
  DK: ["DNK", "Europe/Copenhagen"],
  EE: ["EST", "Europe/Tallinn"],
  EG: ["EGY", "Africa/Cairo"],
  ES: ["ESP", "Europe/Madrid"],
  FI: ["FIN", "Europe/Helsinki"],
  FO: ["FRO", "Atlantic/Faroe"],
  FR: ["FRA", "Europe/Paris"],
  GB: ["GBR", "Europe/London"],
  GE: ["GEO", "Asia/Tbilisi"],
  GG: ["GGY", "Europe/Guernsey"],
  GI: ["GIB", "Europe/Gibraltar"],
  GL: ["GRL", "America/Nuuk"],
  GR: ["GRC", "Europe/Athens"],
  HK: ["HKG", "Asia/Hong_Kong"],
  HR: ["HRV", "Europe/Zagreb"],
  HU: ["HUN", "Europe/Budapest"],
  ID: ["IDN", "Asia/Jakarta"],
  IE: ["IRL", "Europe/Dublin"],
  IL: ["ISR", "Asia/Jerusalem"],
  IM: ["IMN", "Europe/Isle_of_Man"],
  IN: ["IND", "Asia/Kolkata"],
  IS: ["ISL", "Atlantic/Reykjavik"],
  IT: ["ITA", "Europe/Rome"],
  JE: ["JEY", "Europe/Jersey"],
  JP: ["JPN", "Asia/Tokyo"],
  KR: ["KOR", "Asia/Seoul"],
  LI: ["LIE", "Europe/Vaduz"],
  LT: ["LTU", "Europe/Vilnius"],
  LU: ["LUX", "Europe/Luxembourg"],
  LV: ["LVA", "Europe/Riga"],
  MA: ["MAR", "Africa/Casablanca"],
  MC: ["MCO", "Europe/Monaco"],
  MD: ["MDA", "Europe/Chisinau"],
  ME: ["MNE", "Europe/Podgorica"],
  MK: ["MKD", "Europe/Skopje"],
  MT: ["MLT", "Europe/Malta"],
  MX: ["MEX", "America/Mexico_City"],
  MY: ["MYS", "Asia/Kuala_Lumpur"],
  NG: ["NGA", "Africa/Lagos"],
  NL: ["NLD", "Europe/Amsterdam"],
  NO: ["NOR", "Europe/Oslo"],
  NZ: ["NZL", "Pacific/Auckland"],
  PH: ["PHL", "Asia/Manila"],
  PL: ["POL", "Europe/Warsaw"],
  PT: ["PRT", "Europe/Lisbon"],
  RO: ["ROU", "Europe/Bucharest"],
  RS: ["SRB", "Europe/Belgrade"],
  RU: ["RUS", "Europe/Moscow"],
  SA: ["SAU", "Asia/Riyadh"],
  SE: ["SWE", "Europe/Stockholm"],
  SG: ["SGP", "Asia/Singapore"],
  SI: ["SVN", "Europe/Ljubljana"],
  SK: ["SVK", "Europe/Bratislava"],
  SM: ["SMR", "Europe/San_Marino"],
  TH: ["THA", "Asia/Bangkok"],
  TR: ["TUR", "Europe/Istanbul"],
  TW: ["TWN", "Asia/Taipei"],
  UA: ["UKR", "Europe/Kyiv"],
  US: ["USA", "America/New_York"],
  VA: ["VAT", "Europe/Vatican"],
  VN: ["VNM", "Asia/Ho_Chi_Minh"],
  XK: ["XKX", "Europe/Belgrade"],
  ZA: ["ZAF", "Africa/Johannesburg"],
};

/** Names Intl.DisplayNames does not give in any of the languages below. */
const ALIASES: Record<string, string> = {
  uk: "GB",
  "great britain": "GB",
  britain: "GB",
  england: "GB",
  scotland: "GB",
  wales: "GB",
  "northern ireland": "GB",
  "united states of america": "US",
  america: "US",
  holland: "NL",
  "the netherlands": "NL",
  "czech republic": "CZ",
  "republic of ireland": "IE",
  "south korea": "KR",
};

/** English plus the languages of Pleo's markets. */
const NAME_LANGUAGES = ["en", "da", "sv", "nb", "fi", "de", "fr", "es", "it", "nl", "pt", "pl", "et", "is"];

const fold = (s: string) =>
  s
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z ]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();

let byName: Map<string, string> | undefined;
function nameIndex(): Map<string, string> {
  if (byName) return byName;
  byName = new Map(Object.entries(ALIASES));
  for (const lang of NAME_LANGUAGES) {
    let names: Intl.DisplayNames;
    try {
      names = new Intl.DisplayNames([lang], { type: "region", fallback: "none" });
    } catch {
      continue; // a Node built without full ICU data knows fewer languages: English still works
    }
    for (const code of Object.keys(COUNTRIES)) {
      const name = names.of(code);
      if (name && !byName.has(fold(name))) byName.set(fold(name), code);
    }
  }
  return byName;
}

// Built on first use, like the name index: nothing runs while the module loads.
let byAlpha3: Map<string, string> | undefined;
function alpha3Index(): Map<string, string> {
  byAlpha3 ??= new Map(Object.entries(COUNTRIES).map(([a2, [a3]]) => [a3, a2]));
  return byAlpha3;
}

/** ISO alpha-2 code for a country as Pleo may write it, or null when unrecognised. */
export function countryCode(country: string | null | undefined): string | null {
  const raw = country?.trim();
  if (!raw) return null;
  // The tables' keys are the codes: an exact key is the only match (no length or alphabet check needed).
  const upper = raw.toUpperCase();
  if (Object.hasOwn(COUNTRIES, upper)) return upper;
  const fromAlpha3 = alpha3Index().get(upper);
  if (fromAlpha3) return fromAlpha3;
  // Names, and the common short forms that are not codes ("UK", "USA").
  return nameIndex().get(fold(raw)) ?? null;
}

/** The IANA time zone of a company in this country, or null when the country is unknown. */
export function timeZoneForCountry(country: string | null | undefined): string | null {
  const code = countryCode(country);
  return code ? COUNTRIES[code][1] : null;
}
