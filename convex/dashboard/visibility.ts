/**
 * Repositories removed from an installation stay in the database (re-adding restores them with
 * their history) but are hidden: list queries drop their rows. Their number is small and does
 * not grow with the user's data, so loading the set costs one index range.
 */
import type { Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";

const MAX_HIDDEN_REPOSITORIES = 1_000;

export async function hiddenRepositories(
  ctx: Pick<QueryCtx, "db">,
  installationId: Id<"installations">,
): Promise<Set<string>> {
  const removed = await ctx.db
    .query("repositories")
    .withIndex("by_installation", (q) => q.eq("installationId", installationId).eq("removed", true))
    .take(MAX_HIDDEN_REPOSITORIES);
  return new Set(removed.map((r) => r._id as string));
}
