/**
 * The installable app's manifest and service worker options (vite-plugin-pwa), shared by the app's
 * Vite config and the browser tests' harness. The theme colour of the installed window follows the
 * system's dark mode through `<meta name="theme-color" media=…>` in index.html (a manifest has one).
 */
import type { VitePWAOptions } from "vite-plugin-pwa";

export const pwaOptions = (dev = false): Partial<VitePWAOptions> => ({
  strategies: "injectManifest",
  srcDir: "pwa",
  filename: "sw.ts",
  registerType: "prompt",
  injectRegister: false,
  manifest: {
    name: "Syncboard",
    short_name: "Syncboard",
    description: "Your GitHub pull requests, reviews, CI and alerts, live.",
    start_url: "/",
    scope: "/",
    display: "standalone",
    background_color: "#f6f7f9",
    theme_color: "#0969da",
    icons: [
      { src: "/icon-192.png", sizes: "192x192", type: "image/png" },
      { src: "/icon-512.png", sizes: "512x512", type: "image/png" },
      { src: "/icon-maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
    ],
  },
  injectManifest: { globPatterns: ["**/*.{js,css,html,svg,png,webmanifest}"] },
  devOptions: { enabled: dev, type: "module", navigateFallback: "index.html" },
});
