/** Trends and the caller's own stats, read from the daily buckets (≤ one document per day). */
import { v } from "convex/values";
import { query } from "../_generated/server";
import { currentViewer, viewableInstallation } from "../access";
import { dayOf, DAY_MS, histBinHours, HIST_BINS, ZERO_DAILY, addCounts, type DailyCounts } from "../model/contribution";
import { pickDaily } from "../model/derived";

export const MAX_TREND_DAYS = 90;

/** Median of a log2-hour histogram, as the representative duration of the median bin (hours). */
export function histogramMedianHours(hist: number[]): number | null {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  let seen = 0;
  for (let bin = 0; bin < hist.length; bin++) {
    seen += hist[bin] ?? 0;
    if (seen * 2 >= total) return Math.round(histBinHours(bin) * 10) / 10;
  }
  return null;
}

export const trends = query({
  args: { installationId: v.id("installations"), days: v.number() },
  handler: async (ctx, { installationId, days }) => {
    if (!(await viewableInstallation(ctx, installationId))) return null;
    const n = Math.max(1, Math.min(MAX_TREND_DAYS, Math.floor(days)));
    const today = dayOf(Date.now());
    const buckets = await ctx.db
      .query("dailyActivity")
      .withIndex("by_installation_day", (q) =>
        q
          .eq("installationId", installationId)
          .gt("day", today - n)
          .lte("day", today),
      )
      .collect();
    const byDay = new Map(buckets.map((b) => [b.day, b]));
    const zeros = new Array<number>(HIST_BINS).fill(0);
    const firstReview = [...zeros];
    const merge = [...zeros];
    const series = Array.from({ length: n }, (_, i) => {
      const day = today - n + 1 + i;
      const b = byDay.get(day);
      b?.firstReviewHist.forEach((x, k) => (firstReview[k]! += x));
      b?.mergeHist.forEach((x, k) => (merge[k]! += x));
      return { date: new Date(day * DAY_MS).toISOString().slice(0, 10), ...(b ? pickDaily(b) : ZERO_DAILY) };
    });
    return {
      days: series,
      medianHoursToFirstReview: histogramMedianHours(firstReview),
      medianHoursToMerge: histogramMedianHours(merge),
    };
  },
});

/** The signed-in user's own activity in an installation over the last `days` days. */
export const userStats = query({
  args: { installationId: v.id("installations"), days: v.number() },
  handler: async (ctx, { installationId, days }) => {
    const viewer = await currentViewer(ctx);
    if (!viewer || !(await viewableInstallation(ctx, installationId))) return null;
    const n = Math.max(1, Math.min(365, Math.floor(days)));
    const today = dayOf(Date.now());
    const buckets = await ctx.db
      .query("userDailyActivity")
      .withIndex("by_installation_login_day", (q) =>
        q
          .eq("installationId", installationId)
          .eq("login", viewer.login)
          .gt("day", today - n)
          .lte("day", today),
      )
      .collect();
    const total: DailyCounts = buckets.reduce((acc, b) => addCounts(acc, pickDaily(b)), ZERO_DAILY);
    return {
      login: viewer.login,
      days: n,
      pullRequestsOpened: total.prsOpened,
      pullRequestsMerged: total.prsMerged,
      reviewsGiven: total.reviews,
      commits: total.commits,
      issuesOpened: total.issuesOpened,
      comments: total.comments,
    };
  },
});
