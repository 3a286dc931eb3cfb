import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, serializeError } from "@/lib/log";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, log: createLogger({ level: "info", destination }) };
}

describe("error logging", () => {
  it("keeps type, message, code, status, cause and stack, and drops every other property of an error", () => {
    const cause = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const err = Object.assign(new Error("request failed", { cause }), {
      code: "E_PLEO",
      status: 502,
      headers: { authorization: "Bearer secret-token" },
      body: "refresh_token=abc",
    });
    const out = serializeError(err);
    expect(out).toMatchObject({
      type: "Error",
      message: "request failed",
      code: "E_PLEO",
      status: 502,
      cause: { type: "Error", message: "socket hang up" },
    });
    expect(typeof out.stack).toBe("string");
    expect(Object.keys(out).sort()).toEqual(["cause", "code", "message", "stack", "status", "type"]);
  });

  it("serializes thrown non-errors as text", () => {
    expect(serializeError("boom")).toEqual({ type: "string", message: "boom" });
    expect(serializeError(undefined)).toEqual({ type: "undefined", message: "undefined" });
  });

  it("is what the logger applies to `err`", () => {
    const { lines, log } = capture();
    log.error({ err: Object.assign(new TypeError("bad"), { secretBody: "x" }) }, "failed");
    expect(lines).toHaveLength(1);
    expect(lines[0].err).toMatchObject({ type: "TypeError", message: "bad" });
    expect(JSON.stringify(lines[0])).not.toContain("secretBody");
  });
});
