/**
 * Apply a mapped delivery: activity through the single write path (newer-wins makes out-of-order
 * delivery converge), lifecycle changes through the model's lifecycle functions, backfills and
 * cancellations through the SyncService (a burst of events coalesces into one job). The delivery's
 * outcome commits with it.
 */
import { v } from "convex/values";
import type { Id } from "../_generated/dataModel";
import { internalMutation } from "../functions";
import type { WriteCtx } from "../model/changes";
import { webhookMapping, type LifecycleChange, type OrgChange } from "../github/webhookMapping";
import { log } from "../log";
import { recordMembership } from "../memberships";
import { grant, removeTeamGrants, revoke } from "../people/grants";
import { removeTeam, removeTeamMember, removeUserFromTeams, upsertTeam, upsertTeamMember } from "../people/teams";
import {
  installationByGithubId,
  recordInstallation,
  renameAccount,
  setInstallationStatus,
} from "../model/installations";
import { withWritePath } from "../model/writePath";
import { cancelSync, requestPeople, requestSync } from "../sync/service";
import { isPending } from "./deliveries";

export const applyDelivery = internalMutation({
  args: {
    id: v.id("webhookDeliveries"),
    mapping: webhookMapping,
    /**
     * One of several chunks of a large delivery (a big push, an installation with thousands of
     * repositories): write, but leave the delivery pending and its follow-ups (backfill) to the last.
     */
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
        log.warn("webhook.invalid", { deliveryId: delivery.deliveryId, path: mapping.path, message: mapping.message });
        return finish("invalid", { reason: mapping.message, invalidPath: mapping.path });
      case "apply": {
        if (mapping.installationGithubId === undefined) {
          return finish("ignored", { reason: "no installation in the payload" });
        }
        const installation = await installationByGithubId(ctx, mapping.installationGithubId);
        // Possibly ahead of its installation.created: fail, so the retry finds it (bounded).
        if (!installation) throw new Error(`installation ${mapping.installationGithubId} is not known yet`);
        const tally = await withWritePath(ctx, installation._id, async (w) => {
          if (mapping.repository) await w.repositories.upsert(mapping.repository);
          return w.applyAll(mapping.records);
        });
        if (partial) return;
        const reason = Object.entries(tally)
          .map(([k, n]) => `${k}: ${n}`)
          .join(", ");
        return finish("processed", { reason: reason || "no records" });
      }
      case "lifecycle": {
        const reason = await applyLifecycle(ctx, mapping.installationGithubId, mapping.change, partial ?? false);
        if (partial) return;
        return finish("processed", reason ? { reason } : {});
      }
      case "org": {
        const ignoredBecause = await applyOrgChange(
          ctx,
          mapping.accountId,
          mapping.installationGithubId,
          mapping.change,
        );
        return ignoredBecause
          ? finish("ignored", { reason: ignoredBecause })
          : finish("processed", { reason: mapping.change.kind });
      }
    }
  },
});

