/**
 * Who may see what. A signed-in user sees an installation that is
 *   1. on their own GitHub account (account id = their GitHub user id), or
 *   2. that they installed (the `sender` of `installation.created`), or
 *   3. on an organisation we know them to be a member of (`orgMemberships`, mirrored on the user).
 * Deleted installations are visible to nobody. Every public function resolves installations
 * through here (by its builder, builders.ts); one the caller may not see is reported exactly like one
 * that does not exist.
 */
import { getAuthUserId } from "@convex-dev/auth/server";
import type { Doc, Id } from "./_generated/dataModel";
import type { QueryCtx } from "./_generated/server";
import { teamsOfUser } from "./people/teams";

type Ctx = Pick<QueryCtx, "auth" | "db">;

export interface Viewer {
  userId: Id<"users">;
  githubId: number;
  login: string;
  orgAccountIds: number[];
}

export async function currentViewer(ctx: Ctx): Promise<Viewer | null> {
  const userId = await getAuthUserId(ctx);
  return userId ? viewerOfUser(ctx, userId) : null;
}

/** A user as a viewer, where no one is signed in (a scheduled function acting on their behalf). */
export async function viewerOfUser(ctx: Pick<QueryCtx, "db">, userId: Id<"users">): Promise<Viewer | null> {
  const user = await ctx.db.get(userId);
  if (!user || user.githubId === undefined) return null;
  return { userId, githubId: user.githubId, login: user.githubLogin ?? "", orgAccountIds: user.orgAccountIds ?? [] };
}

/** Whether the viewer sees the installation (the three rules above). */
export function canSee(viewer: Viewer, installation: Doc<"installations">): boolean {
  if (installation.status === "deleted") return false;
  return (
    installation.accountId === viewer.githubId ||
    installation.installedByGithubUserId === viewer.githubId ||
    viewer.orgAccountIds.includes(installation.accountId)
  );
}

/** Every installation the caller may see (own account, installed by them, their organisations). */
export async function viewableInstallations(ctx: Ctx): Promise<Doc<"installations">[]> {
  const viewer = await currentViewer(ctx);
  if (!viewer) return [];
  const [own, installed] = await Promise.all([
    ctx.db
      .query("installations")
      .withIndex("by_account", (q) => q.eq("accountId", viewer.githubId))
      .collect(),
    ctx.db
      .query("installations")
      .withIndex("by_installed_by", (q) => q.eq("installedByGithubUserId", viewer.githubId))
      .collect(),
  ]);
  const viaOrgs = await Promise.all(
    viewer.orgAccountIds.map((accountId) =>
      ctx.db
        .query("installations")
        .withIndex("by_account", (q) => q.eq("accountId", accountId))
        .collect(),
    ),
  );
  const byId = new Map(
    [...own, ...installed, ...viaOrgs.flat()].filter((i) => i.status !== "deleted").map((i) => [i._id, i]),
  );
  return [...byId.values()].sort((a, b) => a.accountLogin.localeCompare(b.accountLogin));
}

/**
 * Which repositories of a visible installation the caller may read. `all`: the account's owner, the
 * installer, and the organisation's owners (GitHub's admin role). `restricted`: other members read the
 * public repositories and the private ones granted to them (directly as collaborators, or through a team
 * they belong to, a parent team's grants included). Cost: bounded by the caller's teams and grants.
 */
export type RepositoryAccess =
  { kind: "all" } | { kind: "restricted"; privateRepositoryIds: ReadonlySet<Id<"repositories">> };

export async function repositoryAccess(
  ctx: Ctx,
  installation: Doc<"installations">,
  known?: Viewer | null,
): Promise<RepositoryAccess> {
  const viewer = known === undefined ? await currentViewer(ctx) : known;
  if (!viewer) return { kind: "restricted", privateRepositoryIds: new Set() };
  if (installation.accountId === viewer.githubId || installation.installedByGithubUserId === viewer.githubId) {
    return { kind: "all" };
  }
  const membership = await ctx.db
    .query("orgMemberships")
    .withIndex("by_user_account", (q) => q.eq("githubUserId", viewer.githubId).eq("accountId", installation.accountId))
    .unique();
  if (membership?.role === "admin") return { kind: "all" };

  // Granted to them directly, or to one of their teams or its ancestors (index ranges per team).
  const { teamGithubIds } = await teamsOfUser(ctx.db, installation.accountId, viewer.githubId);
  const ranges = [
    ctx.db
      .query("repositoryGrants")
      .withIndex("by_installation_user", (q) =>
        q.eq("installationId", installation._id).eq("githubUserId", viewer.githubId),
      )
      .take(MAX_GRANTS),
    ...teamGithubIds.map((teamGithubId) =>
      ctx.db
        .query("repositoryGrants")
        .withIndex("by_installation_team", (q) =>
          q.eq("installationId", installation._id).eq("teamGithubId", teamGithubId),
        )
        .take(MAX_GRANTS),
    ),
  ];
  const granted = new Set((await Promise.all(ranges)).flat().map((g) => g.repositoryId));
  // Only the private ones: public repositories are readable anyway (`canReadRepository`).
  const repos = await Promise.all([...granted].slice(0, MAX_GRANTS).map((id) => ctx.db.get(id)));
  const readable = repos.filter(
    (r): r is Doc<"repositories"> => r !== null && r.private && !r.removed && r.installationId === installation._id,
  );
  return { kind: "restricted", privateRepositoryIds: new Set(readable.map((r) => r._id)) };
}

/** Grants read per access check (per team and in all): a bound on its cost, far above real organisations' needs. */
const MAX_GRANTS = 2_000;

export function canReadRepository(
  access: RepositoryAccess,
  repo: Pick<Doc<"repositories">, "_id" | "private">,
): boolean {
  return access.kind === "all" || !repo.private || access.privateRepositoryIds.has(repo._id);
}

/**
 * The reviewer keys that mean the caller in `reviewRequests`: their login and `team:<slug>` for
 * every team of the installation's organisation they belong to.
 */
export async function viewerReviewerKeys(
  ctx: Ctx,
  installation: Doc<"installations">,
  known?: Viewer | null,
): Promise<string[]> {
  const viewer = known === undefined ? await currentViewer(ctx) : known;
  if (!viewer) return [];
  const { teams } = await teamsOfUser(ctx.db, installation.accountId, viewer.githubId);
  return reviewerKeys(viewer.login, teams);
}

/** A person's reviewer keys given their teams: their login, then `team:<slug>` for each. */
export const reviewerKeys = (login: string, teams: ReadonlyArray<{ slug: string }>) => [
  login,
  ...teams.map((t) => `team:${t.slug}`).sort(),
];

/**
 * Who may change an installation's settings (agreements, stale threshold, notification destinations):
 * the account itself for a personal installation, the person who installed the App, and the
 * organisation's owners (GitHub's admin role, synced with the members). Other members read them.
 */
export async function canAdminister(
  ctx: Ctx,
  installation: Doc<"installations">,
  known?: Viewer | null,
): Promise<boolean> {
  const viewer = known === undefined ? await currentViewer(ctx) : known;
  if (!viewer || installation.status === "deleted") return false;
  if (installation.accountId === viewer.githubId || installation.installedByGithubUserId === viewer.githubId) {
    return true;
  }
  const membership = await ctx.db
    .query("orgMemberships")
    .withIndex("by_user_account", (q) => q.eq("githubUserId", viewer.githubId).eq("accountId", installation.accountId))
    .unique();
  return membership?.role === "admin";
}
