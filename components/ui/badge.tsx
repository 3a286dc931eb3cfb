const TONES = {
  neutral: "bg-black/[0.06] text-ink ring-black/10",
  good: "bg-emerald-100 text-emerald-900 ring-emerald-700/20",
  warn: "bg-amber-100 text-amber-950 ring-amber-700/20",
  bad: "bg-red-100 text-red-900 ring-red-700/20",
} as const;

export type BadgeTone = keyof typeof TONES;

/** A short status label: dark text on a light tint in every tone; the words carry the meaning, the tone repeats it. */
export function Badge({ tone = "neutral", children }: { tone?: BadgeTone; children: React.ReactNode }) {
  return (
    <span
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset ${TONES[tone]}`}
    >
      {children}
    </span>
  );
}
