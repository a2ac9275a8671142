/**
 * The `reviewRequests` rows of one pull request: one per reviewer it waits on (a login or
 * `team:<slug>`), with the time of the request. Kept equal to the PR's whose-turn fields by the write
 * path, so the inbox lists what is requested from someone with one index range per reviewer.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";

type TurnFields = Pick<Doc<"pullRequests">, "turn" | "waitingOn" | "waitingSince" | "reviewRequests">;

/** Outstanding requests a PR version implies: its reviewers while it is their turn. */
function outstanding(pr: TurnFields | null): Map<string, number> {
  if (!pr || pr.turn !== "reviewers") return new Map();
  const at = new Map((pr.reviewRequests ?? []).map((r) => [r.reviewer, r.requestedAt]));
  return new Map((pr.waitingOn ?? []).map((reviewer) => [reviewer, at.get(reviewer) ?? pr.waitingSince ?? 0]));
}

export async function syncReviewRequests(
  ctx: MutationCtx,
  pr: TurnFields & Pick<Doc<"pullRequests">, "installationId" | "repositoryId"> & { id: Id<"pullRequests"> },
  before: TurnFields | null,
  /** Told of every row inserted (+1) or deleted (−1): the reviewer's open-request counters. */
  counted?: (reviewer: string, delta: 1 | -1) => void,
): Promise<void> {
  const want = outstanding(pr);
  const had = outstanding(before);
  if (want.size === had.size && [...want].every(([r, at]) => had.get(r) === at)) return;
  const rows = await ctx.db
    .query("reviewRequests")
    .withIndex("by_pull_request", (q) => q.eq("pullRequestId", pr.id))
    .collect();
  for (const row of rows) {
    const at = want.get(row.reviewer);
    if (at === undefined) {
      await ctx.db.delete(row._id);
      counted?.(row.reviewer, -1);
    } else if (at !== row.requestedAt) await ctx.db.patch(row._id, { requestedAt: at });
    want.delete(row.reviewer);
  }
  for (const [reviewer, requestedAt] of want) {
    await ctx.db.insert("reviewRequests", {
      installationId: pr.installationId,
      repositoryId: pr.repositoryId,
      pullRequestId: pr.id,
      reviewer,
      requestedAt,
    });
    counted?.(reviewer, 1);
  }
}
