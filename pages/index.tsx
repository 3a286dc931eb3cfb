import type { PageConfig } from "next";
import Head from "next/head";
import { ConnectPleoLink } from "@/components/auth/connect-link";

/**
 * The landing page is static HTML and CSS with no JavaScript at all: it has nothing interactive (its
 * one action is a link that leaves for Pleo), and an App Router page always loads the router's ~130 kB
 * runtime. So it is the one Pages Router page, with the runtime switched off (README, "Page weight").
 */
export const config: PageConfig = { unstable_runtimeJS: false };

export default function LandingPage() {
  return (
    <>
      <Head>
        <title>Pleo Partner Portal</title>
        <meta
          name="description"
          content="Connect your Pleo companies, keep the connection healthy, and see what they spend."
        />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
      </Head>
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
    </>
  );
}
