/**
 * Retention of uninstalled installations: once GitHub says the App was uninstalled, every read-model
 * document stored for it is deleted in bounded batches, one transaction each. The installation row
 * stays as a tombstone; the SyncService prunes the installation's job history itself.
 *
 * Usage: scheduled by `setInstallationStatus(ctx, installation, "deleted")`.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { internalMutation } from "../functions";
import type { WriteCtx } from "./changes";
import { log } from "../log";
import { purgeAccountTeams } from "../people/teams";

const BATCH = 400;

type ReadModelTable =
  | "repositories"
  | "pullRequests"
  | "reviews"
  | "reviewRequests"
  | "ciResults"
  | "issues"
  | "commits"
  | "comments"
  | "activityEvents"
  | "installationCounters"
  | "publicCounters"
  | "reviewerOpenRequests"
  | "deployments"
  | "repositorySettings"
  | "installationSettings";

export const purgeInstallation = internalMutation({
  args: { installationId: v.id("installations") },
  handler: async (ctx, { installationId }) => {
    const installation = await ctx.db.get(installationId);
    if (!installation || installation.status !== "deleted") return;
    const deleted = await purgeSome(ctx, installationId);
    if (deleted > 0) await ctx.scheduler.runAfter(0, internal.model.purge.purgeInstallation, { installationId });
    else log.info("model.installation.purged", { installationId });
  },
});

/** Deletes up to BATCH documents: one repository's rows at a time, then the installation-wide figures. */
async function purgeSome(ctx: WriteCtx, installationId: Id<"installations">): Promise<number> {
  const { db } = ctx;
  let budget = BATCH;
  const drop = async (docs: Array<{ _id: Id<ReadModelTable> }>) => {
    for (const d of docs) await db.delete(d._id);
    budget -= docs.length;
  };
  const repo = await db
    .query("repositories")
    .withIndex("by_installation_github_id", (q) => q.eq("installationId", installationId))
    .first();
  if (repo) {
    const r = repo._id;
    const perRepository = [
      () => db.query("reviews").withIndex("by_repo_pr", (q) => q.eq("repositoryId", r)),
      () => db.query("reviewRequests").withIndex("by_repository", (q) => q.eq("repositoryId", r)),
      () => db.query("ciResults").withIndex("by_repo_sha_name", (q) => q.eq("repositoryId", r)),
      () => db.query("commits").withIndex("by_repo_sha", (q) => q.eq("repositoryId", r)),
      () => db.query("comments").withIndex("by_repo_issue", (q) => q.eq("repositoryId", r)),
      () => db.query("pullRequests").withIndex("by_repo_updated", (q) => q.eq("repositoryId", r)),
      () => db.query("issues").withIndex("by_repo_state_updated", (q) => q.eq("repositoryId", r)),
      () => db.query("activityEvents").withIndex("by_repo_time", (q) => q.eq("repositoryId", r)),
      () => db.query("deployments").withIndex("by_repo_source_github_id", (q) => q.eq("repositoryId", r)),
      () => db.query("repositorySettings").withIndex("by_repository", (q) => q.eq("repositoryId", r)),
    ];
    for (const rows of perRepository) if (budget > 0) await drop(await rows().take(budget));
    if (budget > 0) await drop([repo]);
    return BATCH - budget;
  }
  const installationWide = [
    () =>
      db
        .query("installationCounters")
        .withIndex("by_installation_shard", (q) => q.eq("installationId", installationId)),
    () => db.query("publicCounters").withIndex("by_installation_shard", (q) => q.eq("installationId", installationId)),
    () =>
      db
        .query("reviewerOpenRequests")
        .withIndex("by_installation_scope_reviewer", (q) => q.eq("installationId", installationId)),
    () => db.query("installationSettings").withIndex("by_installation", (q) => q.eq("installationId", installationId)),
  ];
  for (const rows of installationWide) if (budget > 0) await drop(await rows().take(budget));
  // The other rooms' documents about the installation, each deleted by its owner.
  for (const purge of ctx.purgers) {
    if (budget > 0) budget -= await purge(ctx, installationId, budget);
  }
  // Teams belong to the organisation's account: they go with its last installation (a reinstall lists them again).
  if (budget > 0) budget -= await purgeTeamsOfAccount(ctx, installationId, budget);
  return BATCH - budget;
}

async function purgeTeamsOfAccount(ctx: MutationCtx, installationId: Id<"installations">, budget: number) {
  const installation = await ctx.db.get(installationId);
  if (!installation) return 0;
  const others = await ctx.db
    .query("installations")
    .withIndex("by_account", (q) => q.eq("accountId", installation.accountId))
    .take(20);
  if (others.some((i) => i._id !== installationId && i.status !== "deleted")) return 0;
  return purgeAccountTeams(ctx.db, installation.accountId, budget);
}
