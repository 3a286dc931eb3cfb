"use client";

import { useActionState, useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { IDLE, type ActionState } from "@/lib/settings/action-state";
import { ActionMessage } from "./action-message";

/** "Delete hidden expenses…": its own confirmed action, apart from narrowing the history window. */
export function DeleteHiddenDialog({
  companyId,
  hidden,
  before,
  disabled,
  action,
}: {
  companyId: string;
  hidden: string;
  before: string;
  disabled?: boolean;
  action: (prev: ActionState, data: FormData) => Promise<ActionState>;
}) {
  const [open, setOpen] = useState(false);
  const [state, formAction, pending] = useActionState(action, IDLE);
  const done = state.status === "success";
  return (
    <>
      <Button
        type="button"
        variant="secondary"
        onClick={() => setOpen(true)}
        aria-haspopup="dialog"
        disabled={disabled}
      >
        Delete hidden expenses…
      </Button>
      <Dialog
        open={open}
        onClose={() => !pending && setOpen(false)}
        title="Delete hidden expenses?"
        description={
          <p>
            {hidden} performed before {before} are deleted from the portal. Pleo keeps them; widening the history window
            later fetches them again.
          </p>
        }
      >
        <form action={formAction} className="flex flex-col gap-4">
          <input type="hidden" name="companyId" value={companyId} />
          <ActionMessage state={state} />
          <div className="flex flex-wrap justify-end gap-3">
            <Button type="button" variant="secondary" onClick={() => setOpen(false)} disabled={pending}>
              {done ? "Close" : "Cancel"}
            </Button>
            {!done && (
              <Button type="submit" variant="danger" disabled={pending} aria-busy={pending || undefined}>
                {pending ? "Deleting…" : "Delete hidden expenses"}
              </Button>
            )}
          </div>
        </form>
      </Dialog>
    </>
  );
}
