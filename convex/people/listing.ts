/**
 * What the SyncService's people stage (convex/sync/people.ts) records from GitHub's listings, and
 * where it goes on: the next team or private repository to list, a team's repositories and a
 * repository's direct collaborators as grants, and the pruning of what a complete listing did not see.
 */
import { stream } from "convex-helpers/server/stream";
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import schema from "../schema";
import { grant, pruneGrants } from "./grants";
import { pruneTeams } from "./teams";

type Db = MutationCtx["db"];

/** The next team (by slug) the current listing saw, after `after`. */
export async function nextTeam(db: Db, accountId: number, seenAt: number, after: string | undefined) {
  // Teams the listing did not see (about to be pruned) are skipped while the index is read.
  const team = await stream(db, schema)
    .query("teams")
    .withIndex("by_account_slug", (q) =>
      after === undefined ? q.eq("accountId", accountId) : q.eq("accountId", accountId).gt("slug", after),
    )
    .filterWith(async (t) => t.seenAt >= seenAt)
    .first();
  return team && { githubId: team.githubId, slug: team.slug };
}

/** The next private repository of the installation (by full name) after `after`. */
export async function nextPrivateRepository(db: Db, installationId: Id<"installations">, after: string | undefined) {
  // Public repositories are skipped while the index is read (collaborators matter only for private ones).
  const repo = await stream(db, schema)
    .query("repositories")
    .withIndex("by_installation", (q) =>
      after === undefined
        ? q.eq("installationId", installationId).eq("removed", false)
        : q.eq("installationId", installationId).eq("removed", false).gt("fullName", after),
    )
    .filterWith(async (r) => r.private)
    .first();
  if (!repo) return null;
  const [owner = repo.ownerLogin, name = repo.name] = repo.fullName.split("/");
  return { id: repo._id, fullName: repo.fullName, owner, name };
}

/** A team's repositories: those of this installation are granted to the team (the others are not ours). */
export async function recordTeamRepositories(
  db: Db,
  installationId: Id<"installations">,
  teamGithubId: number,
  seenAt: number,
  repositories: Array<{ repoGithubId: number; permission: string }>,
) {
  for (const r of repositories) {
    const repo = await db
      .query("repositories")
      .withIndex("by_installation_github_id", (q) =>
        q.eq("installationId", installationId).eq("githubId", r.repoGithubId),
      )
      .unique();
    if (repo) await grant(db, repo, { teamGithubId }, r.permission, seenAt);
  }
}

export async function recordCollaborators(
  db: Db,
  repositoryId: Id<"repositories">,
  seenAt: number,
  collaborators: Array<{ githubUserId: number; permission: string }>,
) {
  const repo = await db.get(repositoryId);
  if (!repo) return;
  for (const c of collaborators) await grant(db, repo, { githubUserId: c.githubUserId }, c.permission, seenAt);
}

/** After a complete listing: teams, memberships and grants it did not see end, `limit` per call. True while more remain. */
export async function pruneTeamsAndGrants(
  db: Db,
  installationId: Id<"installations">,
  accountId: number,
  seenAt: number,
  limit: number,
): Promise<boolean> {
  const grants = await pruneGrants(db, installationId, seenAt, limit);
  if (grants === limit) return true;
  return (await pruneTeams(db, accountId, seenAt, limit - grants)) === limit - grants;
}
