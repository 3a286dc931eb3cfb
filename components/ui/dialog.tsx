"use client";

import { useCallback, useEffect, useId, useRef } from "react";

/**
 * A modal dialog on the native <dialog> (showModal: the page behind is inert and announced as such),
 * plus what the platform leaves out: Tab and Shift+Tab cycle inside the dialog (focus is trapped), the
 * first field (or `initialFocus`) gets focus on open, Escape cancels, and focus returns to whatever
 * opened it. Labelled by its title and described by its description for screen readers.
 */
export function Dialog({
  open,
  onClose,
  title,
  description,
  children,
  initialFocus,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  description?: React.ReactNode;
  children: React.ReactNode;
  /** CSS selector of the element to focus first, inside the dialog. */
  initialFocus?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<Element | null>(null);
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement;
      dialog.showModal();
      const first =
        (initialFocus ? dialog.querySelector<HTMLElement>(initialFocus) : null) ?? focusable(dialog)[0] ?? dialog;
      first.focus();
    } else if (!open && dialog.open) {
      dialog.close();
      (opener.current as HTMLElement | null)?.focus?.();
    }
  }, [open, initialFocus]);

  const onKeyDown = useCallback((e: React.KeyboardEvent<HTMLDialogElement>) => {
    if (e.key !== "Tab") return;
    const items = focusable(e.currentTarget);
    if (items.length === 0) return;
    const first = items[0];
    const last = items[items.length - 1];
    const active = document.activeElement;
    if (e.shiftKey && (active === first || !e.currentTarget.contains(active))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !e.currentTarget.contains(active))) {
      e.preventDefault();
      first.focus();
    }
  }, []);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      onKeyDown={onKeyDown}
      // Escape fires "cancel": close through the owner's state, so it stays the one source of truth.
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      className="m-auto w-[min(32rem,calc(100vw-2rem))] rounded-xl border border-black/10 bg-white p-6 text-ink shadow-xl backdrop:bg-black/40"
    >
      <h2 id={titleId} className="text-lg font-semibold">
        {title}
      </h2>
      {description && (
        <div id={descriptionId} className="mt-2 text-sm text-muted">
          {description}
        </div>
      )}
      <div className="mt-4">{children}</div>
    </dialog>
  );
}

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** What Tab visits, in order: a radio group counts once (its checked radio, as browsers do). */
function focusable(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => {
    if (el.closest("[inert]")) return false;
    if (el instanceof HTMLInputElement && el.type === "radio" && !el.checked) {
      const group = root.querySelectorAll<HTMLInputElement>(`input[type="radio"][name="${CSS.escape(el.name)}"]`);
      return ![...group].some((r) => r.checked);
    }
    return true;
  });
}
