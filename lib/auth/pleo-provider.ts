import "server-only";

import { customFetch } from "next-auth";
import type { OAuthConfig } from "next-auth/providers";
import { PLEO_PROVIDER_ID } from "@/lib/connections/link";
import { fetchTokenOwner, type TokenOwner } from "@/lib/pleo/identity";

/**
 * next-auth provider "pleo": OAuth 2 authorization code with PKCE (S256) and state, HTTP Basic client
 * authentication at the token endpoint, explicit scopes (next-auth would otherwise ask for
 * "openid profile email", which Pleo does not know). Pleo has no userinfo endpoint: the "profile" is the
 * company behind the token (GET /v1/introspect, then GET /v1/companies/{id}), and the linked account's
 * providerAccountId is the Pleo company id.
 */

type PleoProviderOptions = {
  authUrl: string;
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  /** Per-request limit for calls to Pleo during sign-in, so an unresponsive Pleo ends on an error page. */
  timeoutMs?: number;
};

function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return (input, init) => fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) });
}

/** Key under which the signIn step hands the verified company to the account-linking step. */
export const TOKEN_OWNER_KEY = "pleo_token_owner";

export function PleoProvider(opts: PleoProviderOptions): OAuthConfig<TokenOwner> {
  const pleoFetch = fetchWithTimeout(opts.timeoutMs ?? 15_000);
  return {
    id: PLEO_PROVIDER_ID,
    name: "Pleo",
    type: "oauth",
    // Lets oauth4webapi accept an RFC 9207 `iss` on the redirect if Pleo ever sends one.
    issuer: opts.authUrl,
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    checks: ["pkce", "state"],
    authorization: { url: `${opts.authUrl}/oauth/authorize`, params: { scope: opts.scopes } },
    token: { url: `${opts.authUrl}/oauth/token` },
    client: { token_endpoint_auth_method: "client_secret_basic" },
    userinfo: {
      url: `${opts.apiUrl}/v1/introspect`,
      async request({ tokens }: { tokens: { access_token?: string } }) {
        if (!tokens.access_token) throw new Error("token response carried no access_token");
        return fetchTokenOwner(opts.apiUrl, tokens.access_token, pleoFetch);
      },
    },
    profile(owner) {
      // Becomes the portal User on first sign-in: a user is named after the first company they connect.
      return { id: owner.company.id, name: owner.company.name };
    },
    account(tokens) {
      // Passed to the adapter's linkAccount only, which stores the tokens encrypted on PleoConnection.
      const t = tokens as Record<string, unknown>;
      return {
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        expires_at: tokens.expires_at,
        expires_in: t.expires_in,
        scope: tokens.scope,
        token_type: tokens.token_type,
        [TOKEN_OWNER_KEY]: t[TOKEN_OWNER_KEY],
      } as typeof tokens;
    },
    // Used by next-auth for the code exchange (symbols survive next-auth's option merge only here).
    options: { [customFetch]: pleoFetch } as OAuthConfig<TokenOwner>["options"],
  };
}
