/**
 * Repository grants (`repositoryGrants`): who may read a repository of an installation besides the
 * organisation's owners — a team (team → repository permission) or a user (a direct collaborator).
 * Written by the SyncService's people stage (convex/sync/people.ts: stamped with the listing's `seenAt`, then pruned)
 * and the `team` and `member` webhooks (convex/webhooks/apply.ts); read by access.ts
 * (`repositoryAccess`), by the viewer's teams and their own id, never by repository.
 *
 * Usage: `await grant(ctx.db, repository, { teamGithubId }, "push", seenAt)`.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";

type Db = MutationCtx["db"];
type Grantee = { teamGithubId: number } | { githubUserId: number };

/** Deleted per transaction when a team goes. */
const DELETE_BATCH = 400;

async function existingGrant(db: Db, repositoryId: Id<"repositories">, grantee: Grantee) {
  return db
    .query("repositoryGrants")
    .withIndex("by_repository", (q) =>
      "teamGithubId" in grantee
        ? q.eq("repositoryId", repositoryId).eq("teamGithubId", grantee.teamGithubId)
        : q.eq("repositoryId", repositoryId).eq("teamGithubId", undefined).eq("githubUserId", grantee.githubUserId),
    )
    .first();
}

/**
 * Record (or refresh) that `grantee` may read `repository` with `permission` (unknown: an existing
 * grant keeps its own; a new one is GitHub's default for a collaborator, write).
 */
export async function grant(
  db: Db,
  repository: Pick<Doc<"repositories">, "_id" | "installationId">,
  grantee: Grantee,
  permission: string | undefined,
  seenAt: number,
): Promise<void> {
  const existing = await existingGrant(db, repository._id, grantee);
  if (existing) await db.patch(existing._id, { permission: permission ?? existing.permission, seenAt });
  else
    await db.insert("repositoryGrants", {
      installationId: repository.installationId,
      repositoryId: repository._id,
      ...grantee,
      permission: permission ?? "write",
      seenAt,
    });
}

/** An uninstalled installation's grants, up to `budget` (the model's purge asks, convex/functions.ts); returns how many. */
export async function purgeGrantsOf(ctx: Pick<MutationCtx, "db">, installationId: Id<"installations">, budget: number) {
  const grants = await ctx.db
    .query("repositoryGrants")
    .withIndex("by_installation_seen", (q) => q.eq("installationId", installationId))
    .take(budget);
  for (const g of grants) await ctx.db.delete(g._id);
  return grants.length;
}

/** `grantee` may no longer read `repositoryId` (removed from the repository or the team's repositories). */
export async function revoke(db: Db, repositoryId: Id<"repositories">, grantee: Grantee): Promise<void> {
  const existing = await existingGrant(db, repositoryId, grantee);
  if (existing) await db.delete(existing._id);
}

/** A team was deleted: its grants in the installation go (a bounded batch; the next sync prunes any rest). */
export async function removeTeamGrants(
  db: Db,
  installationId: Id<"installations">,
  teamGithubId: number,
): Promise<void> {
  const rows = await db
    .query("repositoryGrants")
    .withIndex("by_installation_team", (q) => q.eq("installationId", installationId).eq("teamGithubId", teamGithubId))
    .take(DELETE_BATCH);
  for (const r of rows) await db.delete(r._id);
}

/**
 * After a complete listing of teams' repositories and private repositories' collaborators: up to
 * `limit` grants it did not see (and no webhook confirmed since) are deleted; returns how many.
 */
export async function pruneGrants(
  db: Db,
  installationId: Id<"installations">,
  seenAt: number,
  limit: number,
): Promise<number> {
  const rows = await db
    .query("repositoryGrants")
    .withIndex("by_installation_seen", (q) => q.eq("installationId", installationId).lt("seenAt", seenAt))
    .take(limit);
  for (const r of rows) await db.delete(r._id);
  return rows.length;
}
