/** Operator functions for the Convex dashboard ("Functions" → run). Internal: not callable by clients. */
import { v } from "convex/values";
import { internalMutation, internalQuery } from "../_generated/server";
import { syncDecisionMessage } from "../messages";
import { cancelSync, requestSync } from "./service";

/** Sync now, bypassing the user cooldown and cron interval (never the rate limit). */
export const forceSync = internalMutation({
  args: { installationId: v.id("installations") },
  handler: async (ctx, { installationId }) => {
    const decision = await requestSync(ctx, installationId, "maintenance");
    return { ...decision, message: syncDecisionMessage(decision) };
  },
});

/** Cancel the installation's active job; a slice still running sees it lost its lease and stops. */
export const cancelActiveJob = internalMutation({
  args: { installationId: v.id("installations") },
  handler: async (ctx, { installationId }) => {
    const jobId = await cancelSync(ctx, installationId);
    return jobId ? { cancelled: true, jobId } : { cancelled: false };
  },
});

export const listRecentJobs = internalQuery({
  args: { installationId: v.id("installations"), limit: v.optional(v.number()) },
  handler: async (ctx, { installationId, limit }) => {
    const jobs = await ctx.db
      .query("syncJobs")
      .withIndex("by_installation_created", (q) => q.eq("installationId", installationId))
      .order("desc")
      .take(Math.min(limit ?? 20, 100));
    return jobs.map((j) => ({
      jobId: j._id,
      trigger: j.trigger,
      state: j.state,
      createdAt: new Date(j.createdAt).toISOString(),
      durationMs: j.finishedAt && j.startedAt ? j.finishedAt - j.startedAt : undefined,
      progress: `${j.progress.current}/${j.progress.total}`,
      requests: j.stats.requests,
      notModified: j.stats.notModified,
      primaryBudgetUsed: j.stats.primaryBudgetUsed,
      itemsWritten: j.stats.itemsWritten,
      error: j.error ? `${j.error.kind}: ${j.error.detail}` : undefined,
    }));
  },
});
