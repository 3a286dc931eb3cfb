/**
 * A plain link to the Initiation URL: the OAuth flow must start with a full page navigation (it
 * redirects to Pleo), so this is an <a>, not a client-side <Link>.
 */
export function ConnectPleoLink({
  children = "Connect Pleo",
  returnTo,
  variant = "primary",
}: {
  children?: React.ReactNode;
  returnTo?: string;
  variant?: "primary" | "secondary";
}) {
  const href = returnTo ? `/connect/pleo?returnTo=${encodeURIComponent(returnTo)}` : "/connect/pleo";
  const style =
    variant === "primary"
      ? "bg-brand text-white shadow-sm hover:bg-brand-dark"
      : "border border-black/10 bg-white text-ink hover:bg-surface";
  return (
    <a href={href} className={`inline-flex items-center rounded-lg px-4 py-2.5 text-sm font-semibold ${style}`}>
      {children}
    </a>
  );
}
