/**
 * A property test's number of runs, scaled by `PROPERTY_RUNS_SCALE` (default 1): CI keeps its minutes,
 * while a hunt for counterexamples (`PROPERTY_RUNS_SCALE=30 npx vitest run tests/…`) tries many seeds.
 */
export const propertyRuns = (runs: number): number =>
  Math.max(1, Math.round(runs * Number(process.env.PROPERTY_RUNS_SCALE ?? 1)));
