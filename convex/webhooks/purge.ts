/**
 * Retention of uninstalled installations: once GitHub says the app was uninstalled, everything we
 * stored for it is deleted in bounded batches (the installation row stays as a tombstone, so a
 * late event for it still finds it deleted and writes nothing).
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id, TableNames } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";

const BATCH = 400;

export const purgeInstallation = internalMutation({
  args: { installationId: v.id("installations") },
  handler: async (ctx, { installationId }) => {
    const installation = await ctx.db.get(installationId);
    if (!installation || installation.status !== "deleted") return;
    const deleted = await purgeSome(ctx, installationId);
    if (deleted > 0) await ctx.scheduler.runAfter(0, internal.webhooks.purge.purgeInstallation, { installationId });
    else console.log(JSON.stringify({ event: "installation.purged", installationId }));
  },
});

async function purgeSome(ctx: MutationCtx, installationId: Id<"installations">): Promise<number> {
  const { db } = ctx;
  let budget = BATCH;
  const drop = async (docs: Array<{ _id: Id<TableNames> }>) => {
    for (const d of docs) await db.delete(d._id);
    budget -= docs.length;
  };
  const repo = await db
    .query("repositories")
    .withIndex("by_installation", (q) => q.eq("installationId", installationId))
    .first();
  if (repo) {
    const r = repo._id;
    await drop(
      await db
        .query("reviews")
        .withIndex("by_repo_pr", (q) => q.eq("repositoryId", r))
        .take(budget),
    );
    if (budget > 0)
      await drop(
        await db
          .query("ciResults")
          .withIndex("by_repo_sha_name", (q) => q.eq("repositoryId", r))
          .take(budget),
      );
    if (budget > 0)
      await drop(
        await db
          .query("commits")
          .withIndex("by_repo_sha", (q) => q.eq("repositoryId", r))
          .take(budget),
      );
    if (budget > 0)
      await drop(
        await db
          .query("comments")
          .withIndex("by_repo_issue", (q) => q.eq("repositoryId", r))
          .take(budget),
      );
    if (budget > 0)
      await drop(
        await db
          .query("pullRequests")
          .withIndex("by_repo_updated", (q) => q.eq("repositoryId", r))
          .take(budget),
      );
    if (budget > 0)
      await drop(
        await db
          .query("issues")
          .withIndex("by_repo_state_updated", (q) => q.eq("repositoryId", r))
          .take(budget),
      );
    if (budget > 0)
      await drop(
        await db
          .query("activityEvents")
          .withIndex("by_repo_time", (q) => q.eq("repositoryId", r))
          .take(budget),
      );
    if (budget > 0) await drop([repo]);
    return BATCH - budget;
  }
  await drop(
    await db
      .query("installationCounters")
      .withIndex("by_installation_shard", (q) => q.eq("installationId", installationId))
      .take(budget),
  );
  if (budget > 0)
    await drop(
      await db
        .query("dailyActivity")
        .withIndex("by_installation_day", (q) => q.eq("installationId", installationId))
        .take(budget),
    );
  if (budget > 0)
    await drop(
      await db
        .query("userDailyActivity")
        .withIndex("by_installation_login_day", (q) => q.eq("installationId", installationId))
        .take(budget),
    );
  if (budget > 0)
    await drop(
      await db
        .query("syncJobs")
        .withIndex("by_installation_created", (q) => q.eq("installationId", installationId))
        .take(budget),
    );
  return BATCH - budget;
}
