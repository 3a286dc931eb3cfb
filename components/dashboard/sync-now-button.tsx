"use client";

import { useActionState } from "react";
import { Button } from "@/components/ui/button";

export type SyncNowState = { status: "idle" | "started" | "info" | "error"; message?: string };

/** "Sync now": posts the company id to a server action that checks ownership and starts a sync. */
export function SyncNowButton({
  companyId,
  action,
  disabled,
  disabledReason,
}: {
  companyId: string;
  action: (prev: SyncNowState, data: FormData) => Promise<SyncNowState>;
  disabled?: boolean;
  disabledReason?: string;
}) {
  const [state, formAction, pending] = useActionState(action, { status: "idle" });
  return (
    <form action={formAction} className="flex items-center gap-3">
      <input type="hidden" name="companyId" value={companyId} />
      <Button
        type="submit"
        variant="secondary"
        disabled={pending || disabled}
        title={disabled ? disabledReason : undefined}
      >
        {pending ? "Starting…" : "Sync now"}
      </Button>
      <p role="status" className={`text-sm ${state.status === "error" ? "text-red-700" : "text-muted"}`}>
        {state.message ?? (disabled && disabledReason ? disabledReason : "")}
      </p>
    </form>
  );
}
