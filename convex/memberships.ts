/**
 * Organisation memberships grant visibility of the organisation's installation. `orgMemberships`
 * is the record; each user document mirrors its own list (`orgAccountIds`) so an access check
 * reads one document, keeping dashboard queries at a constant number of index ranges.
 */
import type { Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";

export async function recordMembership(
  ctx: Pick<MutationCtx, "db">,
  m: { accountId: number; githubUserId: number; login: string; member: boolean },
) {
  const existing = await ctx.db
    .query("orgMemberships")
    .withIndex("by_user_account", (q) => q.eq("githubUserId", m.githubUserId).eq("accountId", m.accountId))
    .unique();
  if (m.member && !existing) {
    await ctx.db.insert("orgMemberships", {
      accountId: m.accountId,
      githubUserId: m.githubUserId,
      login: m.login,
      updatedAt: Date.now(),
    });
  } else if (!m.member && existing) {
    await ctx.db.delete(existing._id);
  }
  // Normally one user per GitHub account; the local demo's anonymous sign-ins can make several.
  const users = await ctx.db
    .query("users")
    .withIndex("by_github_id", (q) => q.eq("githubId", m.githubUserId))
    .take(10);
  for (const user of users) await mirrorMemberships(ctx, user._id, m.githubUserId);
}

/** Copy a user's memberships onto their user document (on sign-in and on every change). */
export async function mirrorMemberships(ctx: Pick<MutationCtx, "db">, userId: Id<"users">, githubUserId: number) {
  const memberships = await ctx.db
    .query("orgMemberships")
    .withIndex("by_user_account", (q) => q.eq("githubUserId", githubUserId))
    .take(500);
  await ctx.db.patch(userId, { orgAccountIds: memberships.map((x) => x.accountId) });
}
