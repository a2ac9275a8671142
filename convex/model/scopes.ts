/**
 * The visibility groups' gauges and moves: `reviewerOpenRequests` per scope ("all", "public", a
 * repository's own), written by `DerivedDeltas.flush`; and the rest of a repository's day-bucket move
 * after its privacy flipped (`continueScopeMove`, a chunk per transaction through the metrics engine's
 * `moveRepositoryBuckets`: each document says where it is counted, so writes landing in between, and a
 * flip back before the move ends, stay exact).
 *
 * Removing a repository from the installation moves its open counts and open requests out of "all"
 * and "public" (as `installationCounters`), not its day buckets: history stays counted, so a restricted
 * caller's trends stay a part of the installation's.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { moveRepositoryBuckets } from "../metrics/engine";

type Db = MutationCtx["db"];

/** Change one reviewer's open-request count in a scope (the row is deleted at 0). */
export async function addOpenRequests(
  db: Db,
  installationId: Id<"installations">,
  scope: string,
  reviewer: string,
  delta: number,
): Promise<void> {
  if (delta === 0) return;
  const row = await db
    .query("reviewerOpenRequests")
    .withIndex("by_installation_scope_reviewer", (q) =>
      q.eq("installationId", installationId).eq("scope", scope).eq("reviewer", reviewer),
    )
    .unique();
  const open = (row?.open ?? 0) + delta;
  if (row && open === 0) await db.delete(row._id);
  else if (row) await db.patch(row._id, { open });
  else await db.insert("reviewerOpenRequests", { installationId, scope, reviewer, open });
}

/** Documents moved per `continueScopeMove` transaction (each: two reads, two writes). */
const MOVE_CHUNK = 200;

/** Schedule the rest of a repository's scope move (after a flip whose first chunk did not finish it). */
export async function scheduleScopeMove(ctx: MutationCtx, repositoryId: Id<"repositories">) {
  await ctx.scheduler.runAfter(0, internal.model.scopes.continueScopeMove, { repositoryId });
}

/** One chunk of a repository's scope move, towards what its `private` flag says now; reschedules itself. */
export const continueScopeMove = internalMutation({
  args: { repositoryId: v.id("repositories") },
  handler: async (ctx, { repositoryId }) => {
    const repo = await ctx.db.get(repositoryId);
    if (!repo) return;
    const moved = await moveRepositoryBuckets(ctx.db, repo.installationId, repo._id, !repo.private, MOVE_CHUNK);
    if (moved >= MOVE_CHUNK) await scheduleScopeMove(ctx, repositoryId);
  },
});
