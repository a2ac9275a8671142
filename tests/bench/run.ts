/**
 * `npm run bench`: runs the benchmarks through Vitest's Node API (the CLI's `vitest bench` prints an
 * "experimental feature" banner this way avoids), with tests/bench/vitest.config.ts, whose only
 * reporter prints the tables. Exit code 1 if a measurement failed.
 */
import { startVitest } from "vitest/node";

process.env.VITE_CONFIG_NATIVE_IGNORE_WARNING ??= "true";
// `npm run bench -- <name pattern>` runs only the benchmarks whose name matches.
const [pattern] = process.argv.slice(2);
const vitest = await startVitest("benchmark", [], {
  run: true,
  watch: false,
  config: "tests/bench/vitest.config.ts",
  ...(pattern && { testNamePattern: pattern }),
});
const failed = !vitest || vitest.state.getCountOfFailedTests() > 0 || vitest.state.errorsSet.size > 0;
await vitest?.close();
process.exit(failed ? 1 : 0);
