/**
 * A pull request's derived fields (checks, review verdict, first review, health) from its reviews and
 * the CI results on its head commit. Used by the write path on every change and by `verify.ts` to
 * recount, so the stored figures and the recount can never use different rules.
 *
 * Usage: `const derived = await derivePullRequest(ctx.db, repositoryId, pr)`
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { DatabaseReader } from "../_generated/server";
import { computeHealth, summarizeChecks, summarizeReviews } from "./health";

type DerivationInput = Pick<
  Doc<"pullRequests">,
  "number" | "headSha" | "requestedReviewers" | "authorLogin" | "draft" | "mergeable"
>;

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
  return { checks, failingChecks: failing, review, firstReviewAt, health, healthReasons: reasons };
}
