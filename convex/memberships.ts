/**
 * Organisation memberships grant visibility of the organisation's installation. `orgMemberships` is
 * the record; each user document mirrors its own list (`orgAccountIds`) so an access check reads one
 * document, keeping dashboard queries at a constant number of index ranges.
 *
 * Two sources keep it current: the `organization` member webhooks (`recordMembership`), and a full
 * listing of the organisation's members (`syncOrgMembers`) when the App is installed, unsuspended or
 * granted new permissions, and hourly (`syncAllOrgMembers`), so people who were members before the
 * App was installed see it too, and departures missed by webhooks end.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { internalAction, internalMutation, internalQuery, type MutationCtx } from "./_generated/server";
import { githubAppForAction } from "./github/connection";
import { GitHubError } from "./github/errors";
import { listOrgMembers } from "./github/members";
import { log } from "./log";

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
  },
});

/** The hourly listing, fanned out over active installations in batches (never one transaction over all). */
export const syncAllOrgMembers = internalMutation({
  args: { cursor: v.optional(v.union(v.string(), v.null())) },
  handler: async (ctx, { cursor }) => {
    const page = await ctx.db
      .query("installations")
      .withIndex("by_status", (q) => q.eq("status", "active"))
      .paginate({ numItems: 25, cursor: cursor ?? null });
    for (const i of page.page) {
      if (i.accountType === "Organization") {
        await ctx.scheduler.runAfter(0, internal.memberships.syncOrgMembers, { installationId: i._id });
      }
    }
    if (!page.isDone) {
      await ctx.scheduler.runAfter(0, internal.memberships.syncAllOrgMembers, { cursor: page.continueCursor });
    }
  },
});
