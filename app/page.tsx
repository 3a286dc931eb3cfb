import { ConnectPleoLink } from "@/components/auth/connect-link";

export default function LandingPage() {
  return (
    <main className="mx-auto flex max-w-3xl flex-col gap-6 px-6 py-24">
      <p className="text-sm font-semibold tracking-wide text-brand uppercase">Pleo Partner Portal</p>
      <h1 className="text-4xl font-bold tracking-tight">See what your Pleo companies spend.</h1>
      <p className="text-lg text-muted">
        Connect a Pleo company in a minute, keep the connection healthy, and explore its expenses.
      </p>
      <div>
        <ConnectPleoLink size="lg" />
      </div>
    </main>
  );
}
