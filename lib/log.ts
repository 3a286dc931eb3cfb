import pino, { type DestinationStream, type Logger } from "pino";
import { logContext } from "@/lib/log-context";
import { processSlot } from "@/lib/process-singleton";

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

/**
 * Errors are logged one way: `log.error({ err }, "what failed")`, passing the Error itself. This
 * serializer keeps a fixed set of fields, never an error's other properties (a library error may carry
 * request headers or bodies): type, message, code, HTTP status, stack, and the cause's type and message.
 */
export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err, message: String(err) };
  const e = err as Error & { code?: unknown; status?: unknown; cause?: unknown };
  const out: Record<string, unknown> = { type: e.name, message: e.message };
  if (typeof e.code === "string" || typeof e.code === "number") out.code = e.code;
  if (typeof e.status === "number") out.status = e.status;
  if (e.cause instanceof Error) out.cause = { type: e.cause.name, message: e.cause.message };
  out.stack = e.stack;
  return out;
}

/** Field names a logger already binds (child loggers), remembered per logger: pino rebuilds them from JSON. */
const boundKeys = new WeakMap<object, Set<string>>();
function keysBoundTo(logger: Logger): Set<string> {
  let keys = boundKeys.get(logger);
  if (!keys) {
    keys = new Set(Object.keys(logger.bindings()));
    boundKeys.set(logger, keys);
  }
  return keys;
}

/**
 * The scope's request id, company and sync run (lib/log-context.ts) on every line, unless the line or
 * its logger already names them (a JSON line must not carry a key twice).
 */
function contextFields(mergeObject: object, _level: number, logger: Logger): Record<string, string> {
  const ctx = logContext();
  if (!ctx) return {};
  const out: Record<string, string> = {};
  let bound: Set<string> | undefined;
  for (const key of ["requestId", "companyId", "runId"] as const) {
    const value = ctx[key];
    if (!value || key in mergeObject) continue;
    bound ??= keysBoundTo(logger);
    if (!bound.has(key)) out[key] = value;
  }
  return out;
}

/** A logger with the portal's redaction rules; tests pass a destination stream to capture lines. */
export function createLogger(opts: { level?: LogLevel; destination?: DestinationStream; name?: string } = {}): Logger {
  return pino(
    {
      name: opts.name ?? "portal",
      level: opts.level ?? levelFromEnv(),
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: { err: serializeError },
      mixin: contextFields,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
}

const slot = processSlot<Logger>("logger");

/** The process's logger (LOG_LEVEL, default info). */
export function logger(): Logger {
  return slot.getOrCreate(() => createLogger());
}

export type { Logger };
