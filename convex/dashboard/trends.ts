/**
 * Trends and the caller's own stats, read from the daily buckets (≤ one document per day).
 *
 * These queries never read the clock: Convex re-runs a subscribed query only when data it read
 * changes, never because time passed, so a window computed from `Date.now()` would stay on
 * yesterday after midnight. The client passes `today` (UTC day number, `dayOf(Date.now())` on its
 * clock, updated at the next UTC midnight); without it the window ends on the newest daily bucket the
 * caller can see — a day taken from data they may read, so the answer depends on that data alone.
 */
import { installationQuery } from "../builders";
import { v } from "convex/values";
import { fail } from "../messages";
import { type QueryCtx } from "../_generated/server";
import type { Id } from "../_generated/dataModel";
import { type RepositoryAccess } from "../access";
import { ACTIVITY, ACTIVITY_COUNTERS, PERSONAL_ACTIVITY } from "../metrics/figures";
import { quantileHours } from "../metrics/histogram";
import { byDay, readBuckets, total, type Sums } from "../metrics/read";
import { ALL_SCOPE, DAY_MS } from "../model/contribution";
import { bucketScopes, newestDay } from "./scoped";

/** Longest `trends` window (days): the history horizon (commits are read back 90 days). */
const MAX_TREND_DAYS = 90;
/** Longest `userStats` window (days): one bucket per active day of one user, ≤ 365 reads. */
const MAX_USER_STATS_DAYS = 365;
/** Accepted `today` values: UTC day numbers from 2000-01-01 to 2199-12-31. */
const MIN_DAY = Date.UTC(2000, 0, 1) / DAY_MS;
const MAX_DAY = Date.UTC(2200, 0, 1) / DAY_MS - 1;

/** `days` as given, when it is a whole number of days in 1..max; a ConvexError otherwise. */
export function validateDays(days: number, max: number): number {
  if (!Number.isInteger(days) || days < 1 || days > max) fail("invalid_days", max, days);
  return days;
}

/** `today` as given (a UTC day number since the epoch), or a ConvexError. */
export function validateToday(today: number | undefined): number | undefined {
  if (today === undefined) return undefined;
  if (!Number.isInteger(today) || today < MIN_DAY || today > MAX_DAY)
    fail("invalid_day", "today", MIN_DAY, MAX_DAY, today);
  return today;
}

/**
 * The last day of the window: the caller's `today`, else the newest day with activity the caller can
 * see (null: none), so an answer without `today` moves only with what the caller may read.
 */
export async function windowEnd(
  ctx: QueryCtx,
  installationId: Id<"installations">,
  access: RepositoryAccess,
  today: number | undefined,
): Promise<number | null> {
  return today ?? newestDay(ctx, installationId, access);
}

const windowArgs = {
  /** Window length in days. */
  days: v.number(),
  /** The window's last day, as a UTC day number (`Math.floor(Date.now() / 86_400_000)` on the client). */
  today: v.optional(v.number()),
};

/**
 * Daily activity over the `days` days ending on `today` (inclusive). Without `today`, the window
 * ends on the newest day with activity; with no activity at all the series is empty.
 */
export const trends = installationQuery({
  args: windowArgs,
  hidden: null,
  handler: async (ctx, args) => {
    const n = validateDays(args.days, MAX_TREND_DAYS);
    const given = validateToday(args.today);
    const { installationId } = args;
    // A restricted caller sees the public repositories' buckets and their readable private ones (scoped.ts).
    const { access } = ctx.visibility;
    const today = await windowEnd(ctx, installationId, access, given);
    if (today === null) return { days: [], medianHoursToFirstReview: null, medianHoursToMerge: null };
    const docs = await readBuckets(ctx.db, installationId, ACTIVITY, await bucketScopes(ctx, installationId, access), {
      from: today - n + 1,
      to: today,
    });
    const perDay = byDay(docs);
    const window = total(docs);
    const series = Array.from({ length: n }, (_, i) => {
      const day = today - n + 1 + i;
      return { date: new Date(day * DAY_MS).toISOString().slice(0, 10), ...activityCounts(perDay.get(day)) };
    });
    return {
      days: series,
      medianHoursToFirstReview: quantileHours(window.h.toFirstReview ?? {}, 0.5),
      medianHoursToMerge: quantileHours(window.h.toMerge ?? {}, 0.5),
    };
  },
});

/** The activity counters of a day's (or a window's) sums, every one present. */
function activityCounts(sums: Sums | undefined) {
  const n = sums?.n ?? {};
  return Object.fromEntries(ACTIVITY_COUNTERS.map((c) => [c, n[c] ?? 0])) as Record<
    (typeof ACTIVITY_COUNTERS)[number],
    number
  >;
}

/**
 * The signed-in user's own activity in an installation over the `days` days ending on `today`.
 * Without `today`, the window ends on the newest day with activity the caller can see (the same window
 * as `trends`), so a user who was quiet lately is not shown their old activity as recent.
 */
export const userStats = installationQuery({
  args: windowArgs,
  hidden: null,
  handler: async (ctx, args) => {
    const n = validateDays(args.days, MAX_USER_STATS_DAYS);
    const given = validateToday(args.today);
    const { installationId } = args;
    const { viewer } = ctx;
    const today = await windowEnd(ctx, installationId, ctx.visibility.access, given);
    const docs =
      today === null
        ? []
        : await readBuckets(
            ctx.db,
            installationId,
            PERSONAL_ACTIVITY,
            [ALL_SCOPE],
            { from: today - n + 1, to: today },
            viewer.login,
          );
    const counts = activityCounts(total(docs));
    return {
      login: viewer.login,
      days: n,
      pullRequestsOpened: counts.prsOpened,
      pullRequestsMerged: counts.prsMerged,
      reviewsGiven: counts.reviews,
      commits: counts.commits,
      issuesOpened: counts.issuesOpened,
      comments: counts.comments,
    };
  },
});
