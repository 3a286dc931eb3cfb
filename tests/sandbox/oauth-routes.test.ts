/**
 * The OAuth routes of a sandbox started inside the test. The other sandbox suites start theirs in
 * beforeAll: a bug that breaks building the routes fails that hook, and vitest then skips the file's
 * tests instead of failing one, which mutation testing counts as "survived" (README → Mutation testing).
 * This file has no hooks, so such a bug fails a test here.
 */
import { describe, expect, it } from "vitest";
import { startTestSandbox } from "@/tests/support/sandbox";
import { basic, postToken, validAuthorize } from "./helpers";

describe("a sandbox started inside a test", () => {
  it("serves the token, introspection and authorize endpoints", async () => {
    const own = await startTestSandbox({ entries: 10 });
    try {
      const token = await postToken(own.url, { grant_type: "client_credentials" });
      expect(token.body.error).toBe("unsupported_grant_type");
      const intro = await fetch(`${own.url}/oauth/token/introspect`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic() },
        body: "token=x",
      });
      expect(await intro.json()).toEqual({ active: false });
      const page = await fetch(validAuthorize(own.url).url, { redirect: "manual" });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('action="/oauth/login"');
    } finally {
      await own.close();
    }
  });
});
