/** A logger whose JSON lines are kept, for assertions on what was logged (and what never is). */
import { Writable } from "node:stream";
import { createLogger, type Logger } from "@/lib/log";
import { processSlot } from "@/lib/process-singleton";

export function captureLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ level: "debug", destination: stream });
  const text = () => chunks.join("");
  return {
    logger,
    text,
    lines: () =>
      text()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

// lib/log.ts keeps the process's logger in this slot; `logger()` creates the default one when it is empty.
const processLogger = processSlot<Logger>("logger");

/** Route everything `logger()` writes to `to` (a captureLogger's); `undefined` goes back to the default. */
export function setProcessLogger(to: Logger | undefined): void {
  processLogger.set(to);
}
