/**
 * Typed failures of the Pleo client and token manager. Callers branch on the class: reconnect
 * (NeedsReauthError), try later (PleoRateLimitError, PleoUnavailableError), or a bug/bad input
 * (PleoApiError, PleoResponseError). Messages never contain tokens.
 */

export class PleoApiError extends Error {
  constructor(
    readonly status: number,
    /** Pleo's ExceptionInfo `type` (or OAuth `error`), e.g. ACCESS_DENIED, NOT_FOUND, invalid_client. */
    readonly type: string,
    message: string,
    readonly retryable = false,
    readonly endpoint?: string,
  ) {
    super(message);
    this.name = "PleoApiError";
  }
}

/** 429 that outlasted the client's waiting budget. */
export class PleoRateLimitError extends PleoApiError {
  constructor(
    readonly retryAfterSeconds: number,
    endpoint?: string,
  ) {
    super(
      429,
      "TOO_MANY_REQUESTS",
      `Pleo rate limit still exceeded${endpoint ? ` on ${endpoint}` : ""}; retry after ${retryAfterSeconds}s`,
      true,
      endpoint,
    );
    this.name = "PleoRateLimitError";
  }
}

/** Network errors, timeouts or 5xx after the retry budget, or a refresh that is backing off. */
export class PleoUnavailableError extends PleoApiError {
  /** No HTTP answer at all (network error, timeout): `status` is then a stand-in 503, not Pleo's. */
  readonly noResponse: boolean;

  constructor(
    message: string,
    status = 503,
    endpoint?: string,
    /** When the caller may try again (refresh backoff), if known. */
    readonly retryAt?: Date,
    options?: { cause?: unknown; noResponse?: boolean },
  ) {
    super(status, "UNAVAILABLE", message, true, endpoint);
    this.name = "PleoUnavailableError";
    this.noResponse = options?.noResponse ?? false;
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** A 2xx response whose body does not have the shape the portal relies on. */
export class PleoResponseError extends PleoApiError {
  constructor(
    endpoint: string,
    /** e.g. ["data[3].email: Invalid input: expected string, received undefined"] */
    readonly problems: string[],
    status = 200,
  ) {
    super(
      status,
      "INVALID_RESPONSE",
      `Pleo ${endpoint} returned an unexpected response: ${problems.join("; ")}`,
      false,
      endpoint,
    );
    this.name = "PleoResponseError";
  }
}

export type NeedsReauthReason =
  /** Pleo answered invalid_grant (revoked, rotated or expired refresh token). */
  | "invalid_grant"
  /** A refresh was interrupted (crash / lost response) and the stored refresh token is no longer active. */
  | "refresh_interrupted"
  /** The connection was already marked (or is disconnected) when the token was asked for. */
  | "not_connected";

/** The connection cannot get tokens any more: the customer must reconnect (Settings → Reconnect). */
export class NeedsReauthError extends Error {
  constructor(
    readonly companyId: string,
    readonly reason: NeedsReauthReason,
    readonly detail?: string,
  ) {
    super(`Pleo connection for company ${companyId} needs to be reconnected (${reason}${detail ? `: ${detail}` : ""})`);
    this.name = "NeedsReauthError";
  }
}

/** No PleoConnection row for the company. */
export class ConnectionNotFoundError extends Error {
  constructor(readonly companyId: string) {
    super(`No Pleo connection for company ${companyId}`);
    this.name = "ConnectionNotFoundError";
  }
}

/**
 * `instanceof` that also holds across bundles. Next.js builds server code into several bundles (pages and
 * actions, instrumentation's background jobs), each with its own copy of these classes, while process
 * singletons such as the token manager are shared: an error can come from another copy of its class. The
 * names are set in the constructors above, so they survive minification.
 */
function named(err: unknown, ...names: string[]): boolean {
  return err instanceof Error && names.includes(err.name);
}

export const isNeedsReauth = (err: unknown): err is NeedsReauthError =>
  err instanceof NeedsReauthError || named(err, "NeedsReauthError");

export const isPleoUnavailable = (err: unknown): err is PleoUnavailableError =>
  err instanceof PleoUnavailableError || named(err, "PleoUnavailableError");

export const isPleoRateLimited = (err: unknown): err is PleoRateLimitError =>
  err instanceof PleoRateLimitError || named(err, "PleoRateLimitError");

export const isPleoApiError = (err: unknown): err is PleoApiError =>
  err instanceof PleoApiError ||
  named(err, "PleoApiError", "PleoRateLimitError", "PleoUnavailableError", "PleoResponseError");
