/**
 * The bell: an installation's alerts for the signed-in user, newest first, with what they have not
 * read (a per-user watermark, `alertReads.readUpTo`: alerts opened after it are unread).
 *
 * Each reader sees only their alerts (`shownTo`), chosen while the index is read, so a page is full
 * whenever that many exist, `isDone` is true, and the unread count counts only alerts they may see.
 */
import { installationMutation, installationPaginatedQuery, installationQuery } from "../builders";

import type { Id } from "../_generated/dataModel";
import { stream } from "convex-helpers/server/stream";
import { type QueryCtx } from "../_generated/server";

import { RepositoryVisibility, shownTo } from "../dashboard/visibility";
import schema from "../schema";

/** The unread count counts at most this many unread alerts (the bell shows "50+" beyond). */
const UNREAD_SCAN = 50;
/** A page, or the unread count, reads at most this many alerts however many it skips (not the reader's). */
const MAX_ROWS_READ = 2_000;

export async function readUpTo(ctx: Pick<QueryCtx, "db">, userId: Id<"users">, installationId: Id<"installations">) {
  const row = await ctx.db
    .query("alertReads")
    .withIndex("by_user_installation", (q) => q.eq("userId", userId).eq("installationId", installationId))
    .unique();
  return { row, upTo: row?.readUpTo ?? 0 };
}

/** The reader's alerts, newest first (opened after `after`, if given), filtered while they are read. */
function readersAlerts(
  ctx: QueryCtx,
  installationId: Id<"installations">,
  visibility: RepositoryVisibility,
  after?: number,
) {
  return stream(ctx.db, schema)
    .query("alerts")
    .withIndex("by_installation_opened", (q) =>
      after === undefined
        ? q.eq("installationId", installationId)
        : q.eq("installationId", installationId).gt("openedAt", after),
    )
    .order("desc")
    .filterWith((a) => shownTo(visibility, a));
}

export const list = installationPaginatedQuery({
  args: {},
  handler: async (ctx, { installationId, paginationOpts }) => {
    const { viewer, visibility } = ctx;
    const { upTo } = await readUpTo(ctx, viewer.userId, installationId);
    const result = await readersAlerts(ctx, installationId, visibility).paginate({
      ...paginationOpts,
      maximumRowsRead: MAX_ROWS_READ,
    });
    return {
      ...result,
      page: result.page.map((a) => ({
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
 * Unread alerts the caller may see: those opened after their watermark, newest first, counted up to
 * `UNREAD_SCAN` (the reader's own, chosen while reading); `more` says the count stopped there.
 */
export const unreadCount = installationQuery({
  hidden: null,
  args: {},
  handler: async (ctx, { installationId }) => {
    const { viewer, visibility } = ctx;
    const { upTo } = await readUpTo(ctx, viewer.userId, installationId);
    const unread = await readersAlerts(ctx, installationId, visibility, upTo).paginate({
      numItems: UNREAD_SCAN,
      cursor: null,
      maximumRowsRead: MAX_ROWS_READ,
    });
    return { count: unread.page.length, more: !unread.isDone };
  },
});

/** Marks every alert of the installation opened so far as read, for the caller. */
export const markRead = installationMutation({
  args: {},
  handler: async (ctx) => {
    const { viewer } = ctx;
    const installationId = ctx.installation._id;
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
