import Link from "next/link";
import { Button } from "@/components/ui/button";

/** An unknown company or entry (or one that belongs to someone else: we do not say which). */
export default function DashboardNotFound() {
  return (
    <main className="mx-auto max-w-2xl px-6 py-16">
      <div className="rounded-xl border border-black/10 bg-white p-8">
        <h1 className="text-xl font-semibold">Not found</h1>
        <p className="mt-2 text-muted">
          This company or expense is not connected to your account, or it no longer exists.
        </p>
        <div className="mt-6">
          <Button asChild>
            <Link href="/dashboard">Back to the dashboard</Link>
          </Button>
        </div>
      </div>
    </main>
  );
}
