"use client";

import { useRouter } from "next/navigation";

/**
 * The filter form is a plain GET form (works without JavaScript). With JavaScript, submitting drops
 * empty fields so shared URLs stay short, and picking dates switches the period to "custom".
 */
export function FilterFormShell({ action, children }: { action: string; children: React.ReactNode }) {
  const router = useRouter();
  return (
    <form
      method="get"
      action={action}
      role="search"
      aria-label="Filter expenses"
      onSubmit={(event) => {
        event.preventDefault();
        const data = new FormData(event.currentTarget);
        const params = new URLSearchParams();
        for (const [key, value] of data) {
          if (typeof value === "string" && value.trim() !== "") params.set(key, value.trim());
        }
        if (params.get("from") || params.get("to")) params.set("period", "custom");
        else if (params.get("period") === "custom") params.delete("period");
        if (params.get("period") === "this-month") params.delete("period");
        if (params.get("period") !== "custom") {
          params.delete("from");
          params.delete("to");
        }
        const qs = params.toString();
        router.push(qs ? `${action}?${qs}` : action);
      }}
      className="grid grid-cols-2 gap-3 md:grid-cols-4 xl:grid-cols-6"
    >
      {children}
    </form>
  );
}
