import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The app lives in src/ (index.html included); Vite reads .env.local from the project root.
export default defineConfig({
  root: "src",
  envDir: "..",
  plugins: [react()],
  server: { port: 5173 },
  build: { outDir: "../dist", emptyOutDir: true },
});
