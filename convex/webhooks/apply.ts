/**
 * Apply a mapped delivery: activity through the single write path (newer-wins makes out-of-order
 * delivery converge), lifecycle changes to installations and repositories, backfills through the
 * SyncService (a burst of events coalesces into one job). The delivery's outcome commits with it.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { webhookMapping, type LifecycleChange } from "../github/mapWebhook";
import { recordMembership } from "../memberships";
import { WritePath } from "../model/writePath";
import { endJob } from "../sync/jobs";
import { isActive } from "../sync/jobState";
import { requestSync } from "../sync/service";
import { isPending } from "./deliveries";

export const applyDelivery = internalMutation({
  args: {
    id: v.id("webhookDeliveries"),
    mapping: webhookMapping,
    /** One of several chunks of a large delivery: write, but leave the delivery pending. */
    partial: v.optional(v.boolean()),
  },
  handler: async (ctx, { id, mapping, partial }) => {
    const delivery = await ctx.db.get(id);
    if (!delivery || !isPending(delivery)) return;
    const finish = (
      status: "processed" | "ignored" | "invalid",
      extra: { reason?: string; invalidPath?: string } = {},
    ) => ctx.db.patch(id, { status, processedAt: Date.now(), nextAttemptAt: undefined, reason: undefined, ...extra });

    switch (mapping.outcome) {
      case "ignored":
        return finish("ignored", { reason: mapping.reason });
      case "invalid":
        console.log(
          JSON.stringify({
            event: "webhook.invalid",
            deliveryId: delivery.deliveryId,
            path: mapping.path,
            message: mapping.message,
          }),
        );
        return finish("invalid", { reason: mapping.message, invalidPath: mapping.path });
      case "apply": {
        if (mapping.installationGithubId === undefined)
          return finish("ignored", { reason: "no installation in the payload" });
        const installation = await installationByGithubId(ctx, mapping.installationGithubId);
        // Possibly ahead of its installation.created: fail, so the retry finds it (bounded).
        if (!installation) throw new Error(`installation ${mapping.installationGithubId} is not known yet`);
        const w = await WritePath.open(ctx, installation._id);
        if (mapping.repository) await w.upsertRepository(mapping.repository);
        const tally = await w.applyAll(mapping.records);
        await w.flush();
        if (partial) return;
        return finish("processed", {
          reason:
            Object.entries(tally)
              .map(([k, n]) => `${k}: ${n}`)
              .join(", ") || "no records",
        });
      }
      case "lifecycle": {
        const reason = await applyLifecycle(ctx, mapping.installationGithubId, mapping.change);
        return finish("processed", reason ? { reason } : {});
      }
    }
  },
});

async function installationByGithubId(ctx: MutationCtx, githubInstallationId: number) {
  return ctx.db
    .query("installations")
    .withIndex("by_github_id", (q) => q.eq("githubInstallationId", githubInstallationId))
    .unique();
}

async function cancelActiveJob(ctx: MutationCtx, installation: Doc<"installations">) {
  const job = installation.sync.activeJobId ? await ctx.db.get(installation.sync.activeJobId) : null;
  if (job && isActive(job)) await endJob(ctx, job, "cancelled", undefined);
}

async function applyLifecycle(
  ctx: MutationCtx,
  githubInstallationId: number,
  change: LifecycleChange,
): Promise<string | undefined> {
  const now = Date.now();
  let installation = await installationByGithubId(ctx, githubInstallationId);
  if (change.kind === "installation_created") {
    const fields = {
      accountLogin: change.account.login,
      accountId: change.account.githubId,
      accountType: change.account.type,
      installedByGithubUserId: change.sender.githubId,
      installedByLogin: change.sender.login,
    };
    const id = installation
      ? (await ctx.db.patch(installation._id, fields), installation._id)
      : await ctx.db.insert("installations", {
          githubInstallationId,
          ...fields,
          status: "active",
          statusChangedAt: now,
          sync: { state: "idle" },
        });
    const w = await WritePath.open(ctx, id);
    await w.addRepositories(change.repositories);
    await w.flush();
    const decision = await requestSync(ctx, id, "webhook");
    return `backfill: ${decision.action} (${decision.reason})`;
  }
  if (!installation) return "unknown installation";

  switch (change.kind) {
    case "installation_deleted":
      await cancelActiveJob(ctx, installation);
      await ctx.db.patch(installation._id, { status: "deleted", statusChangedAt: now });
      await ctx.scheduler.runAfter(0, internal.webhooks.purge.purgeInstallation, { installationId: installation._id });
      return;
    case "installation_suspended":
      await cancelActiveJob(ctx, installation);
      await ctx.db.patch(installation._id, { status: "suspended", statusChangedAt: now });
      return;
    case "installation_unsuspended":
      if (installation.status === "deleted") return "installation was deleted";
      await ctx.db.patch(installation._id, { status: "active", statusChangedAt: now });
      return `sync: ${(await requestSync(ctx, installation._id, "webhook")).reason}`;
    case "permissions_accepted":
      return `sync: ${(await requestSync(ctx, installation._id, "webhook")).reason}`;
    case "account_renamed":
      await ctx.db.patch(installation._id, { accountLogin: change.login });
      return;
    case "membership":
      await recordMembership(ctx, change);
      return;
  }

  const w = await WritePath.open(ctx, installation._id);
  let backfill = false;
  switch (change.kind) {
    case "repositories_added":
      await w.addRepositories(change.repositories);
      backfill = true;
      break;
    case "repositories_removed":
      await w.removeRepositories(change.githubIds);
      break;
    case "repository_deleted":
      await w.removeRepositories([change.githubId]);
      break;
    case "repository_changed": {
      const known = await ctx.db
        .query("repositories")
        .withIndex("by_installation_github_id", (q) =>
          q.eq("installationId", installation._id).eq("githubId", change.repository.githubId),
        )
        .unique();
      await w.upsertRepository(change.repository);
      backfill = known === null; // a repository created in an installation on "all repositories"
      break;
    }
  }
  await w.flush();
  if (backfill) return `backfill: ${(await requestSync(ctx, installation._id, "webhook")).reason}`;
}
