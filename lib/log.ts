import pino, { type DestinationStream, type Logger } from "pino";

/**
 * Structured logging (pino). Secrets must never reach a log line, so redaction is configured here once
 * for every name a token, authorization code, PKCE verifier, client secret or Authorization header is
 * known by, at the top level and nested one or two objects deep (pino's redact paths are exact, so the
 * depths are listed explicitly). Callers still log ids and paths only, never values; this is the net.
 */

const SECRET_KEYS = [
  "access_token",
  "refresh_token",
  "accessToken",
  "refreshToken",
  "accessTokenEnc",
  "refreshTokenEnc",
  "id_token",
  "token",
  "code",
  "code_verifier",
  "codeVerifier",
  "verifier",
  "client_secret",
  "clientSecret",
  "secret",
  "password",
  "authorization",
  "Authorization",
  "cookie",
  "Cookie",
  "set-cookie",
];

export const REDACT_PATHS: string[] = SECRET_KEYS.flatMap((k) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`;
  const dot = key.startsWith("[") ? "" : ".";
  return [key, `*${dot}${key}`, `*.*${dot}${key}`];
});

export const REDACTED = "[redacted]";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

function levelFromEnv(): LogLevel {
  const raw = process.env.LOG_LEVEL;
  const allowed: LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
  return allowed.includes(raw as LogLevel) ? (raw as LogLevel) : "info";
}

/** A logger with the portal's redaction rules; tests pass a destination stream to capture lines. */
export function createLogger(opts: { level?: LogLevel; destination?: DestinationStream; name?: string } = {}): Logger {
  return pino(
    {
      name: opts.name ?? "portal",
      level: opts.level ?? levelFromEnv(),
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
}

const globalForLog = globalThis as unknown as { __portalLogger?: Logger };

/** The process's logger (LOG_LEVEL, default info). */
export function logger(): Logger {
  globalForLog.__portalLogger ??= createLogger();
  return globalForLog.__portalLogger;
}

export type { Logger };
