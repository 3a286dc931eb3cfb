"use client";

import { useRouter } from "next/navigation";
import { Component, startTransition } from "react";
import { Button } from "@/components/ui/button";

/**
 * A panel's error boundary: if its read fails, that panel says so (no stack trace, the reference Next
 * gives the error) and offers "Try again", while the rest of the page keeps working.
 */
export function PanelBoundary({ title, children }: { title: string; children: React.ReactNode }) {
  const router = useRouter();
  return (
    <Boundary title={title} retry={() => startTransition(() => router.refresh())}>
      {children}
    </Boundary>
  );
}

type Props = { title: string; retry: () => void; children: React.ReactNode };

class Boundary extends Component<Props, { error: (Error & { digest?: string }) | null }> {
  state = { error: null as (Error & { digest?: string }) | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div role="alert" className="rounded-xl border border-red-300 bg-white p-5">
        <p className="font-semibold">{this.props.title} could not be loaded</p>
        <p className="mt-1 text-sm text-muted">
          Something went wrong while reading it. The rest of the page still works.
          {error.digest && <span className="block text-xs">Reference: {error.digest}</span>}
        </p>
        <Button
          type="button"
          variant="secondary"
          className="mt-3"
          onClick={() => {
            this.setState({ error: null });
            this.props.retry();
          }}
        >
          Try again
        </Button>
      </div>
    );
  }
}
