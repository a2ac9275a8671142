/**
 * `npm run bench`: runs the benchmarks through Vitest's Node API (the CLI's `vitest bench` prints an
 * "experimental feature" banner this way avoids), with tests/bench/vitest.config.ts, whose only
 * reporter prints the tables. Exit code 1 if a measurement failed.
 */
import { startVitest } from "vitest/node";

process.env.VITE_CONFIG_NATIVE_IGNORE_WARNING ??= "true";
const vitest = await startVitest("benchmark", process.argv.slice(2), {
  run: true,
  watch: false,
  config: "tests/bench/vitest.config.ts",
});
const failed = !vitest || vitest.state.getCountOfFailedTests() > 0 || vitest.state.errorsSet.size > 0;
await vitest?.close();
process.exit(failed ? 1 : 0);
