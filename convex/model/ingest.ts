/**
 * Operator and test entry points into the model (Convex dashboard → Functions → run). Each is a thin
 * wrapper over the very functions webhooks and the sync worker use, and one transaction: base writes
 * and every derived figure they move commit together.
 */
import { v } from "convex/values";
import { internalMutation } from "../functions";
import { recordInstallation } from "./installations";
import { anyRecord, repositoryRecord, repositoryRef } from "./records";
import { withWritePath } from "./writePath";

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
  handler: (ctx, args) => recordInstallation(ctx, args),
});

export const addRepositories = internalMutation({
  args: {
    installationId: v.id("installations"),
    repositories: v.array(v.union(repositoryRecord, repositoryRef)),
  },
  handler: async (ctx, { installationId, repositories }) => {
    const repos = await withWritePath(ctx, installationId, (w) => w.repositories.add(repositories));
    return repos.map((r) => r._id);
  },
});

export const removeRepositories = internalMutation({
  args: { installationId: v.id("installations"), githubIds: v.array(v.number()) },
  handler: (ctx, { installationId, githubIds }) =>
    withWritePath(ctx, installationId, (w) => w.repositories.remove(githubIds)),
});

/** Apply a batch of records (optionally refreshing the repository they came with). */
export const applyRecords = internalMutation({
  args: {
    installationId: v.id("installations"),
    repository: v.optional(repositoryRecord),
    records: v.array(anyRecord),
  },
  handler: (ctx, { installationId, repository, records }) =>
    withWritePath(ctx, installationId, async (w) => {
      if (repository) await w.repositories.upsert(repository);
      return w.applyAll(records);
    }),
});
