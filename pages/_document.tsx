import { Head, Html, Main, NextScript } from "next/document";

/** The same <html> and <body> as app/layout.tsx. */
export default function Document() {
  return (
    <Html lang="en">
      <Head />
      <body className="min-h-screen font-sans antialiased">
        <Main />
        <NextScript />
      </body>
    </Html>
  );
}
