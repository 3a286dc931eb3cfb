import type { AuthFailureCode } from "@/lib/auth/failures";

/** What the error page says for each failure: a plain title, what happened, and what to do. */
export type FailureMessage = { title: string; body: string; canRetry: boolean };

export const FAILURE_MESSAGES: Record<AuthFailureCode, FailureMessage> = {
  access_denied: {
    title: "Connection cancelled",
    body: "You chose not to give the portal access to your Pleo company, so nothing was connected. You can start again whenever you are ready.",
    canRetry: true,
  },
  provider_error: {
    title: "Pleo could not start the connection",
    body: "Pleo sent us back without an authorisation. Nothing was connected. Try again; if it keeps happening, your partner's Pleo client may need attention.",
    canRetry: true,
  },
  state_mismatch: {
    title: "This sign-in link is no longer valid",
    body: "The answer from Pleo did not match a connection started in this browser (it may have been opened twice, in another browser, or after a long pause). Nothing was connected. Please start again.",
    canRetry: true,
  },
  pkce_missing: {
    title: "Your connection attempt expired",
    body: "The connection has to be finished within 15 minutes in the same browser. Nothing was connected. Please start again.",
    canRetry: true,
  },
  code_rejected: {
    title: "Pleo did not accept this authorisation",
    body: "The authorisation from Pleo was already used or has expired (for example after going back in the browser). Nothing was connected. Please start again.",
    canRetry: true,
  },
  client_rejected: {
    title: "The portal could not identify itself to Pleo",
    body: "Pleo rejected this portal's client credentials. Nothing was connected. The portal's administrator needs to check PLEO_CLIENT_ID and PLEO_CLIENT_SECRET.",
    canRetry: false,
  },
  pleo_unavailable: {
    title: "Pleo is not reachable right now",
    body: "Pleo did not answer (or answered with a server error) while we finished the connection. Nothing was connected. Please try again in a moment.",
    canRetry: true,
  },
  profile_failed: {
    title: "We could not read your Pleo company",
    body: "Pleo authorised the connection, but we could not find out which company it is for. Nothing was connected. Please try again.",
    canRetry: true,
  },
  incomplete_grant: {
    title: "Pleo's answer was incomplete",
    body: "Pleo did not give us what a lasting connection needs (a refresh token). Nothing was connected. Please try again.",
    canRetry: true,
  },
  company_linked_elsewhere: {
    title: "This company is connected to another portal account",
    body: "This Pleo company is already connected to another portal account, so it was not added to the account you are signed in with. Nothing was changed in either account. To work with this company, sign out and connect it again: you will be signed in to the account it belongs to.",
    canRetry: false,
  },
  session_expired: {
    title: "Your session expired",
    body: "The page was open too long. Nothing was changed. Please start again.",
    canRetry: true,
  },
  server_error: {
    title: "Something went wrong on our side",
    body: "The connection could not be completed and nothing was stored. Please try again; if it keeps happening, contact the portal's administrator.",
    canRetry: true,
  },
};
