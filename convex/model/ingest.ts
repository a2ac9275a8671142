/**
 * Internal entry points into the write path, for the sync worker, webhook processing and tests.
 * Each is one transaction: base writes and every derived figure they move commit together.
 */
import { v } from "convex/values";
import { internalMutation } from "../_generated/server";
import { anyRecord, repositoryRecord, repositoryRef } from "./records";
import { WritePath } from "./writePath";

/** Record (or refresh) an installation; a new one starts active and idle. */
export const upsertInstallation = internalMutation({
  args: {
    githubInstallationId: v.number(),
    accountLogin: v.string(),
    accountId: v.number(),
    accountType: v.union(v.literal("User"), v.literal("Organization")),
    installedByGithubUserId: v.optional(v.number()),
    installedByLogin: v.optional(v.string()),
  },
  handler: async (ctx, args) => {
    const existing = await ctx.db
      .query("installations")
      .withIndex("by_github_id", (q) => q.eq("githubInstallationId", args.githubInstallationId))
      .unique();
    if (existing) {
      await ctx.db.patch(existing._id, args);
      return existing._id;
    }
    return ctx.db.insert("installations", { ...args, status: "active", sync: { state: "idle" } });
  },
});

export const addRepositories = internalMutation({
  args: {
    installationId: v.id("installations"),
    repositories: v.array(v.union(repositoryRecord, repositoryRef)),
  },
  handler: async (ctx, { installationId, repositories }) => {
    const w = await WritePath.open(ctx, installationId);
    const repos = await w.addRepositories(repositories);
    await w.flush();
    return repos.map((r) => r._id);
  },
});

export const removeRepositories = internalMutation({
  args: { installationId: v.id("installations"), githubIds: v.array(v.number()) },
  handler: async (ctx, { installationId, githubIds }) => {
    const w = await WritePath.open(ctx, installationId);
    await w.removeRepositories(githubIds);
    await w.flush();
  },
});

/** Apply a batch of records (optionally refreshing the repository they came with). */
export const applyRecords = internalMutation({
  args: {
    installationId: v.id("installations"),
    repository: v.optional(repositoryRecord),
    records: v.array(anyRecord),
  },
  handler: async (ctx, { installationId, repository, records }) => {
    const w = await WritePath.open(ctx, installationId);
    if (repository) await w.upsertRepository(repository);
    const tally = await w.applyAll(records);
    await w.flush();
    return tally;
  },
});
