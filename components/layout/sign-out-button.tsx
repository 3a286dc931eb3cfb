import { signOutAction } from "@/lib/auth/actions";

export function SignOutButton() {
  return (
    <form action={signOutAction}>
      <button
        type="submit"
        className="rounded-lg px-3 py-2 text-sm font-semibold text-muted hover:bg-black/5 hover:text-ink"
      >
        Sign out
      </button>
    </form>
  );
}
