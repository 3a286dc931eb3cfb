/** The fuzz's detector of internal error text: real leaks are caught, ordinary pages are not. */
import { describe, expect, it } from "vitest";
import { internalErrorText } from "@/tests/support/error-text";

describe("internalErrorText", () => {
  it.each([
    ["a Node stack trace", "oops\n    at parseFilters (/app/.next/server/chunks/123.js:4:17)\n"],
    ["a frame without a leading newline", "x at Object.<anonymous> (file:///srv/app/server.js:10:3)"],
    ["an error class name", "Something: TypeError: cannot read properties of undefined"],
    ["Prisma's error text", "Invalid `prisma.accountingEntry.findMany()` invocation"],
    ["a Prisma error code", "code P2002 on the unique constraint"],
    ["PostgreSQL's error text", 'ERROR: invalid input syntax for type uuid: "x"'],
    ["a driver error", "connect ECONNREFUSED 127.0.0.1:5432"],
    ["a plain Error: prefix", "<pre>Error: boom</pre>"],
  ])("finds %s", (_, body) => {
    expect(internalErrorText(body)).not.toBeNull();
  });

  it("passes ordinary pages and messages", () => {
    for (const body of [
      "<html><body><h1>Not found</h1><p>This company is not connected to your account.</p></body></html>",
      '1:{"status":"error","message":"That company was not found."}',
      "Cannot export this view:\nThe period is not valid.",
      "date,amount,supplier\n2026-11-01,12.50,Café at Noon\n",
    ])
      expect(internalErrorText(body)).toBeNull();
  });
});
