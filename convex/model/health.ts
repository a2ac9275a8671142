/**
 * PR health ("Ampel"), pure. The exact rules (also in docs/metrics.md "PR health"):
 *
 *   red    — any check failing, OR changes requested, OR a merge conflict
 *   yellow — otherwise: checks pending, OR review pending (reviewers requested, no approval),
 *            OR draft, OR mergeability not yet computed by GitHub
 *   green  — otherwise: checks passing (or no checks configured), approved (or no review
 *            required), and mergeable
 *
 * We cannot read branch protection with read-only permissions, so "required" checks and reviews
 * are approximated: every check counts, and a review is required when reviewers are requested.
 */
import type { CiState, ReviewState } from "./records";

type Health = "green" | "yellow" | "red";
export type ChecksState = "passing" | "failing" | "pending" | "none";
type ReviewSummary = "approved" | "changes_requested" | "review_required" | "none";
export type HealthReason =
  | "checks_failing"
  | "changes_requested"
  | "merge_conflict"
  | "checks_pending"
  | "review_required"
  | "draft"
  | "mergeability_unknown";

export interface HealthInput {
  checks: ChecksState;
  review: ReviewSummary;
  mergeable: "mergeable" | "conflicting" | "unknown";
  draft: boolean;
}

const RED: Array<[HealthReason, (i: HealthInput) => boolean]> = [
  ["checks_failing", (i) => i.checks === "failing"],
  ["changes_requested", (i) => i.review === "changes_requested"],
  ["merge_conflict", (i) => i.mergeable === "conflicting"],
];
const YELLOW: Array<[HealthReason, (i: HealthInput) => boolean]> = [
  ["checks_pending", (i) => i.checks === "pending"],
  ["review_required", (i) => i.review === "review_required"],
  ["draft", (i) => i.draft],
  ["mergeability_unknown", (i) => i.mergeable === "unknown"],
];

/** Health plus every reason that applies at that level (red reasons only, when red). */
export function computeHealth(input: HealthInput): { health: Health; reasons: HealthReason[] } {
  const red = RED.filter(([, applies]) => applies(input)).map(([r]) => r);
  if (red.length > 0) return { health: "red", reasons: red };
  const yellow = YELLOW.filter(([, applies]) => applies(input)).map(([r]) => r);
  if (yellow.length > 0) return { health: "yellow", reasons: yellow };
  return { health: "green", reasons: [] };
}

/** Roll up the latest result per check/status context on the PR's head commit. */
export function summarizeChecks(results: Array<{ name: string; state: CiState }>): {
  checks: ChecksState;
  failing: string[];
} {
  const failing = results
    .filter((r) => r.state === "failure")
    .map((r) => r.name)
    .sort();
  if (failing.length > 0) return { checks: "failing", failing };
  if (results.some((r) => r.state === "pending")) return { checks: "pending", failing };
  return { checks: results.length > 0 ? "passing" : "none", failing };
}

/**
 * GitHub's review decision, from the reviews themselves: each reviewer's latest approving,
 * change-requesting or dismissed review counts (comments don't change a reviewer's verdict).
 */
export function summarizeReviews(
  reviews: Array<{ authorLogin: string; state: ReviewState; submittedAt?: number; githubId: number }>,
  requestedReviewers: number,
  prAuthor: string,
): { review: ReviewSummary; firstReviewAt?: number } {
  const verdicts = new Map<string, { state: ReviewState; at: number; id: number }>();
  let firstReviewAt: number | undefined;
  for (const r of reviews) {
    if (r.state === "pending" || r.submittedAt === undefined || r.authorLogin === prAuthor) continue;
    firstReviewAt = firstReviewAt === undefined ? r.submittedAt : Math.min(firstReviewAt, r.submittedAt);
    if (r.state === "commented") continue;
    const prev = verdicts.get(r.authorLogin);
    if (!prev || r.submittedAt > prev.at || (r.submittedAt === prev.at && r.githubId > prev.id)) {
      verdicts.set(r.authorLogin, { state: r.state, at: r.submittedAt, id: r.githubId });
    }
  }
  const states = [...verdicts.values()].map((x) => x.state);
  const review: ReviewSummary = states.includes("changes_requested")
    ? "changes_requested"
    : states.includes("approved")
      ? "approved"
      : requestedReviewers > 0
        ? "review_required"
        : "none";
  return firstReviewAt === undefined ? { review } : { review, firstReviewAt };
}
