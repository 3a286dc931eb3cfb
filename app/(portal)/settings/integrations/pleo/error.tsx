"use client";

import Link from "next/link";
import { Button } from "@/components/ui/button";

/**
 * The page could not be read (database unavailable, …): say so plainly, offer a retry; no stack traces.
 * The server logged the error with this digest and the request id (instrumentation.ts, onRequestError).
 */
export default function SettingsError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="mx-auto max-w-2xl px-6 py-16">
      <div role="alert" className="rounded-xl border border-red-200 bg-white p-8">
        <h1 className="text-xl font-semibold">The integration settings could not be loaded</h1>
        <p className="mt-2 text-muted">
          Something went wrong while reading your connections. Nothing was changed; try again in a moment.
          {error.digest && <span className="mt-1 block text-xs">Reference: {error.digest}</span>}
        </p>
        <div className="mt-6 flex gap-3">
          <Button type="button" onClick={() => reset()}>
            Try again
          </Button>
          <Button asChild variant="secondary">
            <Link href="/dashboard">Back to the dashboard</Link>
          </Button>
        </div>
      </div>
    </main>
  );
}
