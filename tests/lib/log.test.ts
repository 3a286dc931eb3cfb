import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { createLogger, serializeError } from "@/lib/log";
import { addToLogContext, withLogContext, withRequestLogContext } from "@/lib/log-context";
import { REQUEST_ID_HEADER, requestIdFor } from "@/lib/request-id";
import { proxy } from "@/proxy";

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

describe("log context: request id, company and sync run on every line of a piece of work", () => {
  it("adds the scope's fields to every line logged inside it, and none outside", async () => {
    const { lines, log } = capture();
    log.info("before");
    await withLogContext({ requestId: "req-12345678" }, async () => {
      log.info("in the request");
      addToLogContext({ companyId: "c-1" });
      await new Promise((r) => setTimeout(r, 1));
      log.child({ module: "sync" }).warn("deeper, later");
    });
    log.info("after");
    expect(lines.map((l) => [l.msg, l.requestId, l.companyId])).toEqual([
      ["before", undefined, undefined],
      ["in the request", "req-12345678", undefined],
      ["deeper, later", "req-12345678", "c-1"],
      ["after", undefined, undefined],
    ]);
  });

  it("work started inside a request keeps the request's fields after the request returned", async () => {
    const { lines, log } = capture();
    let background!: Promise<void>;
    withLogContext({ requestId: "req-abcdefgh" }, () => {
      background = (async () => {
        await new Promise((r) => setTimeout(r, 5));
        withLogContext({ runId: "run-1" }, () => log.info("background page"));
      })();
    });
    await background;
    expect(lines[0]).toMatchObject({ msg: "background page", requestId: "req-abcdefgh", runId: "run-1" });
  });

  it("never writes a key twice: a field on the line or bound to the logger wins", () => {
    const { lines, log } = capture();
    withLogContext({ requestId: "req-12345678", companyId: "from-scope" }, () => {
      log.info({ companyId: "on-the-line" }, "explicit");
      log.child({ companyId: "bound" }).info("child");
    });
    expect(lines[0]).toMatchObject({ companyId: "on-the-line", requestId: "req-12345678" });
    expect(lines[1]).toMatchObject({ companyId: "bound", requestId: "req-12345678" });
    // The raw JSON of the child's line has one companyId key, not two.
    const raw: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        raw.push(String(chunk));
        done();
      },
    });
    withLogContext({ companyId: "from-scope" }, () =>
      createLogger({ level: "info", destination }).child({ companyId: "bound" }).info("x"),
    );
    expect(raw[0].match(/"companyId"/g)).toHaveLength(1);
  });

  it("takes a request id from the request's headers (set by proxy.ts)", () => {
    const { lines, log } = capture();
    withRequestLogContext(new Headers({ [REQUEST_ID_HEADER]: "from-proxy-123" }), () => log.info("x"));
    expect(lines[0].requestId).toBe("from-proxy-123");
  });
});

describe("request ids", () => {
  it("keep a well-formed id a load balancer set, and replace anything else with a fresh UUID", () => {
    expect(requestIdFor("lb-7f3a9c2e-0001")).toBe("lb-7f3a9c2e-0001");
    for (const bad of [null, undefined, "", "short", "has spaces in it", "x".repeat(129), 'quote"injection"here']) {
      expect(requestIdFor(bad)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(requestIdFor(null)).not.toBe(requestIdFor(null));
  });

  it("proxy.ts hands the id to the app (request header) and to the browser (response header)", () => {
    const res = proxy(
      new NextRequest("http://portal.test/dashboard", { headers: { "x-request-id": "lb-7f3a9c2e-0001" } }),
    );
    expect(res.headers.get(REQUEST_ID_HEADER)).toBe("lb-7f3a9c2e-0001");
    // NextResponse.next({ request: { headers } }) passes request headers on as x-middleware-request-*.
    expect(res.headers.get(`x-middleware-request-${REQUEST_ID_HEADER}`)).toBe("lb-7f3a9c2e-0001");
    const fresh = proxy(new NextRequest("http://portal.test/"));
    const id = fresh.headers.get(REQUEST_ID_HEADER);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(fresh.headers.get(`x-middleware-request-${REQUEST_ID_HEADER}`)).toBe(id);
  });
});
