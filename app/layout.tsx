import type { Metadata } from "next";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Pleo Partner Portal", template: "%s · Pleo Partner Portal" },
  description: "Connect your Pleo companies, keep the connection healthy, and see what they spend.",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans antialiased">{children}</body>
    </html>
  );
}
