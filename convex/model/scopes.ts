/**
 * The visibility groups' open requests: `reviewerOpenRequests` per scope ("all", "public", a
 * repository's own), written by `DerivedDeltas.flush`. (A repository's day buckets move with its
 * privacy in the metrics engine: convex/metrics/moves.ts.)
 *
 * Removing a repository from the installation moves its open requests out of "all" and "public" (as
 * `installationCounters`), not its day buckets: history stays counted, so a restricted caller's
 * trends stay a part of the installation's.
 */
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";

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
