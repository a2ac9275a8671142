/**
 * The deployments' background jobs, each through the write path: the merged PRs a production deployment
 * ships re-derived in chunks (`rederiveMerged`), and a repository's stored deployments re-applied after
 * its deployment source changed (`reclassifyDeployments`). Apart from deployments.ts, which the write
 * path itself uses, so neither imports the other in a circle.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { internalMutation } from "../functions";
import type { DeploymentRecord } from "./records";
import { withWritePath } from "./writePath";
import { continuePass } from "../batches";

type Deployment = Doc<"deployments">;
/** PRs re-derived per chunk. */
const REDERIVE_CHUNK = 200;
/** Deployments reclassified per transaction after a repository's choice changed. */
const RECLASSIFY_CHUNK = 50;

/** A chunk of the PRs merged in [from, to] of a repository re-derived (a deployment changed their first deployment). */
export const rederiveMerged = internalMutation({
  args: {
    repositoryId: v.id("repositories"),
    from: v.number(),
    to: v.number(),
    cursor: v.union(v.string(), v.null()),
  },
  handler: async (ctx, { repositoryId, from, to, cursor }) => {
    const repo = await ctx.db.get(repositoryId);
    if (!repo) return;
    const page = await ctx.db
      .query("pullRequests")
      .withIndex("by_repo_merged", (q) => q.eq("repositoryId", repositoryId).gte("mergedAt", from).lte("mergedAt", to))
      .paginate({ numItems: REDERIVE_CHUNK, cursor });
    await withWritePath(ctx, repo.installationId, async (w) => {
      for (const pr of page.page) w.rederive(repo, pr._id);
    });
    await continuePass(ctx, page, internal.model.deploymentJobs.rederiveMerged, { repositoryId, from, to });
  },
});

/** A stored deployment as the record it came from (re-applied to re-evaluate what depends on the repository's choice). */
function recordOf(d: Deployment, repoGithubId: number): DeploymentRecord {
  const { _id, _creationTime, installationId, repositoryId, production, restoreMs, countedAt: _counted, ...fields } = d;
  return { ...fields, repoGithubId };
}

/**
 * After a repository's deployment source changed: a chunk of its stored deployments re-applied through
 * the write path (production flips, buckets and restores follow, shipped PRs are re-derived); reschedules itself.
 */
export const reclassifyDeployments = internalMutation({
  args: { repositoryId: v.id("repositories"), cursor: v.union(v.string(), v.null()) },
  handler: async (ctx, { repositoryId, cursor }) => {
    const repo = await ctx.db.get(repositoryId);
    if (!repo) return;
    const page = await ctx.db
      .query("deployments")
      .withIndex("by_repo_source_github_id", (q) => q.eq("repositoryId", repositoryId))
      .paginate({ numItems: RECLASSIFY_CHUNK, cursor });
    await withWritePath(ctx, repo.installationId, (w) =>
      w.applyAll(page.page.map((d) => ({ kind: "deployment" as const, record: recordOf(d, repo.githubId) }))),
    );
    await continuePass(ctx, page, internal.model.deploymentJobs.reclassifyDeployments, { repositoryId });
  },
});

/** Start re-evaluating a repository's stored deployments (its deployment source changed). */
export async function scheduleReclassify(ctx: MutationCtx, repositoryId: Id<"repositories">) {
  await ctx.scheduler.runAfter(0, internal.model.deploymentJobs.reclassifyDeployments, { repositoryId, cursor: null });
}
