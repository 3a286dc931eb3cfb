import { Skeleton } from "@/components/ui/skeleton";

/** One panel of a company's settings section: a white card with an h3 heading (companies are h2). */
export function Panel({
  id,
  title,
  description,
  action,
  children,
  testId,
}: {
  id: string;
  title: string;
  description?: React.ReactNode;
  action?: React.ReactNode;
  children: React.ReactNode;
  testId?: string;
}) {
  return (
    <section
      aria-labelledby={`${id}-title`}
      id={id}
      data-testid={testId}
      className="rounded-xl border border-black/10 bg-white p-5 shadow-sm"
    >
      <div className="mb-4 flex flex-wrap items-start justify-between gap-3">
        <div>
          <h3 id={`${id}-title`} className="text-base font-semibold">
            {title}
          </h3>
          {description && <p className="mt-0.5 text-sm text-muted">{description}</p>}
        </div>
        {action}
      </div>
      {children}
    </section>
  );
}

/** A panel's placeholder while its read streams in, announced as loading. */
export function PanelSkeleton({ title, rows = 4 }: { title: string; rows?: number }) {
  return (
    <div
      role="status"
      aria-label={`Loading ${title.toLowerCase()}`}
      className="rounded-xl border border-black/10 bg-white p-5 shadow-sm"
    >
      <p className="mb-4 text-base font-semibold">{title}</p>
      <div className="flex flex-col gap-3">
        {Array.from({ length: rows }, (_, i) => (
          <Skeleton key={i} className="h-4 w-full" />
        ))}
      </div>
    </div>
  );
}
