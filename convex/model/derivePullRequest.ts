/**
 * A pull request's derived fields (checks, review verdict, first review, health, whose turn) from its
 * reviews and the CI results on its head commit. Used by the write path on every change and by
 * `verify.ts` to recount, so the stored figures and the recount can never use different rules.
 *
 * Usage: `const derived = await derivePullRequest(ctx.db, repositoryId, pr)`
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { DatabaseReader } from "../_generated/server";
import { reviewPickups } from "./contribution";
import { firstDeploymentAfter } from "./deployments";
import { computeHealth, summarizeChecks, summarizeReviews } from "./health";
import { whoseTurn } from "./turn";

type DerivationInput = Pick<
  Doc<"pullRequests">,
  | "number"
  | "headSha"
  | "requestedReviewers"
  | "authorLogin"
  | "draft"
  | "mergeable"
  | "state"
  | "createdAt"
  | "updatedAt"
  | "readyForReviewAt"
  | "reviewRequests"
  | "requestHistory"
  | "mergedAt"
  | "additions"
  | "deletions"
>;

/** Lines added plus removed, or undefined when the source said neither. */
export const changedLinesOf = (pr: Pick<Doc<"pullRequests">, "additions" | "deletions">) =>
  pr.additions === undefined && pr.deletions === undefined ? undefined : (pr.additions ?? 0) + (pr.deletions ?? 0);

export async function derivePullRequest(db: DatabaseReader, repositoryId: Id<"repositories">, pr: DerivationInput) {
  const [reviews, ci] = await Promise.all([
    db
      .query("reviews")
      .withIndex("by_repo_pr", (q) => q.eq("repositoryId", repositoryId).eq("prNumber", pr.number))
      .collect(),
    db
      .query("ciResults")
      .withIndex("by_repo_sha_name", (q) => q.eq("repositoryId", repositoryId).eq("sha", pr.headSha))
      .collect(),
  ]);
  const { checks, failing } = summarizeChecks(ci);
  const { review, firstReviewAt } = summarizeReviews(reviews, pr.requestedReviewers, pr.authorLogin);
  const { health, reasons } = computeHealth({ checks, review, mergeable: pr.mergeable, draft: pr.draft });
  const failingSince = Math.max(0, ...ci.filter((c) => c.state === "failure").map((c) => c.updatedAt)) || undefined;
  const turn = whoseTurn({
    ...pr,
    health,
    healthReasons: reasons,
    checks,
    reviewRequests: pr.reviewRequests ?? [],
    reviews,
    failingSince,
  });
  const pickups = reviewPickups(pr, reviews);
  // Cycle time (model/cycle.ts): the last approval by someone else, up to the merge; the first deployment after it.
  const approvals = reviews.filter(
    (r) =>
      r.state === "approved" &&
      r.submittedAt !== undefined &&
      r.authorLogin !== pr.authorLogin &&
      (pr.mergedAt === undefined || r.submittedAt <= pr.mergedAt),
  );
  const approvedAt = approvals.length > 0 ? Math.max(...approvals.map((r) => r.submittedAt!)) : undefined;
  const deployedAt =
    pr.state === "merged" && pr.mergedAt !== undefined
      ? await firstDeploymentAfter(db, repositoryId, pr.mergedAt)
      : undefined;
  return {
    changedLines: changedLinesOf(pr),
    checks,
    failingChecks: failing,
    review,
    firstReviewAt,
    health,
    healthReasons: reasons,
    pickups: pickups.length > 0 ? pickups : undefined,
    approvedAt,
    deployedAt,
    // Closed and merged PRs wait on nobody: no turn, so the inbox's indexes never list them.
    ...(pr.state === "open"
      ? { turn: turn.turn, turnReason: turn.turnReason, waitingOn: turn.waitingOn, waitingSince: turn.waitingSince }
      : { turn: undefined, turnReason: undefined, waitingOn: undefined, waitingSince: undefined }),
  };
}
