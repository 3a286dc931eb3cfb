"use client";

import { useActionState, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { IDLE, type ActionState } from "@/lib/settings/action-state";
import { ActionMessage } from "./action-message";

/**
 * "Disconnect…": a confirmation dialog naming the company, with the choice to keep the synced data
 * (read-only) or delete it (the dialog says how many entries). Keyboard: focus starts on the choice,
 * stays inside the dialog, Escape or Cancel closes it and returns focus to the button that opened it.
 * A successful disconnect navigates away (the company is gone); any other answer shows in the dialog.
 */
export function DisconnectDialog({
  companyId,
  companyName,
  entryCount,
  locale,
  action,
}: {
  companyId: string;
  companyName: string;
  entryCount: number;
  locale: string;
  action: (prev: ActionState, data: FormData) => Promise<ActionState>;
}) {
  const [open, setOpen] = useState(false);
  const [state, formAction, pending] = useActionState(action, IDLE);
  const id = useId();
  const entries = `${new Intl.NumberFormat(locale).format(entryCount)} ${entryCount === 1 ? "entry" : "entries"}`;

  return (
    <>
      <Button type="button" variant="danger" onClick={() => setOpen(true)} aria-haspopup="dialog">
        Disconnect…
      </Button>
      <Dialog
        open={open}
        onClose={() => !pending && setOpen(false)}
        title={`Disconnect ${companyName}?`}
        description={
          <p>
            The portal uninstalls itself at Pleo (Pleo revokes its access), deletes the stored tokens and stops syncing.{" "}
            {companyName} leaves every portal session. You can connect it again later.
          </p>
        }
        initialFocus='input[name="data"]:checked'
      >
        <form action={formAction} className="flex flex-col gap-4">
          <input type="hidden" name="companyId" value={companyId} />
          <fieldset className="flex flex-col gap-2">
            <legend className="mb-1 text-sm font-medium">Synced data ({entries})</legend>
            <label className="flex items-start gap-2 rounded-lg border border-black/10 p-3 text-sm has-checked:border-brand">
              <input
                type="radio"
                name="data"
                value="keep"
                defaultChecked
                className="mt-1"
                aria-describedby={`${id}-keep`}
              />
              <span>
                <span className="font-medium">Keep synced data (read-only)</span>
                <span id={`${id}-keep`} className="block text-muted">
                  The {entries} stay stored, not synced. They show again if you connect {companyName} again.
                </span>
              </span>
            </label>
            <label className="flex items-start gap-2 rounded-lg border border-black/10 p-3 text-sm has-checked:border-brand">
              <input type="radio" name="data" value="delete" className="mt-1" aria-describedby={`${id}-delete`} />
              <span>
                <span className="font-medium">Delete synced data</span>
                <span id={`${id}-delete`} className="block text-muted">
                  The {entries}, and the company&apos;s employees, categories and tags, are deleted now.
                </span>
              </span>
            </label>
          </fieldset>
          <ActionMessage state={state} />
          <div className="flex flex-wrap justify-end gap-3">
            <Button type="button" variant="secondary" onClick={() => setOpen(false)} disabled={pending}>
              Cancel
            </Button>
            <Button type="submit" variant="danger" disabled={pending} aria-busy={pending || undefined}>
              {pending ? "Disconnecting…" : `Disconnect ${companyName}`}
            </Button>
          </div>
        </form>
      </Dialog>
    </>
  );
}
