import type { ConnectionStatus } from "@/lib/pleo/types";

const LABELS: Record<ConnectionStatus, { text: string; className: string }> = {
  CONNECTED: { text: "Connected", className: "bg-emerald-50 text-emerald-700 ring-emerald-600/20" },
  NEEDS_REAUTH: { text: "Needs reconnect", className: "bg-amber-50 text-amber-800 ring-amber-600/20" },
  DISCONNECTED: { text: "Disconnected", className: "bg-zinc-100 text-zinc-600 ring-zinc-500/20" },
};

export function ConnectionStatusBadge({ status }: { status: ConnectionStatus }) {
  const label = LABELS[status];
  return (
    <span
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${label.className}`}
    >
      {label.text}
    </span>
  );
}
