"use client";

import { useState } from "react";

/** What the portal's receipt route says when it cannot serve a file (its JSON for `as=thumbnail`). */
const PROBLEMS: Record<string, string> = {
  expired: "This receipt's link from Pleo has expired. Reload the page for a fresh one.",
  missing: "Pleo no longer has this file.",
  unavailable: "Pleo could not be reached for this receipt. Try again shortly.",
};

/**
 * A receipt thumbnail served through the portal. If the image does not load, the route is asked why
 * (its JSON answer) and the reason is shown as text in its place, so an expired link or an outage is
 * explained rather than shown as a broken image.
 */
export function ReceiptThumbnail({ src, alt }: { src: string; alt: string }) {
  const [problem, setProblem] = useState<string | null>(null);
  if (problem) {
    return (
      <p
        role="status"
        className="flex h-32 w-24 items-center p-2 text-center text-xs text-muted"
        data-testid="receipt-problem"
      >
        {problem}
      </p>
    );
  }
  return (
    // eslint-disable-next-line @next/next/no-img-element -- a same-origin stream, not an optimisable static image
    <img
      src={src}
      alt={alt}
      width={96}
      height={128}
      loading="lazy"
      className="h-32 w-24 rounded border border-black/10 bg-surface object-cover"
      onError={(event) => {
        // Ask the route why, for the URL that failed, bypassing the browser's cache of an earlier success.
        fetch(event.currentTarget.currentSrc || src, { headers: { accept: "application/json" }, cache: "no-store" })
          .then((res) => res.json() as Promise<{ error?: string }>)
          .then((body) => setProblem(PROBLEMS[body.error ?? ""] ?? PROBLEMS.unavailable))
          .catch(() => setProblem(PROBLEMS.unavailable));
      }}
    />
  );
}
