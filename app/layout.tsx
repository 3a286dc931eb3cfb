import type { Metadata } from "next";
import { connection } from "next/server";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Pleo Partner Portal", template: "%s · Pleo Partner Portal" },
  description: "Connect your Pleo companies, keep the connection healthy, and see what they spend.",
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Every page is rendered per request, never prerendered at build time: Next stamps its scripts with
  // the request's CSP nonce (proxy.ts, lib/security-headers.ts), which a prerendered page cannot carry.
  await connection();
  return (
    <html lang="en">
      <body className="min-h-screen font-sans antialiased">{children}</body>
    </html>
  );
}
