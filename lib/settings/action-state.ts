/**
 * What every settings action answers, for `useActionState`: the outcome in words (shown inline, and
 * announced), and per-field errors of the form. `at` changes on every answer, so the form can move focus
 * to a message even when the same one comes twice. No server-only imports: the forms use the type.
 */
export type ActionState = {
  status: "idle" | "success" | "info" | "error";
  message?: string;
  fieldErrors?: Partial<Record<string, string>>;
  at?: number;
};

export const IDLE: ActionState = { status: "idle" };
