import { Button, type ButtonSize, type ButtonVariant } from "@/components/ui/button";

/**
 * A link to the Initiation URL, styled as a button: the OAuth flow must start with a full page
 * navigation (it redirects to Pleo), so this is an <a>, not a client-side <Link>.
 */
export function ConnectPleoLink({
  children = "Connect Pleo",
  returnTo,
  variant = "primary",
  size,
}: {
  children?: React.ReactNode;
  returnTo?: string;
  variant?: ButtonVariant;
  size?: ButtonSize;
}) {
  const href = returnTo ? `/connect/pleo?returnTo=${encodeURIComponent(returnTo)}` : "/connect/pleo";
  return (
    <Button asChild variant={variant} size={size}>
      <a href={href}>{children}</a>
    </Button>
  );
}
