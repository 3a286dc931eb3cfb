/** Grey placeholder blocks shown while a widget's data streams in. */
export function Skeleton({ className = "", style }: { className?: string; style?: React.CSSProperties }) {
  return <div aria-hidden style={style} className={`animate-pulse rounded-md bg-black/[0.07] ${className}`} />;
}

/** A card-shaped skeleton with an accessible "Loading …" label for screen readers. */
export function SkeletonCard({
  label,
  className = "",
  children,
}: {
  label: string;
  className?: string;
  children?: React.ReactNode;
}) {
  return (
    <div
      role="status"
      aria-label={label}
      className={`rounded-xl border border-black/10 bg-white p-5 shadow-sm ${className}`}
    >
      <Skeleton className="mb-4 h-4 w-40" />
      {children ?? <Skeleton className="h-40 w-full" />}
      <span className="sr-only">{label}</span>
    </div>
  );
}
