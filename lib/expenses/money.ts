/**
 * Money display. Amounts stay integer minor units (bigint) until the very last step; the currency's
 * exponent comes from Intl (ISO 4217 via CLDR: ISK 0, JPY 0, most 2), so nothing is hard-coded and no
 * float rounding happens on large totals (Intl formats decimal strings exactly).
 */

const exponentCache = new Map<string, number>();

/** Number of minor-unit digits of an ISO 4217 currency (2 for codes Intl does not know). */
export function currencyExponent(currency: string): number {
  const code = currency.toUpperCase();
  let exp = exponentCache.get(code);
  if (exp === undefined) {
    try {
      exp =
        new Intl.NumberFormat("en", { style: "currency", currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      exp = 2; // not a well-formed code: treat like most currencies rather than crash a page
    }
    exponentCache.set(code, exp);
  }
  return exp;
}

/** Exact decimal string of `minors` in major units, e.g. (123456n, 2) → "1234.56", (-5n, 2) → "-0.05". */
export function minorsToDecimalString(minors: bigint | number, exponent: number): string {
  const value = BigInt(minors);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  if (exponent === 0) return `${negative ? "-" : ""}${abs}`;
  const digits = abs.toString().padStart(exponent + 1, "0");
  const int = digits.slice(0, -exponent);
  const frac = digits.slice(-exponent);
  return `${negative ? "-" : ""}${int}.${frac}`;
}

export type MoneyFormatOptions = { locale?: string; compact?: boolean; signDisplay?: "auto" | "exceptZero" };

/** "DKK 1,234.56" (en-US), "1.234,56 kr." (da-DK), "ISK 12,345" — per the currency's exponent and the locale. */
export function formatMoney(minors: bigint | number, currency: string, opts: MoneyFormatOptions = {}): string {
  const exponent = currencyExponent(currency);
  const decimal = minorsToDecimalString(minors, exponent);
  let format: Intl.NumberFormat;
  try {
    format = new Intl.NumberFormat(opts.locale ?? DEFAULT_LOCALE, {
      style: "currency",
      currency: currency.toUpperCase(),
      ...(opts.compact
        ? { notation: "compact", maximumFractionDigits: 1 }
        : { minimumFractionDigits: exponent, maximumFractionDigits: exponent }),
      signDisplay: opts.signDisplay ?? "auto",
    });
  } catch {
    // A malformed currency code from upstream data: still show the amount rather than fail the page.
    return `${decimal} ${currency}`;
  }
  // Intl accepts exact decimal strings (Intl.NumberFormat v3); the cast is for older lib typings.
  return format.format(decimal as unknown as number);
}

/** Major units as a JS number, for chart geometry only (never for display or sums). */
export function minorsToNumber(minors: bigint | number, currency: string): number {
  return Number(minors) / 10 ** currencyExponent(currency);
}

const DEFAULT_LOCALE = "en-GB";

/** Picks the first supported locale from an Accept-Language header; falls back to DEFAULT_LOCALE. */
export function localeFromAcceptLanguage(header: string | null | undefined): string {
  if (!header) return DEFAULT_LOCALE;
  for (const part of header.split(",")) {
    const tag = part.split(";")[0]?.trim();
    if (!tag || tag === "*") continue;
    try {
      const [supported] = Intl.NumberFormat.supportedLocalesOf([tag]);
      if (supported) return supported;
    } catch {
      // malformed tag: try the next one
    }
  }
  return DEFAULT_LOCALE;
}
