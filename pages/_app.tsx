import type { AppProps } from "next/app";
import "@/app/globals.css";

/** The Pages Router serves only the landing page (pages/index.tsx); it shares the app's global styles. */
export default function LandingApp({ Component, pageProps }: AppProps) {
  return <Component {...pageProps} />;
}
