/**
 * The bell: an installation's alerts for the signed-in user, newest first, with what they have not
 * read (a per-user watermark, `alertReads.readUpTo`: alerts opened after it are unread).
 *
 * An alert about a repository is shown only to people who may read that repository (access.ts
 * `repositoryAccess`, through dashboard/visibility.ts: not removed, public or granted); alerts about
 * the installation (sync health, a person's open requests) to everyone who sees the installation.
 */
import { paginationOptsValidator } from "convex/server";
import { ConvexError, v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import { mutation, query, type QueryCtx } from "../_generated/server";
import { currentViewer, viewableInstallation } from "../access";
import { RepositoryVisibility } from "../dashboard/visibility";

/** The unread count reads at most this many unread alerts (the bell shows "50+" beyond). */
const UNREAD_SCAN = 50;

async function readUpTo(ctx: Pick<QueryCtx, "db">, userId: Id<"users">, installationId: Id<"installations">) {
  const row = await ctx.db
    .query("alertReads")
    .withIndex("by_user_installation", (q) => q.eq("userId", userId).eq("installationId", installationId))
    .unique();
  return { row, upTo: row?.readUpTo ?? 0 };
}

async function visibleTo(visibility: RepositoryVisibility, alerts: Doc<"alerts">[]) {
  const keep = await Promise.all(
    alerts.map((a) => (a.repositoryId === undefined ? true : visibility.visible(a.repositoryId))),
  );
  return alerts.filter((_, i) => keep[i]);
}

export const list = query({
  args: { installationId: v.id("installations"), paginationOpts: paginationOptsValidator },
  handler: async (ctx, { installationId, paginationOpts }) => {
    const [viewer, installation] = await Promise.all([currentViewer(ctx), viewableInstallation(ctx, installationId)]);
    if (!viewer || !installation) return { page: [], isDone: true, continueCursor: "" };
    const [{ upTo }, visibility] = await Promise.all([
      readUpTo(ctx, viewer.userId, installationId),
      RepositoryVisibility.of(ctx, installation),
    ]);
    const result = await ctx.db
      .query("alerts")
      .withIndex("by_installation_opened", (q) => q.eq("installationId", installationId))
      .order("desc")
      .paginate(paginationOpts);
    const shown = await visibleTo(visibility, result.page);
    return {
      ...result,
      page: shown.map((a) => ({
        id: a._id,
        kind: a.kind,
        message: a.message,
        url: a.url ?? null,
        openedAt: a.openedAt,
        resolvedAt: a.resolvedAt ?? null,
        unread: a.openedAt > upTo,
      })),
    };
  },
});

/**
 * Unread alerts the caller may read: the alerts opened after their watermark, newest first, at most
 * `UNREAD_SCAN` of them read (each checked like the list: a repository's at most once), so the cost is
 * bounded whatever the history; `more` says the count stopped there.
 */
export const unreadCount = query({
  args: { installationId: v.id("installations") },
  handler: async (ctx, { installationId }) => {
    const [viewer, installation] = await Promise.all([currentViewer(ctx), viewableInstallation(ctx, installationId)]);
    if (!viewer || !installation) return null;
    const [{ upTo }, visibility] = await Promise.all([
      readUpTo(ctx, viewer.userId, installationId),
      RepositoryVisibility.of(ctx, installation),
    ]);
    const unread = await ctx.db
      .query("alerts")
      .withIndex("by_installation_opened", (q) => q.eq("installationId", installationId).gt("openedAt", upTo))
      .order("desc")
      .take(UNREAD_SCAN);
    return { count: (await visibleTo(visibility, unread)).length, more: unread.length === UNREAD_SCAN };
  },
});

/** Marks every alert of the installation opened so far as read, for the caller. */
export const markRead = mutation({
  args: { installationId: v.id("installations") },
  handler: async (ctx, { installationId }) => {
    const [viewer, installation] = await Promise.all([currentViewer(ctx), viewableInstallation(ctx, installationId)]);
    if (!viewer || !installation) throw new ConvexError("Installation not found.");
    const newest = await ctx.db
      .query("alerts")
      .withIndex("by_installation_opened", (q) => q.eq("installationId", installationId))
      .order("desc")
      .first();
    const { row, upTo } = await readUpTo(ctx, viewer.userId, installationId);
    const next = Math.max(upTo, newest?.openedAt ?? 0);
    if (row) {
      if (next !== upTo) await ctx.db.patch(row._id, { readUpTo: next });
    } else await ctx.db.insert("alertReads", { userId: viewer.userId, installationId, readUpTo: next });
  },
});
