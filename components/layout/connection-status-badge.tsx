import type { ConnectionStatus } from "@/lib/pleo/types";
import { Badge, type BadgeTone } from "@/components/ui/badge";

const STATUS: Record<ConnectionStatus, { label: string; tone: BadgeTone }> = {
  CONNECTED: { label: "Connected", tone: "good" },
  NEEDS_REAUTH: { label: "Needs reconnect", tone: "warn" },
  DISCONNECTED: { label: "Disconnected", tone: "neutral" },
};

export function ConnectionStatusBadge({ status }: { status: ConnectionStatus }) {
  return <Badge tone={STATUS[status].tone}>{STATUS[status].label}</Badge>;
}
