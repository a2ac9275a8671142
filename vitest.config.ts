import { defineConfig } from "vitest/config";
import { convexTestIndex } from "./tests/helpers/convexTestIndex";

// Convex functions run in an edge-like runtime: tests default to the edge-runtime environment so a
// Node-only API used in `convex/` fails here as it would on a deployment. Files that drive Node
// (the HTTP fake GitHub, the browser) opt in with `// @vitest-environment node`.
export default defineConfig({
  plugins: [convexTestIndex()],
  test: {
    environment: "edge-runtime",
    server: { deps: { inline: ["convex-test"] } },
    include: ["tests/**/*.test.ts", "tests/**/*.test.tsx"],
    benchmark: { include: ["tests/bench/**/*.bench.ts"] },
    // Whole syncs of thousands of PRs through the write path (every derived figure in the same
    // transaction) on a 2-CPU CI machine running two files at once: a timeout here is a hang, not a budget.
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
