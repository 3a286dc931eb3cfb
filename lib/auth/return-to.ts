/** Where to land after connecting: only same-site paths (never `//host` or absolute URLs: open redirect). */
const DEFAULT_AFTER_CONNECT = "/dashboard";

export function safeReturnTo(raw: string | null | undefined): string {
  if (!raw || !raw.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\")) return DEFAULT_AFTER_CONNECT;
  if (raw.startsWith("/api/") || raw.startsWith("/connect/")) return DEFAULT_AFTER_CONNECT;
  return raw;
}
