/**
 * Saved reports' weekly Slack summaries: each day at 08:05 UTC (`send weekly reports`), every report with
 * a weekly destination not yet summarised this week (Monday to Sunday, UTC) is stamped with the week and
 * its summary scheduled, in a transaction of its own: its figures as its author may read them
 * (summary.ts), queued to the destination on the Slack queue with a link to the report; nothing is sent
 * when there is nothing to say. The stamp makes it at most one message a week, whatever runs the pass.
 * Choosing a destination stamps the current week: the first summary comes the next Monday.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { canSee, viewerOfUser } from "../access";
import { continuePass } from "../batches";
import { RepositoryVisibility } from "../dashboard/visibility";
import { MAX_TEXT, queueDelivery } from "../notify/slack";
import { reportPath, weekOf } from "./definition";
import { summaryText } from "./summary";

/** Reports stamped per transaction of the pass (each summarised in a transaction of its own). */
const PAGE = 20;

export const sendWeekly = internalMutation({
  args: { cursor: v.optional(v.union(v.string(), v.null())) },
  handler: async (ctx, { cursor }) => {
    const week = weekOf(Date.now());
    const page = await ctx.db
      .query("savedReports")
      .withIndex("by_weekly_destination", (q) => q.gt("weeklyDestinationId", undefined))
      .paginate({ numItems: PAGE, cursor: cursor ?? null });
    for (const report of page.page) {
      if (report.lastWeek === week) continue;
      await ctx.db.patch(report._id, { lastWeek: week });
      // Apart: a report reads what its page reads to show it, and one that fails stops no other.
      await ctx.scheduler.runAfter(0, internal.reports.weekly.summarise, { reportId: report._id });
    }
    await continuePass(ctx, page, internal.reports.weekly.sendWeekly, {});
  },
});

/** Queue the report's summary to its destination, unless it, its installation or its author's access is gone. */
export const summarise = internalMutation({
  args: { reportId: v.id("savedReports") },
  handler: async (ctx, { reportId }) => {
    const report = await ctx.db.get(reportId);
    if (report?.weeklyDestinationId === undefined) return;
    await summariseReport(ctx, report, Date.now());
  },
});

async function summariseReport(ctx: MutationCtx, report: Doc<"savedReports">, now: number) {
  const [destination, installation, viewer] = await Promise.all([
    report.weeklyDestinationId ? ctx.db.get(report.weeklyDestinationId) : null,
    ctx.db.get(report.installationId),
    viewerOfUser(ctx, report.author.userId),
  ]);
  if (!destination || !destination.enabled || !installation || !viewer || !canSee(viewer, installation)) return;
  const visibility = await RepositoryVisibility.of(ctx, installation, viewer);
  const text = await summaryText({ ...ctx, viewer, installation, visibility }, report, now);
  if (text === null) return;
  const site = process.env.SITE_URL;
  await queueDelivery(ctx, destination, {
    event: "report",
    text: text.slice(0, MAX_TEXT),
    ...(site && { link: `${site.replace(/\/$/, "")}${reportPath(installation.accountLogin, report._id)}` }),
  });
}
