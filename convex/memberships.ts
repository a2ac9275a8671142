/**
 * Organisation memberships grant visibility of the organisation's installation. `orgMemberships` is
 * the record; each user document mirrors its own list (`orgAccountIds`) so an access check reads one
 * document, keeping dashboard queries at a constant number of index ranges.
 *
 * Two sources keep it current: the `organization` member webhooks (`recordMembership`), and the
 * SyncService's people stage (convex/sync/people.ts), which lists the organisation's members and
 * owners when the App is installed, unsuspended or granted new permissions, and hourly, so people
 * who were members before the App was installed see it too, and departures missed by webhooks end
 * (`pruneMemberships`). The same stage lists teams and grants (convex/people/).
 */
import type { Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";

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

/**
 * After a complete listing stamped with `seenAt`: memberships it did not see (and no webhook confirmed
 * since) end, `limit` per call. Returns how many ended.
 */
export async function pruneMemberships(
  ctx: Pick<MutationCtx, "db">,
  accountId: number,
  seenAt: number,
  limit: number,
): Promise<number> {
  const gone = await ctx.db
    .query("orgMemberships")
    .withIndex("by_account_seen", (q) => q.eq("accountId", accountId).lt("seenAt", seenAt))
    .take(limit);
  for (const m of gone) await recordMembership(ctx, { ...m, member: false });
  return gone.length;
}
