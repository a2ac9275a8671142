/**
 * What the analytics queries (cycle time, DORA) share about a date range: its validation and the periods
 * a chart shows it in (quantiles: convex/metrics/histogram.ts).
 */
import { fail } from "../messages";
import { DAY_MS } from "../model/contribution";

/** The longest range (days, inclusive) a query reads: a year (and a leap day) of daily documents per series. */
const MAX_RANGE_DAYS = 366;
/** Accepted day numbers: 2000-01-01 to 2199-12-31. */
const MIN_DAY = Date.UTC(2000, 0, 1) / DAY_MS;
const MAX_DAY = Date.UTC(2200, 0, 1) / DAY_MS - 1;

/** `from`..`to` (inclusive UTC day numbers) as given, or a ConvexError saying what is wrong. */
export function validateRange(from: number, to: number) {
  for (const [name, day] of [
    ["from", from],
    ["to", to],
  ] as const) {
    if (!Number.isInteger(day) || day < MIN_DAY || day > MAX_DAY) fail("invalid_day", name, MIN_DAY, MAX_DAY, day);
  }
  if (to < from) fail("invalid_range_order", from, to);
  if (to - from + 1 > MAX_RANGE_DAYS) fail("invalid_range_length", MAX_RANGE_DAYS, to - from + 1);
}

type Granularity = "day" | "week" | "month";
/** What keeps a chart readable: days up to a month, weeks up to half a year, months beyond. */
export const granularityFor = (days: number): Granularity => (days <= 31 ? "day" : days <= 180 ? "week" : "month");

type Period = { start: number; end: number; label: string };
const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The periods covering from..to (inclusive): days, ISO weeks (Monday first) or calendar months, clipped to the range. */
export function periodsOf(from: number, to: number, granularity: Granularity): Period[] {
  const out: Period[] = [];
  for (let day = from; day <= to;) {
    let end: number;
    let label: string;
    if (granularity === "day") [end, label] = [day, isoDay(day)];
    else if (granularity === "week") {
      const monday = day - ((day + 3) % 7); // day 0 (1970-01-01) was a Thursday
      [end, label] = [monday + 6, `Week of ${isoDay(monday)}`];
    } else {
      const d = new Date(day * DAY_MS);
      [end, label] = [Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / DAY_MS - 1, isoDay(day).slice(0, 7)];
    }
    end = Math.min(end, to);
    out.push({ start: day, end, label });
    day = end + 1;
  }
  return out;
}
