import { createHash } from "node:crypto";
import { CallbackRouteError, MissingCSRF } from "@auth/core/errors";
import { describe, expect, it } from "vitest";
import { createFailureSink } from "@/lib/auth/failure-sink";
import { createSignInProof } from "@/lib/auth/sign-in-proof";
import { signInFlowId, signInFlowIdOfUrl } from "@/lib/auth/sign-in-flow";
import { CompanyLinkedElsewhereError } from "@/lib/connections/link";

// Small pieces of one sign-in's bookkeeping: the flow id both halves of a sign-in log
// (lib/auth/sign-in-flow.ts), what a request has proven (lib/auth/sign-in-proof.ts), and the record of what next-auth logged during a callback that the
// route handler turns into the error page's reason (lib/auth/failure-sink.ts).

const STATE = "c3RhdGUtb2YtYS1zaWduLWlu";
/** The id computed here independently: the first 16 characters of the base64url SHA-256 of `state`. */
const expectedId = (state: string) => createHash("sha256").update(state).digest("base64url").slice(0, 16);

describe("signInFlowId", () => {
  it("is a 16-character one-way tag of the state, the same for the same state", () => {
    const id = signInFlowId(STATE);
    expect(id).toBe(expectedId(STATE));
    expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(id).not.toContain(STATE.slice(0, 8));
    expect(signInFlowId(STATE)).toBe(id);
    expect(signInFlowId(`${STATE}x`)).not.toBe(id);
  });

  it("no state, no flow id", () => {
    expect(signInFlowId(null)).toBeUndefined();
    expect(signInFlowId(undefined)).toBeUndefined();
    expect(signInFlowId("")).toBeUndefined();
  });

  it("reads the state parameter of an authorization URL, and tags what the callback's state tags", () => {
    const url = `http://127.0.0.1:4010/oauth/authorize?response_type=code&client_id=portal&state=${STATE}&code_challenge=x`;
    expect(signInFlowIdOfUrl(url)).toBe(signInFlowId(STATE));
    expect(signInFlowIdOfUrl("http://127.0.0.1:4010/oauth/authorize?client_id=portal")).toBeUndefined();
    expect(signInFlowIdOfUrl("not a url")).toBeUndefined();
  });
});

describe("the failure sink", () => {
  const linkedElsewhere = () =>
    new (CallbackRouteError as unknown as new (e: Error, d: Record<string, unknown>) => Error)(
      new CompanyLinkedElsewhereError("6f2c3a8e-0000-4000-8000-000000000001"),
      { provider: "pleo" },
    );

  it("has no reason while next-auth logged nothing", () => {
    const sink = createFailureSink();
    expect(sink.errors).toEqual([]);
    expect(sink.reason()).toBeNull();
  });

  it("names the first logged error it can tell apart, past the ones it cannot", () => {
    const sink = createFailureSink();
    sink.errors.push(
      new Error("something we do not know"),
      linkedElsewhere(),
      new MissingCSRF("CSRF token was missing"),
    );
    expect(sink.reason()).toBe("company_linked_elsewhere");
  });

  it("in the order they were logged", () => {
    const sink = createFailureSink();
    sink.errors.push(new MissingCSRF("CSRF token was missing"), linkedElsewhere());
    expect(sink.reason()).toBe("session_expired");
  });

  it("is a server error when nothing logged can be told apart", () => {
    const sink = createFailureSink();
    sink.errors.push(new Error("one"), "not even an error");
    expect(sink.reason()).toBe("server_error");
  });

  it("each sign-in has its own record", () => {
    const first = createFailureSink();
    first.errors.push(linkedElsewhere());
    const second = createFailureSink();
    expect(second.errors).toHaveLength(0);
    expect(second.reason()).toBeNull();
    expect(first.reason()).toBe("company_linked_elsewhere");
  });
});

describe("the sign-in proof", () => {
  it('starts proving nothing (null, which the adapter reads as "no company, no session"), fresh for each request', () => {
    const proof = createSignInProof();
    expect(proof).toStrictEqual({ companyId: null, signedInSessionToken: null });
    proof.companyId = "6f2c3a8e-0000-4000-8000-000000000001";
    expect(createSignInProof().companyId).toBeNull();
  });
});
