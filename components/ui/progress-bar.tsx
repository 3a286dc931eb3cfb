/** A determinate progress bar (a real <progress> for assistive tech, styled). */
export function ProgressBar({ value, max, label }: { value: number; max: number; label: string }) {
  const pct = max > 0 ? Math.min(100, Math.round((value / max) * 100)) : 0;
  return (
    <div className="w-full">
      <progress className="sr-only" value={value} max={max} aria-label={label} />
      <div aria-hidden className="h-2 w-full overflow-hidden rounded-full bg-black/10">
        <div className="h-full rounded-full bg-brand transition-[width] duration-500" style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}
