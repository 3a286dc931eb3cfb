const TONES = {
  neutral: "bg-black/[0.06] text-ink",
  good: "bg-emerald-100 text-emerald-900",
  warn: "bg-amber-100 text-amber-950",
  bad: "bg-red-100 text-red-900",
} as const;

export function Badge({ tone = "neutral", children }: { tone?: keyof typeof TONES; children: React.ReactNode }) {
  return (
    <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ${TONES[tone]}`}>
      {children}
    </span>
  );
}