async function applyLifecycle(
  ctx: WriteCtx,
  githubInstallationId: number,
  change: LifecycleChange,
  partial: boolean,
): Promise<string | undefined> {
  // Only the last chunk of a large change asks for the backfill.
  const backfill = async (installationId: Id<"installations">) =>
    partial ? undefined : `backfill: ${(await requestSync(ctx, installationId, "webhook")).reason}`;

  // Who may see an organisation's installation follows GitHub: its people are listed again.
  const syncWithPeople = async (installationId: Id<"installations">) => {
    const reason = (await requestSync(ctx, installationId, "webhook")).reason;
    await requestPeople(ctx, installationId);
    return `sync: ${reason}`;
  };

  if (change.kind === "installation_created") {
    const installationId = await recordInstallation(ctx, {
      githubInstallationId,
      accountLogin: change.account.login,
      accountId: change.account.githubId,
      accountType: change.account.type,
      installedByGithubUserId: change.sender.githubId,
      installedByLogin: change.sender.login,
    });
    await withWritePath(ctx, installationId, (w) => w.repositories.add(change.repositories));
    // The backfill first: its job lists the organisation's people after its open work (never listed yet).
    const started = await backfill(installationId);
    if (!partial) await requestPeople(ctx, installationId);
    return started;
  }
  const installation = await installationByGithubId(ctx, githubInstallationId);
  if (!installation) return "unknown installation";

  switch (change.kind) {
    case "installation_deleted":
      await cancelSync(ctx, installation._id);
      await setInstallationStatus(ctx, installation, "deleted");
      return;
    case "installation_suspended":
      await cancelSync(ctx, installation._id);
      await setInstallationStatus(ctx, installation, "suspended");
      return;
    case "installation_unsuspended":
      if (installation.status === "deleted") return "installation was deleted";
      await setInstallationStatus(ctx, installation, "active");
      return syncWithPeople(installation._id);
    case "permissions_accepted":
      return syncWithPeople(installation._id);
    case "account_renamed":
      await renameAccount(ctx, installation, change.login);
      return;
    case "membership":
      await recordMembership(ctx, change);
      // Leaving the organisation ends every team membership in it.
      if (!change.member) await removeUserFromTeams(ctx.db, change.accountId, change.githubUserId);
      return;
    case "repositories_added":
      await withWritePath(ctx, installation._id, (w) => w.repositories.add(change.repositories));
      return backfill(installation._id);
    case "repositories_removed":
      await withWritePath(ctx, installation._id, (w) => w.repositories.remove(change.githubIds));
      return;
    case "repository_deleted":
      await withWritePath(ctx, installation._id, (w) => w.repositories.remove([change.githubId]));
      return;
    case "repository_changed": {
      // A repository created in an installation on "all repositories" is new to us: backfill it.
      const created = await withWritePath(ctx, installation._id, async (w) => {
        const known = await w.repositories.get(change.repository.githubId);
        await w.repositories.upsert(change.repository);
        // Made private: who may read it now is its teams and collaborators, listed again.
        if (known && !known.private && change.repository.private) await requestPeople(ctx, installation._id);
        return known === null;
      });
      return created ? backfill(installation._id) : undefined;
    }
  }
}

/**
 * A team, team membership or repository grant changed (`team`, `membership`, `member` events). Teams
 * belong to the organisation's account; grants to the installation named, else to the account's
 * installations. Returns why the change was ignored, if it was.
 */
async function applyOrgChange(
  ctx: WriteCtx,
  accountId: number,
  installationGithubId: number | undefined,
  change: OrgChange,
): Promise<string | undefined> {
  const named = installationGithubId !== undefined ? await installationByGithubId(ctx, installationGithubId) : null;
  const installations = (
    named
      ? [named]
      : await ctx.db
          .query("installations")
          .withIndex("by_account", (q) => q.eq("accountId", accountId))
          .take(10)
  ).filter((i) => i.status !== "deleted");
  if (installations.length === 0) return "no installation of this account";
  const now = Date.now();
  const { db } = ctx;
  const repositoriesOf = async (repoGithubId: number) =>
    (
      await Promise.all(
        installations.map((i) =>
          db
            .query("repositories")
            .withIndex("by_installation_github_id", (q) => q.eq("installationId", i._id).eq("githubId", repoGithubId))
            .unique(),
        ),
      )
    ).filter((r) => r !== null);

  switch (change.kind) {
    case "team_changed":
      await upsertTeam(db, accountId, change.team, now);
      return;
    case "team_deleted":
      await removeTeam(db, accountId, change.teamGithubId);
      for (const i of installations) await removeTeamGrants(db, i._id, change.teamGithubId);
      return;
    case "team_membership": {
      const m = { accountId, teamGithubId: change.teamGithubId, githubUserId: change.githubUserId };
      if (!change.member) return void (await removeTeamMember(db, m));
      if (change.team) await upsertTeam(db, accountId, change.team, now);
      await upsertTeamMember(db, { ...m, login: change.login }, now);
      return;
    }
    case "team_repository": {
      await upsertTeam(db, accountId, change.team, now);
      const repos = await repositoriesOf(change.repoGithubId);
      for (const r of repos) {
        if (change.granted) await grant(db, r, { teamGithubId: change.team.githubId }, change.permission, now);
        else await revoke(db, r._id, { teamGithubId: change.team.githubId });
      }
      return repos.length === 0 ? "repository not in the installation" : undefined;
    }
    case "collaborator": {
      const repos = await repositoriesOf(change.repoGithubId);
      for (const r of repos) {
        if (change.granted) await grant(db, r, { githubUserId: change.githubUserId }, change.permission, now);
        else await revoke(db, r._id, { githubUserId: change.githubUserId });
      }
      return repos.length === 0 ? "repository not in the installation" : undefined;
    }
  }
}
