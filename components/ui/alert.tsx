/** Inline message: info (neutral), warning (needs attention) or error. */
const TONES = {
  info: "border-sky-200 bg-sky-50 text-sky-900",
  warning: "border-amber-300 bg-amber-50 text-amber-950",
  error: "border-red-300 bg-red-50 text-red-900",
} as const;

export function Alert({
  tone = "info",
  title,
  children,
  action,
  role,
}: {
  tone?: keyof typeof TONES;
  title?: string;
  children?: React.ReactNode;
  action?: React.ReactNode;
  role?: "alert" | "status";
}) {
  return (
    <div
      role={role ?? (tone === "info" ? "status" : "alert")}
      className={`flex flex-wrap items-center justify-between gap-3 rounded-lg border px-4 py-3 text-sm ${TONES[tone]}`}
    >
      <div>
        {title && <p className="font-semibold">{title}</p>}
        {children}
      </div>
      {action}
    </div>
  );
}
