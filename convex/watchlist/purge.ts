/**
 * An uninstalled installation's watchlist, deleted in bounded batches (a `Purger`, wired by
 * convex/functions.ts): each entry's commits and notes, then the entry; also used when one entry is removed.
 */
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { deleteUpTo } from "../model/chunks";

/** Deletes up to `budget` documents of one entry (its commits, notes, then itself); returns how many. */
export async function deleteEntry(ctx: MutationCtx, entryId: Id<"watchEntries">, budget: number): Promise<number> {
  const { db } = ctx;
  const deleted = await deleteUpTo(
    [
      (n: number) =>
        db
          .query("watchCommits")
          .withIndex("by_entry_committed", (q) => q.eq("entryId", entryId))
          .take(n),
      (n: number) =>
        db
          .query("watchNotes")
          .withIndex("by_entry_at", (q) => q.eq("entryId", entryId))
          .take(n),
    ],
    budget,
    (id) => db.delete(id),
  );
  if (deleted < budget && (await db.get(entryId))) {
    await db.delete(entryId);
    return deleted + 1;
  }
  return deleted;
}

export async function purgeWatchlistOf(ctx: MutationCtx, installationId: Id<"installations">, budget: number) {
  let deleted = 0;
  while (deleted < budget) {
    const entry = await ctx.db
      .query("watchEntries")
      .withIndex("by_installation_key", (q) => q.eq("installationId", installationId))
      .first();
    if (!entry) break;
    deleted += await deleteEntry(ctx, entry._id, budget - deleted);
  }
  return deleted;
}
