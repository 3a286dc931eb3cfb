import Link from "next/link";
import type { ConnectionSummary } from "@/lib/connections/queries";
import { settingsHref } from "@/components/layout/portal-header";
import { Badge } from "@/components/ui/badge";

/**
 * One tab per linked company (the period carries over, company-specific filters do not), and a link to
 * the shown company's connection settings.
 */
export function CompanySwitcher({
  connections,
  currentId,
  period,
}: {
  connections: ConnectionSummary[];
  currentId: string;
  period?: string;
}) {
  const current = connections.find((c) => c.companyId === currentId);
  const settings = current && (
    <Link href={settingsHref(current.companyId)} className="self-center text-sm underline">
      Connection settings<span className="sr-only"> for {current.companyName}</span>
    </Link>
  );
  if (connections.length < 2) return settings ?? null;
  return (
    <nav aria-label="Companies" className="flex flex-wrap gap-2">
      {connections.map((c) => {
        const params = new URLSearchParams({ company: c.companyId });
        if (period) params.set("period", period);
        const current = c.companyId === currentId;
        return (
          <Link
            key={c.companyId}
            href={`/dashboard?${params}`}
            aria-current={current ? "page" : undefined}
            className={`inline-flex items-center gap-2 rounded-full border px-3 py-1.5 text-sm font-medium ${current ? "border-brand bg-brand text-white" : "border-black/15 bg-white hover:bg-black/[0.03]"}`}
          >
            {c.companyName}
            {c.status === "NEEDS_REAUTH" && <Badge tone="warn">Reconnect</Badge>}
          </Link>
        );
      })}
      {settings}
    </nav>
  );
}
