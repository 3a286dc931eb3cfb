"use client";

import { useActionState, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { IDLE, type ActionState } from "@/lib/settings/action-state";
import {
  CHANGE_WINDOWS,
  FREQUENCIES,
  HISTORY_WINDOWS,
  type HistoryValue,
  type SettingsValues,
} from "@/lib/settings/options";
import { ActionMessage } from "./action-message";

const SELECT =
  "mt-1 block w-full rounded-lg border border-black/20 bg-white px-3 py-2 text-sm aria-invalid:border-red-700";

const monthsOf = (v: HistoryValue) => HISTORY_WINDOWS.find((h) => h.value === v)!.months ?? Infinity;

/**
 * The company's sync settings: frequency, history window, recheck window. Each select has a visible
 * label and a description a screen reader reads with it; errors are tied to their field. Saving shows
 * its progress on the button and the answer below it.
 */
export function SettingsForm({
  companyId,
  values,
  action,
}: {
  companyId: string;
  values: SettingsValues;
  action: (prev: ActionState, data: FormData) => Promise<ActionState>;
}) {
  const [state, formAction, pending] = useActionState(action, IDLE);
  const [history, setHistory] = useState<HistoryValue>(values.history);
  const id = useId();
  const narrower = monthsOf(history) < monthsOf(values.history);
  const wider = monthsOf(history) > monthsOf(values.history);
  const error = (name: string) => state.fieldErrors?.[name];

  const field = (name: keyof SettingsValues, label: string, description: string, select: React.ReactNode) => (
    <div>
      <label htmlFor={`${id}-${name}`} className="text-sm font-medium">
        {label}
      </label>
      {select}
      <p id={`${id}-${name}-help`} className="mt-1 text-xs text-muted">
        {description}
      </p>
      {error(name) && (
        <p id={`${id}-${name}-error`} className="mt-1 text-xs text-red-800">
          {error(name)}
        </p>
      )}
    </div>
  );
  const describedBy = (name: string) => `${id}-${name}-help${error(name) ? ` ${id}-${name}-error` : ""}`;

  return (
    <form action={formAction} className="flex flex-col gap-4" aria-label="Sync settings">
      <input type="hidden" name="companyId" value={companyId} />
      <div className="grid gap-4 sm:grid-cols-3">
        {field(
          "frequency",
          "Sync frequency",
          "How often the portal fetches changes from Pleo. Manual only: just when you press Sync now.",
          <select
            id={`${id}-frequency`}
            name="frequency"
            defaultValue={values.frequency}
            aria-describedby={describedBy("frequency")}
            aria-invalid={error("frequency") ? true : undefined}
            className={SELECT}
          >
            {FREQUENCIES.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>,
        )}
        {field(
          "history",
          "History window",
          "How far back expenses are synced and shown. Narrowing it hides older expenses; nothing is deleted.",
          <select
            id={`${id}-history`}
            name="history"
            value={history}
            onChange={(e) => setHistory(e.target.value as HistoryValue)}
            aria-describedby={describedBy("history")}
            aria-invalid={error("history") ? true : undefined}
            className={SELECT}
          >
            {HISTORY_WINDOWS.map((h) => (
              <option key={h.value} value={h.value}>
                {h.label}
              </option>
            ))}
          </select>,
        )}
        {field(
          "changesWindow",
          "Recheck window",
          "Each sync re-reads the expenses of these last days to pick up edits; older edits arrive with the daily full check.",
          <select
            id={`${id}-changesWindow`}
            name="changesWindow"
            defaultValue={values.changesWindow}
            aria-describedby={describedBy("changesWindow")}
            aria-invalid={error("changesWindow") ? true : undefined}
            className={SELECT}
          >
            {CHANGE_WINDOWS.map((w) => (
              <option key={w.value} value={w.value}>
                {w.label}
              </option>
            ))}
          </select>,
        )}
      </div>
      {(narrower || wider) && (
        <p className="rounded-lg bg-surface px-3 py-2 text-sm" data-testid="history-change-note">
          {narrower
            ? "Expenses older than the new window will be hidden from the dashboard and exports. They stay stored until you delete them."
            : "The portal will fetch the older expenses the wider window includes; the dashboard fills in as they arrive."}
        </p>
      )}
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={pending} aria-busy={pending || undefined}>
          {pending ? "Saving…" : "Save settings"}
        </Button>
        <ActionMessage state={state} />
      </div>
    </form>
  );
}
