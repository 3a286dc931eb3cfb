/** The centred card used by sign-in outcome pages (errors, notices). */
export function AuthCard({
  eyebrow,
  title,
  children,
  tone = "neutral",
}: {
  eyebrow: string;
  title: string;
  children: React.ReactNode;
  tone?: "neutral" | "error";
}) {
  return (
    <main className="mx-auto flex min-h-screen max-w-xl flex-col justify-center px-6 py-16">
      <div className="rounded-2xl border border-black/5 bg-white p-8 shadow-sm">
        <p
          className={`text-sm font-semibold tracking-wide uppercase ${tone === "error" ? "text-brand" : "text-muted"}`}
        >
          {eyebrow}
        </p>
        <h1 className="mt-2 text-2xl font-bold tracking-tight">{title}</h1>
        <div className="mt-4 flex flex-col gap-6 text-muted">{children}</div>
      </div>
    </main>
  );
}
