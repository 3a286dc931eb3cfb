import { cloneElement, isValidElement, type ReactElement } from "react";

const BASE =
  "inline-flex items-center justify-center gap-2 rounded-lg font-semibold whitespace-nowrap transition-colors disabled:cursor-not-allowed disabled:opacity-60 aria-disabled:pointer-events-none aria-disabled:opacity-50";

const VARIANTS = {
  /** The page's main action. White on brand: 5:1 contrast (app/globals.css). */
  primary: "bg-brand text-white shadow-sm hover:bg-brand-dark",
  /** Other actions, beside a primary one or on their own. */
  secondary: "border border-black/15 bg-white text-ink shadow-sm hover:bg-surface",
  /** Low-emphasis actions in toolbars and headers (Settings, Sign out). */
  quiet: "text-muted hover:bg-black/5 hover:text-ink",
  /** Actions that remove something (Disconnect, Delete): white on red-700, 6.5:1. */
  danger: "bg-red-700 text-white shadow-sm hover:bg-red-800",
} as const;

const SIZES = {
  md: "px-4 py-2 text-sm",
  lg: "px-5 py-3 text-base",
} as const;

export type ButtonVariant = keyof typeof VARIANTS;
export type ButtonSize = keyof typeof SIZES;

type StyleProps = { variant?: ButtonVariant; size?: ButtonSize; className?: string };

const buttonClass = ({ variant = "primary", size = "md", className }: StyleProps) =>
  [BASE, VARIANTS[variant], SIZES[size], className].filter(Boolean).join(" ");

/**
 * The one button style. A <button> by default; with `asChild`, its only child (a <Link>, an <a> that
 * must load the whole page, a disabled <span aria-disabled>) gets the button's look instead, so links
 * that act as buttons look like buttons without nesting one interactive element in another.
 * Focus shows the global focus ring (app/globals.css).
 */
export function Button(
  props: StyleProps & React.ButtonHTMLAttributes<HTMLButtonElement> & { asChild?: false },
): ReactElement;
export function Button(
  props: StyleProps & { asChild: true; children: ReactElement<{ className?: string }> },
): ReactElement;
export function Button({
  variant,
  size,
  className,
  asChild,
  children,
  ...rest
}: StyleProps & React.ButtonHTMLAttributes<HTMLButtonElement> & { asChild?: boolean }) {
  if (asChild) {
    if (!isValidElement<{ className?: string }>(children)) throw new Error("Button asChild needs one element child");
    return cloneElement(children, {
      className: buttonClass({
        variant,
        size,
        className: [className, children.props.className].filter(Boolean).join(" "),
      }),
    });
  }
  return (
    <button {...rest} className={buttonClass({ variant, size, className })}>
      {children}
    </button>
  );
}
