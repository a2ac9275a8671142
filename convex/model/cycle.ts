/**
 * Cycle time of merged pull requests (issue 14), pure: the stages of a PR and how long each took. The
 * metrics engine counts them (convex/metrics/figures.ts `CYCLE`), in the bucket of the merge day.
 */
import type { Doc } from "../_generated/dataModel";

/** The stages of a merged PR, then the totals: cycle (first commit → merge) and lead (first commit → deployed). */
export const CYCLE_STAGES = ["coding", "pickup", "review", "merge", "deploy", "cycle", "lead"] as const;
type CycleStage = (typeof CYCLE_STAGES)[number];
type CyclePullRequest = Pick<
  Doc<"pullRequests">,
  | "state"
  | "authorLogin"
  | "createdAt"
  | "readyForReviewAt"
  | "firstCommitAt"
  | "firstReviewAt"
  | "approvedAt"
  | "mergedAt"
  | "deployedAt"
>;

/** When the PR became ready for review: its ready-for-review event, else its creation. */
export const readyAt = (pr: Pick<Doc<"pullRequests">, "readyForReviewAt" | "createdAt">) =>
  pr.readyForReviewAt ?? pr.createdAt;

/**
 * Each stage's duration (ms) of a PR, null where an end is unknown. Pickup is 0 when the first review
 * came before the PR was ready (GitHub allows reviewing drafts); other negative spans (clock skew,
 * rebased commits) count as 0 in the histograms (convex/metrics/histogram.ts).
 */
export function stageDurations(pr: CyclePullRequest): Record<CycleStage, number | null> {
  const span = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? null : b - a);
  const ready = readyAt(pr);
  const start = pr.firstCommitAt ?? pr.createdAt;
  const pickup = span(ready, pr.firstReviewAt);
  return {
    coding: span(pr.firstCommitAt, ready),
    pickup: pickup === null ? null : Math.max(0, pickup),
    review: span(pr.firstReviewAt, pr.approvedAt),
    merge: span(pr.approvedAt, pr.mergedAt),
    deploy: span(pr.mergedAt, pr.deployedAt),
    cycle: span(start, pr.mergedAt),
    lead: span(start, pr.deployedAt),
  };
}
