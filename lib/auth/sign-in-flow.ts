import "server-only";

import { createHash } from "node:crypto";

/**
 * A tag for one sign-in (one OAuth round trip), logged where it starts (/connect/pleo, which sends the
 * browser to Pleo with `state`) and where it ends (the callback, which gets `state` back), so an
 * operator can follow a sign-in across the instances that served its two halves. Derived from `state`
 * by a one-way hash and shortened: it identifies the flow without revealing the value.
 */
export function signInFlowId(state: string | null | undefined): string | undefined {
  if (!state) return undefined;
  return createHash("sha256").update(state).digest("base64url").slice(0, 16);
}

/** The flow id of an authorization URL (its `state` parameter). */
export function signInFlowIdOfUrl(url: string): string | undefined {
  try {
    return signInFlowId(new URL(url).searchParams.get("state"));
  } catch {
    return undefined;
  }
}
