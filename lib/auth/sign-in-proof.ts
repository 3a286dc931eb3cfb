/**
 * What one /api/auth request has proven, filled by the signIn callback (lib/auth/sign-in.ts) after the
 * code exchange and read by the adapter (lib/auth/adapter.ts) when next-auth links the account or
 * creates the session. One per request: the route handler builds a fresh next-auth config each time.
 * What a proof opens is decided by lib/connections/session-scope.ts.
 */
export type SignInProof = {
  /** The Pleo company whose consent this request completed. */
  companyId: string | null;
  /** The valid session the visitor was already signed in with (null: a new session will be created). */
  signedInSessionToken: string | null;
};

export function createSignInProof(): SignInProof {
  return { companyId: null, signedInSessionToken: null };
}
