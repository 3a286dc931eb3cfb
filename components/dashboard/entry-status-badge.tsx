import { humanize } from "@/lib/expenses/definitions";
import { Badge, type BadgeTone } from "@/components/ui/badge";

const TONES: Partial<Record<string, BadgeTone>> = {
  COMPLETED: "good",
  COMPLETED_EXTERNALLY: "good",
  CANCELLED: "bad",
  REJECTED: "bad",
  ERROR: "bad",
};

/** An accounting entry's status (Pleo's code, humanised), coloured by outcome: done, failed or in between. */
export function EntryStatusBadge({ status }: { status: string }) {
  return <Badge tone={TONES[status] ?? "neutral"}>{humanize(status)}</Badge>;
}
