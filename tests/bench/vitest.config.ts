/** `npm run bench`: the project's Vitest configuration, with the tables reporter as the only reporter. */
import { mergeConfig } from "vitest/config";
import base from "../../vitest.config";

export default mergeConfig(base, {
  test: { benchmark: { reporters: ["./tests/bench/tablesReporter.ts"] } },
});
