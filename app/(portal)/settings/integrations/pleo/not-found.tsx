import Link from "next/link";
import { Button } from "@/components/ui/button";

/** A company this session may not see (another account's, or not opened here) looks exactly like a missing one. */
export default function SettingsNotFound() {
  return (
    <main className="mx-auto max-w-2xl px-6 py-16">
      <div className="rounded-xl border border-black/10 bg-white p-8">
        <h1 className="text-xl font-semibold">Not found</h1>
        <p className="mt-2 text-muted">
          This company is not connected to your account in this session, or it no longer exists.
        </p>
        <div className="mt-6">
          <Button asChild>
            <Link href="/settings/integrations/pleo">All your connections</Link>
          </Button>
        </div>
      </div>
    </main>
  );
}
