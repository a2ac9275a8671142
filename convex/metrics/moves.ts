/**
 * A repository's day buckets follow its privacy: its own documents of visibility figures are counted in
 * "public" while it is public. When it flips, they move newest first — up to a budget in the write
 * path's transaction (so every page's recent figures move at once), the rest a chunk per transaction
 * (`continueMove`). Each document says where it is counted (`inPublic`), so writes landing in between,
 * and a flip back before the move ends, stay exact.
 *
 * Also the engine's listener on the write path (wired by convex/functions.ts): changes of base
 * documents go to the engine, flips to the move.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { PUBLIC_SCOPE, repositoryScope } from "../model/contribution";
import type { ListenerFactory, Written } from "../model/changes";
import { addToBucket, MetricsEngine } from "./engine";

type Db = MutationCtx["db"];

/** Bucket documents moved into or out of "public" inside the write path's transaction. */
const INLINE_MOVE_BUDGET = 400;
/** Documents moved per `continueMove` transaction (each: two reads, two writes). */
const MOVE_CHUNK = 200;

/**
 * Move up to `budget` of a repository's bucket documents counted on the wrong side of "public" (newest
 * first) to `toPublic`: each is added to (or taken from) the "public" document of its figure, key and
 * day, and its marker flipped. Returns how many moved (fewer than `budget`: none is left).
 */
async function moveRepositoryBuckets(
  db: Db,
  installationId: Id<"installations">,
  repositoryId: Id<"repositories">,
  toPublic: boolean,
  budget: number,
): Promise<number> {
  if (budget <= 0) return 0;
  const docs = await db
    .query("metricBuckets")
    .withIndex("by_scope_public_day", (q) =>
      q.eq("installationId", installationId).eq("scope", repositoryScope(repositoryId)).eq("inPublic", !toPublic),
    )
    .order("desc")
    .take(budget);
  for (const doc of docs) {
    const where = { figure: doc.figure, scope: PUBLIC_SCOPE, key: doc.key, day: doc.day };
    await addToBucket(db, installationId, where, doc.entries, toPublic ? 1 : -1);
    await db.patch(doc._id, { inPublic: toPublic });
  }
  return docs.length;
}

/** One chunk of a repository's move, towards what its `private` flag says now; reschedules itself. */
export const continueMove = internalMutation({
  args: { repositoryId: v.id("repositories") },
  handler: async (ctx, { repositoryId }) => {
    const repo = await ctx.db.get(repositoryId);
    if (!repo) return;
    const moved = await moveRepositoryBuckets(ctx.db, repo.installationId, repo._id, !repo.private, MOVE_CHUNK);
    if (moved >= MOVE_CHUNK) await ctx.scheduler.runAfter(0, internal.metrics.moves.continueMove, { repositoryId });
  },
});

/** The engine as a write-path listener: changes counted, flips moved after the transaction's buckets are written. */
export const metricsListener: ListenerFactory = async (ctx, installation) => {
  const installationId = installation._id;
  const engine = await MetricsEngine.open(ctx.db, installation);
  const flips = new Map<Id<"repositories">, boolean>();
  return {
    changed(c) {
      if (c.table === "repositories") flips.set(c.repositoryId, c.isPublic);
      else engine.changed(c.table, c.repositoryId, c.before as Written<typeof c.table> | null, c.after as never);
    },
    async flush() {
      await engine.flush();
      let budget = INLINE_MOVE_BUDGET;
      for (const [repositoryId, isPublic] of flips) {
        const moved = await moveRepositoryBuckets(ctx.db, installationId, repositoryId, isPublic, budget);
        // What the budget does not cover moves in later transactions.
        if (moved >= budget) await ctx.scheduler.runAfter(0, internal.metrics.moves.continueMove, { repositoryId });
        budget -= moved;
      }
      flips.clear();
    },
  };
};
