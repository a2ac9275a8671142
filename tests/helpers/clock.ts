/**
 * Clock independence of queries. A Convex query is cached and re-run only when the data it read
 * changes, never because time passed: a query that reads `Date.now()` keeps showing the instant it
 * last ran ("cooldown ends in 2 minutes" an hour later, yesterday's window after midnight). So a
 * public query must answer the same for the same data whatever the clock says.
 */
import { getFunctionName, type FunctionReference } from "convex/server";
import { expect, vi } from "vitest";
import type { TestConvex } from "./convex";

const HOUR = 3_600_000;
/** Clock moves from the first call: a few hours on, and past the next midnight (UTC or local). */
export const CLOCK_SHIFTS_MS = [5 * HOUR, 29 * HOUR];

export type QueryCall = readonly [FunctionReference<"query", "public">, Record<string, unknown>];

/**
 * Calls each public query with the clock at its current time, then again with it moved by each of
 * `shifts` (data unchanged), and requires identical answers. Uses Vitest's fake Date (installed just
 * for the call, unless the test already fakes timers) and restores the clock it found.
 */
export async function expectQueriesIgnoreClock(
  t: TestConvex,
  identity: { subject: string } | null,
  calls: ReadonlyArray<QueryCall>,
  shifts: ReadonlyArray<number> = CLOCK_SHIFTS_MS,
): Promise<void> {
  const caller = identity ? t.withIdentity(identity) : t;
  const installed = !vi.isFakeTimers();
  if (installed) vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
  const start = Date.now();
  try {
    for (const [fn, args] of calls) {
      const name = getFunctionName(fn);
      vi.setSystemTime(start);
      const first = await caller.query(fn, args);
      for (const shift of shifts) {
        vi.setSystemTime(start + shift);
        const later = await caller.query(fn, args);
        expect(later, `${name}(${JSON.stringify(args)}) answered differently ${shift / HOUR} h later`).toEqual(first);
      }
    }
  } finally {
    vi.setSystemTime(start);
    if (installed) vi.useRealTimers();
  }
}
