/**
 * An organisation's teams and their members (`teams`, `teamMembers`), per GitHub account: written by
 * the SyncService's people stage (convex/sync/people.ts, stamped with the listing's `seenAt`, then pruned) and by the
 * `team`, `membership` and `organization` webhooks (convex/webhooks/apply.ts). Read by access.ts.
 *
 * Usage: `await upsertTeam(ctx.db, accountId, { githubId, slug, name }, seenAt)`.
 */
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";

type Db = MutationCtx["db"];

interface TeamRef {
  githubId: number;
  slug: string;
  name: string;
  parentGithubId?: number | undefined;
}

/** Deleted per transaction when a team goes or a member leaves the organisation. */
const DELETE_BATCH = 200;

async function teamByGithubId(db: QueryCtx["db"], accountId: number, githubId: number): Promise<Doc<"teams"> | null> {
  return db
    .query("teams")
    .withIndex("by_account_github_id", (q) => q.eq("accountId", accountId).eq("githubId", githubId))
    .unique();
}

/** Insert or refresh a team (slug, name and parent follow GitHub). */
export async function upsertTeam(db: Db, accountId: number, team: TeamRef, seenAt: number): Promise<void> {
  const existing = await teamByGithubId(db, accountId, team.githubId);
  const fields = { slug: team.slug, name: team.name, parentGithubId: team.parentGithubId, seenAt };
  if (existing) await db.patch(existing._id, fields);
  else await db.insert("teams", { accountId, githubId: team.githubId, ...fields });
}

/** A team is deleted: it and its members' rows go (its grants: people/grants.ts `removeTeamGrants`). */
export async function removeTeam(db: Db, accountId: number, githubId: number): Promise<void> {
  const team = await teamByGithubId(db, accountId, githubId);
  if (team) await db.delete(team._id);
  const members = await db
    .query("teamMembers")
    .withIndex("by_team_user", (q) => q.eq("accountId", accountId).eq("teamGithubId", githubId))
    .take(DELETE_BATCH);
  for (const m of members) await db.delete(m._id);
}

export async function upsertTeamMember(
  db: Db,
  m: { accountId: number; teamGithubId: number; githubUserId: number; login: string },
  seenAt: number,
): Promise<void> {
  const existing = await db
    .query("teamMembers")
    .withIndex("by_team_user", (q) =>
      q.eq("accountId", m.accountId).eq("teamGithubId", m.teamGithubId).eq("githubUserId", m.githubUserId),
    )
    .unique();
  if (existing) await db.patch(existing._id, { login: m.login, seenAt });
  else await db.insert("teamMembers", { ...m, seenAt });
}

export async function removeTeamMember(
  db: Db,
  m: { accountId: number; teamGithubId: number; githubUserId: number },
): Promise<void> {
  const existing = await db
    .query("teamMembers")
    .withIndex("by_team_user", (q) =>
      q.eq("accountId", m.accountId).eq("teamGithubId", m.teamGithubId).eq("githubUserId", m.githubUserId),
    )
    .unique();
  if (existing) await db.delete(existing._id);
}

/** The user left the organisation: they are in none of its teams any more. */
export async function removeUserFromTeams(db: Db, accountId: number, githubUserId: number): Promise<void> {
  const rows = await db
    .query("teamMembers")
    .withIndex("by_account_user", (q) => q.eq("accountId", accountId).eq("githubUserId", githubUserId))
    .take(DELETE_BATCH);
  for (const r of rows) await db.delete(r._id);
}

/**
 * After a complete listing: up to `limit` teams and team memberships it did not see (and no webhook
 * confirmed since) are deleted. Returns how many were deleted (`limit`: call again).
 */
export async function pruneTeams(db: Db, accountId: number, seenAt: number, limit: number): Promise<number> {
  const members = await db
    .query("teamMembers")
    .withIndex("by_account_seen", (q) => q.eq("accountId", accountId).lt("seenAt", seenAt))
    .take(limit);
  for (const m of members) await db.delete(m._id);
  const teams =
    members.length < limit
      ? await db
          .query("teams")
          .withIndex("by_account_seen", (q) => q.eq("accountId", accountId).lt("seenAt", seenAt))
          .take(limit - members.length)
      : [];
  for (const t of teams) await db.delete(t._id);
  return members.length + teams.length;
}

/** Deletes up to `limit` of an account's teams and memberships (its last installation was purged). */
export async function purgeAccountTeams(db: Db, accountId: number, limit: number): Promise<number> {
  return pruneTeams(db, accountId, Number.MAX_SAFE_INTEGER, limit);
}

/**
 * The teams a user belongs to in an organisation, with every ancestor team (a child team inherits its
 * parent's access): bounded by `MAX_TEAMS` memberships and the depth of GitHub's team tree.
 */
export async function teamsOfUser(db: QueryCtx["db"], accountId: number, githubUserId: number) {
  const memberships = await db
    .query("teamMembers")
    .withIndex("by_account_user", (q) => q.eq("accountId", accountId).eq("githubUserId", githubUserId))
    .take(MAX_TEAMS);
  const byId = new Map<number, Doc<"teams"> | null>();
  let frontier = memberships.map((m) => m.teamGithubId);
  for (let depth = 0; depth < MAX_DEPTH && frontier.length > 0; depth++) {
    const fresh = [...new Set(frontier)].filter((id) => !byId.has(id));
    const docs = await Promise.all(fresh.map((id) => teamByGithubId(db, accountId, id)));
    fresh.forEach((id, i) => byId.set(id, docs[i] ?? null));
    frontier = docs.flatMap((d) => (d?.parentGithubId !== undefined ? [d.parentGithubId] : []));
  }
  return { teamGithubIds: [...byId.keys()], teams: [...byId.values()].filter((t): t is Doc<"teams"> => t !== null) };
}

/** Teams one user may be in that we read per access check, and how deep GitHub nests teams (it allows few levels). */
const MAX_TEAMS = 200;
const MAX_DEPTH = 10;
