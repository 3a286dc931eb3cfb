import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { ConnectPleoLink } from "@/components/auth/connect-link";
import { Button } from "@/components/ui/button";
import { FAILURE_MESSAGES } from "@/lib/auth/failure-messages";
import { normalizeFailureCode } from "@/lib/auth/failures";

export const metadata: Metadata = { title: "Connection not completed" };

/** next-auth's `pages.error`: every failed connect ends here with a plain explanation and a way forward. */
export default async function AuthErrorPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const raw = (await searchParams).error;
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (!first) return <SignInPrompt />;
  const code = normalizeFailureCode(first);
  const message = FAILURE_MESSAGES[code];
  return (
    <AuthCard eyebrow="Pleo connection" title={message.title} tone="error">
      <p>{message.body}</p>
      <div className="flex flex-wrap gap-3">
        {message.canRetry && <ConnectPleoLink>Try again</ConnectPleoLink>}
        <Button asChild variant="secondary">
          <Link href="/">Back to home</Link>
        </Button>
      </div>
      <p className="text-xs" data-testid="auth-error-code">
        Reference: {code}
      </p>
    </AuthCard>
  );
}

/** next-auth also sends visitors here to sign in (pages.signIn); Pleo is the only way in. */
function SignInPrompt() {
  return (
    <AuthCard eyebrow="Pleo Partner Portal" title="Connect Pleo to continue">
      <p>Sign in by connecting one of your Pleo companies. You will log in at Pleo and choose the company.</p>
      <div>
        <ConnectPleoLink />
      </div>
    </AuthCard>
  );
}
