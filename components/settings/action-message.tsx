import type { ActionState } from "@/lib/settings/action-state";

/**
 * An action's answer, inline beside its button: a polite live region that is always present (so screen
 * readers announce what arrives in it), coloured by outcome; the words carry the meaning.
 */
export function ActionMessage({ state, id }: { state: ActionState; id?: string }) {
  const tone = state.status === "error" ? "text-red-800" : state.status === "success" ? "text-emerald-800" : "text-ink";
  return (
    <p id={id} aria-live="polite" aria-atomic="true" className={`text-sm ${tone}`} data-status={state.status}>
      {state.message ?? ""}
    </p>
  );
}
