"use client";

import { useActionState } from "react";
import { Button, type ButtonVariant } from "@/components/ui/button";
import { IDLE, type ActionState } from "@/lib/settings/action-state";
import { ActionMessage } from "./action-message";

/**
 * A one-button form for a settings action (Sync now, Check now, Activate, Retry now): hidden fields
 * name what it acts on; while it runs the button says so and is disabled; the answer shows beside it.
 */
export function ActionButton({
  action,
  fields,
  label,
  pendingLabel,
  variant = "secondary",
  disabled,
  disabledReason,
}: {
  action: (prev: ActionState, data: FormData) => Promise<ActionState>;
  fields: Record<string, string>;
  label: string;
  pendingLabel: string;
  variant?: ButtonVariant;
  disabled?: boolean;
  /** Said beside the button while it is disabled. */
  disabledReason?: string;
}) {
  const [state, formAction, pending] = useActionState(action, IDLE);
  return (
    <form action={formAction} className="flex flex-wrap items-center gap-x-3 gap-y-1">
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <Button type="submit" variant={variant} disabled={pending || disabled} aria-busy={pending || undefined}>
        {pending ? pendingLabel : label}
      </Button>
      <ActionMessage state={state} />
      {disabled && disabledReason && <p className="text-sm text-muted">{disabledReason}</p>}
    </form>
  );
}
