import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { VitePWA } from "vite-plugin-pwa";
import { pwaOptions } from "./src/pwa/manifest";

// The app lives in src/ (index.html and public/ included); Vite reads .env.local from the project root.
export default defineConfig({
  root: "src",
  envDir: "..",
  plugins: [react(), VitePWA(pwaOptions())],
  server: { port: 5173 },
  build: { outDir: "../dist", emptyOutDir: true },
});
