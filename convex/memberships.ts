/**
 * Organisation memberships grant visibility of the organisation's installation. `orgMemberships` is
 * the record; each user document mirrors its own list (`orgAccountIds`) so an access check reads one
 * document, keeping dashboard queries at a constant number of index ranges.
 *
 * Two sources keep it current: the `organization` member webhooks (`recordMembership`), and a full
 * listing of the organisation's members (`syncOrgMembers`) when the App is installed, unsuspended or
 * granted new permissions, and hourly (`syncAllOrgMembers`), so people who were members before the
 * App was installed see it too, and departures missed by webhooks end.
 *
 * Each listing is followed by the teams' (`syncOrgTeams`): teams, their members and repositories, and
 * private repositories' direct collaborators, which decide who reads which private repository
 * (access.ts `repositoryAccess`); the `team`, `membership` and `member` webhooks keep them current.
 */
import { v, type Infer } from "convex/values";
import { internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { internalAction, internalMutation, internalQuery, type MutationCtx } from "./_generated/server";
import { githubAppForAction } from "./github/connection";
import { GitHubError } from "./github/errors";
import { listOrgMembers } from "./github/members";
import { listDirectCollaborators, listOrgTeams, listTeamMembers, listTeamRepositories } from "./github/teams";
import { log } from "./log";
import { forEachActiveInstallation } from "./model/installations";
import { grant, pruneGrants } from "./people/grants";
import { pruneTeams, upsertTeam, upsertTeamMember } from "./people/teams";
import { stream } from "convex-helpers/server/stream";
import schema from "./schema";

type Role = "admin" | "member";

export async function recordMembership(
  ctx: Pick<MutationCtx, "db">,
  m: { accountId: number; githubUserId: number; login: string; member: boolean; role?: Role; seenAt?: number },
) {
  const existing = await ctx.db
    .query("orgMemberships")
    .withIndex("by_user_account", (q) => q.eq("githubUserId", m.githubUserId).eq("accountId", m.accountId))
    .unique();
  const now = Date.now();
  const fields = {
    login: m.login,
    updatedAt: now,
    seenAt: m.seenAt ?? now,
    ...(m.role !== undefined && { role: m.role }),
  };
  if (m.member && !existing) {
    await ctx.db.insert("orgMemberships", { accountId: m.accountId, githubUserId: m.githubUserId, ...fields });
  } else if (m.member && existing) {
    await ctx.db.patch(existing._id, fields);
    return; // still a member: nothing to mirror
  } else if (!m.member && existing) {
    await ctx.db.delete(existing._id);
  } else return;
  await mirrorUsers(ctx, m.githubUserId);
}

/** Normally one user per GitHub account; the local demo's anonymous sign-ins can make several. */
async function mirrorUsers(ctx: Pick<MutationCtx, "db">, githubUserId: number) {
  const users = await ctx.db
    .query("users")
    .withIndex("by_github_id", (q) => q.eq("githubId", githubUserId))
    .take(10);
  for (const user of users) await mirrorMemberships(ctx, user._id, githubUserId);
}

/** Copy a user's memberships onto their user document (on sign-in and on every change). */
export async function mirrorMemberships(ctx: Pick<MutationCtx, "db">, userId: Id<"users">, githubUserId: number) {
  const memberships = await ctx.db
    .query("orgMemberships")
    .withIndex("by_user_account", (q) => q.eq("githubUserId", githubUserId))
    .take(500);
  await ctx.db.patch(userId, { orgAccountIds: memberships.map((x) => x.accountId) });
}

/** Members recorded per transaction (a membership and its users' mirrors: a few ranges each). */
const MEMBERS_PER_MUTATION = 100;

export const organizationToSync = internalQuery({
  args: { installationId: v.id("installations") },
  handler: async (ctx, { installationId }) => {
    const i = await ctx.db.get(installationId);
    if (!i || i.status !== "active" || i.accountType !== "Organization") return null;
    return { githubInstallationId: i.githubInstallationId, accountId: i.accountId, login: i.accountLogin };
  },
});

export const recordMembers = internalMutation({
  args: {
    accountId: v.number(),
    seenAt: v.number(),
    role: v.union(v.literal("admin"), v.literal("member")),
    members: v.array(v.object({ githubUserId: v.number(), login: v.string() })),
  },
  handler: async (ctx, { accountId, seenAt, role, members }) => {
    for (const m of members) await recordMembership(ctx, { accountId, ...m, member: true, role, seenAt });
  },
});

/** After a complete listing: memberships it did not see (and no webhook confirmed since) end. */
export const pruneMembers = internalMutation({
  args: { accountId: v.number(), seenAt: v.number() },
  handler: async (ctx, { accountId, seenAt }) => {
    const gone = await ctx.db
      .query("orgMemberships")
      .withIndex("by_account_seen", (q) => q.eq("accountId", accountId).lt("seenAt", seenAt))
      .take(MEMBERS_PER_MUTATION);
    for (const m of gone) await recordMembership(ctx, { ...m, member: false });
    return gone.length === MEMBERS_PER_MUTATION;
  },
});

/**
 * List the organisation's members and owners and record them; those no longer listed lose access.
 * Scheduled actions are not retried: a failure is logged and the next listing tries again; a missing
 * Members permission (403) changes nothing.
 */
export const syncOrgMembers = internalAction({
  args: { installationId: v.id("installations") },
  handler: async (ctx, { installationId }) => {
    const org = await ctx.runQuery(internal.memberships.organizationToSync, { installationId });
    if (!org) return;
    const seenAt = Date.now();
    try {
      const client = githubAppForAction(ctx).installationClient(org.githubInstallationId);
      // Everyone as a member first, then owners again as admins (their role wins).
      for (const role of ["all", "admin"] as const) {
        let next: string | undefined;
        do {
          const page = await listOrgMembers(client, org.login, { role, ...(next && { next }) });
          for (let i = 0; i < page.members.length; i += MEMBERS_PER_MUTATION) {
            await ctx.runMutation(internal.memberships.recordMembers, {
              accountId: org.accountId,
              seenAt,
              role: role === "admin" ? "admin" : "member",
              members: page.members.slice(i, i + MEMBERS_PER_MUTATION),
            });
          }
          next = page.next;
        } while (next);
      }
      while (await ctx.runMutation(internal.memberships.pruneMembers, { accountId: org.accountId, seenAt }));
      log.info("sync.members.synced", { installationId });
    } catch (error) {
      const kind = error instanceof GitHubError ? error.kind : "internal";
      log.warn("sync.members.failed", { installationId, kind, error: String(error) });
    }
    // Then the teams, their members and repositories, and private repositories' collaborators.
    await ctx.scheduler.runAfter(0, internal.memberships.syncOrgTeams, { installationId });
  },
});

/**
 * Teams and grants: who may read which private repository. The listing runs in phases — the teams;
 * each team's members and repositories; each private repository's direct collaborators; then the
 * pruning of what it did not see — in actions of at most `REQUESTS_PER_ACTION` requests, each
 * scheduling the next with its cursor, every write a bounded mutation stamped with the listing's
 * `seenAt`. Any failure (a missing permission's 403/404 among them) is logged and ends the listing
 * before the pruning: nothing is removed, the next listing tries again.
 */
const teamSyncCursor = v.object({
  seenAt: v.number(),
  phase: v.union(v.literal("teams"), v.literal("teamDetails"), v.literal("collaborators"), v.literal("prune")),
  /** The team listing's next page. */
  page: v.optional(v.string()),
  /** The last team (slug) or private repository (full name) done. */
  after: v.optional(v.string()),
});
type TeamSyncCursor = Infer<typeof teamSyncCursor>;

const REQUESTS_PER_ACTION = 50;
/** Grants, teams or memberships recorded or pruned per transaction. */
const ROWS_PER_MUTATION = 100;

export const syncOrgTeams = internalAction({
  args: { installationId: v.id("installations"), cursor: v.optional(teamSyncCursor) },
  handler: async (ctx, { installationId, cursor: start }) => {
    const org = await ctx.runQuery(internal.memberships.organizationToSync, { installationId });
    if (!org) return;
    let cursor: TeamSyncCursor = start ?? { seenAt: Date.now(), phase: "teams" };
    const { seenAt } = cursor;
    const { accountId } = org;
    const client = githubAppForAction(ctx).installationClient(org.githubInstallationId);
    const inChunks = async <T>(items: T[], record: (chunk: T[]) => Promise<unknown>) => {
      for (let i = 0; i < items.length; i += ROWS_PER_MUTATION) await record(items.slice(i, i + ROWS_PER_MUTATION));
    };
    let requests = 0;
    try {
      while (cursor.phase !== "prune") {
        if (requests >= REQUESTS_PER_ACTION) {
          await ctx.scheduler.runAfter(0, internal.memberships.syncOrgTeams, { installationId, cursor });
          return;
        }
        if (cursor.phase === "teams") {
          const page = await listOrgTeams(client, org.login, cursor.page);
          requests++;
          await inChunks(page.items, (teams) =>
            ctx.runMutation(internal.memberships.recordTeams, { accountId, seenAt, teams }),
          );
          cursor = page.next ? { seenAt, phase: "teams", page: page.next } : { seenAt, phase: "teamDetails" };
        } else if (cursor.phase === "teamDetails") {
          const team = await ctx.runQuery(internal.memberships.nextTeamToSync, {
            accountId,
            seenAt,
            ...(cursor.after !== undefined && { after: cursor.after }),
          });
          if (!team) {
            cursor = { seenAt, phase: "collaborators" };
            continue;
          }
          let next: string | undefined;
          do {
            const page = await listTeamMembers(client, org.login, team.slug, next);
            requests++;
            await inChunks(page.items, (members) =>
              ctx.runMutation(internal.memberships.recordTeamMembers, {
                accountId,
                teamGithubId: team.githubId,
                seenAt,
                members,
              }),
            );
            next = page.next;
          } while (next);
          do {
            const page = await listTeamRepositories(client, org.login, team.slug, next);
            requests++;
            await inChunks(page.items, (repositories) =>
              ctx.runMutation(internal.memberships.recordTeamRepositories, {
                installationId,
                teamGithubId: team.githubId,
                seenAt,
                repositories: repositories.map(({ repoGithubId, permission }) => ({ repoGithubId, permission })),
              }),
            );
            next = page.next;
          } while (next);
          cursor = { seenAt, phase: "teamDetails", after: team.slug };
        } else {
          const repo = await ctx.runQuery(internal.memberships.nextPrivateRepository, {
            installationId,
            ...(cursor.after !== undefined && { after: cursor.after }),
          });
          if (!repo) {
            cursor = { seenAt, phase: "prune" };
            continue;
          }
          let next: string | undefined;
          do {
            const page = await listDirectCollaborators(client, repo.owner, repo.name, next);
            requests++;
            await inChunks(page.items, (collaborators) =>
              ctx.runMutation(internal.memberships.recordCollaborators, {
                repositoryId: repo.repositoryId,
                seenAt,
                collaborators: collaborators.map(({ githubUserId, permission }) => ({ githubUserId, permission })),
              }),
            );
            next = page.next;
          } while (next);
          cursor = { seenAt, phase: "collaborators", after: repo.fullName };
        }
      }
      while (await ctx.runMutation(internal.memberships.pruneTeamsAndGrants, { installationId, accountId, seenAt }));
      log.info("sync.members.synced", { installationId, part: "teams" });
    } catch (error) {
      const kind = error instanceof GitHubError ? error.kind : "internal";
      log.warn("sync.members.failed", { installationId, part: "teams", kind, error: String(error) });
    }
  },
});

/** The next team (by slug) the current listing saw, after `after`. */
export const nextTeamToSync = internalQuery({
  args: { accountId: v.number(), seenAt: v.number(), after: v.optional(v.string()) },
  handler: async (ctx, { accountId, seenAt, after }) => {
    // Teams the listing did not see (about to be pruned) are skipped while the index is read.
    const team = await stream(ctx.db, schema)
      .query("teams")
      .withIndex("by_account_slug", (q) =>
        after === undefined ? q.eq("accountId", accountId) : q.eq("accountId", accountId).gt("slug", after),
      )
      .filterWith(async (t) => t.seenAt >= seenAt)
      .first();
    return team && { githubId: team.githubId, slug: team.slug };
  },
});

/** The next private repository of the installation (by full name) after `after`. */
export const nextPrivateRepository = internalQuery({
  args: { installationId: v.id("installations"), after: v.optional(v.string()) },
  handler: async (ctx, { installationId, after }) => {
    // Public repositories are skipped while the index is read (collaborators matter only for private ones).
    const repo = await stream(ctx.db, schema)
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
    return { repositoryId: repo._id, fullName: repo.fullName, owner, name };
  },
});

export const recordTeams = internalMutation({
  args: {
    accountId: v.number(),
    seenAt: v.number(),
    teams: v.array(
      v.object({ githubId: v.number(), slug: v.string(), name: v.string(), parentGithubId: v.optional(v.number()) }),
    ),
  },
  handler: async (ctx, { accountId, seenAt, teams }) => {
    for (const team of teams) await upsertTeam(ctx.db, accountId, team, seenAt);
  },
});

export const recordTeamMembers = internalMutation({
  args: {
    accountId: v.number(),
    teamGithubId: v.number(),
    seenAt: v.number(),
    members: v.array(v.object({ githubUserId: v.number(), login: v.string() })),
  },
  handler: async (ctx, { accountId, teamGithubId, seenAt, members }) => {
    for (const m of members) await upsertTeamMember(ctx.db, { accountId, teamGithubId, ...m }, seenAt);
  },
});

/** A team's repositories: those of this installation are granted to the team (the others are not ours). */
export const recordTeamRepositories = internalMutation({
  args: {
    installationId: v.id("installations"),
    teamGithubId: v.number(),
    seenAt: v.number(),
    repositories: v.array(v.object({ repoGithubId: v.number(), permission: v.string() })),
  },
  handler: async (ctx, { installationId, teamGithubId, seenAt, repositories }) => {
    for (const r of repositories) {
      const repo = await ctx.db
        .query("repositories")
        .withIndex("by_installation_github_id", (q) =>
          q.eq("installationId", installationId).eq("githubId", r.repoGithubId),
        )
        .unique();
      if (repo) await grant(ctx.db, repo, { teamGithubId }, r.permission, seenAt);
    }
  },
});

export const recordCollaborators = internalMutation({
  args: {
    repositoryId: v.id("repositories"),
    seenAt: v.number(),
    collaborators: v.array(v.object({ githubUserId: v.number(), permission: v.string() })),
  },
  handler: async (ctx, { repositoryId, seenAt, collaborators }) => {
    const repo = await ctx.db.get(repositoryId);
    if (!repo) return;
    for (const c of collaborators) {
      await grant(ctx.db, repo, { githubUserId: c.githubUserId }, c.permission, seenAt);
    }
  },
});

/** After a complete listing: teams, memberships and grants it did not see end. True while more remain. */
export const pruneTeamsAndGrants = internalMutation({
  args: { installationId: v.id("installations"), accountId: v.number(), seenAt: v.number() },
  handler: async (ctx, { installationId, accountId, seenAt }) => {
    const grants = await pruneGrants(ctx.db, installationId, seenAt, ROWS_PER_MUTATION);
    if (grants === ROWS_PER_MUTATION) return true;
    return (await pruneTeams(ctx.db, accountId, seenAt, ROWS_PER_MUTATION - grants)) === ROWS_PER_MUTATION - grants;
  },
});

/** The hourly listing, fanned out over active installations in batches (never one transaction over all). */
export const syncAllOrgMembers = internalMutation({
  args: { cursor: v.optional(v.union(v.string(), v.null())) },
  handler: async (ctx, { cursor }): Promise<void> =>
    forEachActiveInstallation(ctx, cursor, internal.memberships.syncAllOrgMembers, async (i) => {
      if (i.accountType === "Organization")
        await ctx.scheduler.runAfter(0, internal.memberships.syncOrgMembers, { installationId: i._id });
    }),
});
