/**
 * Whose turn it is on an open pull request, pure: who must act next, why, and since when. Derived by
 * the write path with the PR's health whenever the PR, one of its reviews or a CI result changes.
 *
 *   - the author, when checks fail, changes are requested or it conflicts (or it is a draft, or nobody
 *     was asked to review it);
 *   - the requested reviewers who have not reviewed since they were requested (a new commit after a
 *     review re-requests nothing by itself; a re-request does);
 *   - nobody but a merge (the author's move), when approved and green;
 *   - nobody while only checks are pending.
 */
import type { ChecksState, HealthReason } from "./health";

type Turn = "author" | "reviewers" | "merge" | "none";
export type TurnReason =
  | "draft"
  | "checks_failing"
  | "changes_requested"
  | "merge_conflict"
  | "review_requested"
  | "ready_to_merge"
  | "checks_pending"
  | "no_reviewer";

export interface TurnInput {
  state: "open" | "closed" | "merged";
  draft: boolean;
  authorLogin: string;
  createdAt: number;
  updatedAt: number;
  readyForReviewAt?: number | undefined;
  health: "green" | "yellow" | "red";
  healthReasons: string[];
  checks: ChecksState;
  /** Outstanding requests: a login, or `team:<slug>`, and when it was (last) requested. */
  reviewRequests: Array<{ reviewer: string; requestedAt: number }>;
  reviews: Array<{ authorLogin: string; state: string; submittedAt?: number | undefined }>;
  /** When the head commit's latest failing check finished, if any. */
  failingSince?: number | undefined;
}

interface TurnResult {
  turn: Turn;
  turnReason?: TurnReason;
  waitingOn: string[];
  waitingSince?: number;
}

const has = (reasons: string[], r: HealthReason) => reasons.includes(r);

export function whoseTurn(pr: TurnInput): TurnResult {
  if (pr.state !== "open") return { turn: "none", waitingOn: [] };
  const author = (turnReason: TurnReason, since: number): TurnResult => ({
    turn: "author",
    turnReason,
    waitingOn: [pr.authorLogin],
    waitingSince: since,
  });
  const submitted = pr.reviews.filter(
    (r) => r.state !== "pending" && r.submittedAt !== undefined && r.authorLogin !== pr.authorLogin,
  );
  const latest = (state: string) =>
    Math.max(0, ...submitted.filter((r) => r.state === state).map((r) => r.submittedAt!)) || undefined;

  if (pr.draft) return author("draft", pr.createdAt);
  if (has(pr.healthReasons, "checks_failing")) return author("checks_failing", pr.failingSince ?? pr.updatedAt);
  if (has(pr.healthReasons, "changes_requested")) {
    return author("changes_requested", latest("changes_requested") ?? pr.updatedAt);
  }
  if (has(pr.healthReasons, "merge_conflict")) return author("merge_conflict", pr.updatedAt);

  // A request is answered by a review its reviewer submitted after it (teams: while GitHub lists them).
  const pending = pr.reviewRequests.filter(
    (q) => !submitted.some((r) => r.authorLogin === q.reviewer && r.submittedAt! >= q.requestedAt),
  );
  if (pending.length > 0) {
    return {
      turn: "reviewers",
      turnReason: "review_requested",
      waitingOn: pending.map((q) => q.reviewer),
      waitingSince: Math.min(...pending.map((q) => q.requestedAt)),
    };
  }
  const approvedAt = latest("approved");
  if (approvedAt !== undefined && pr.health === "green") {
    return { turn: "merge", turnReason: "ready_to_merge", waitingOn: [pr.authorLogin], waitingSince: approvedAt };
  }
  if (pr.checks === "pending") {
    return { turn: "none", turnReason: "checks_pending", waitingOn: [], waitingSince: pr.updatedAt };
  }
  if (approvedAt !== undefined) return { turn: "none", waitingOn: [], waitingSince: approvedAt };
  return author("no_reviewer", pr.readyForReviewAt ?? pr.createdAt);
}
