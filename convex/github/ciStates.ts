/**
 * How GitHub's check-run and commit-status states fold into our three CI states. Shared by the
 * webhook and sync mappers (REST/webhooks send lowercase, GraphQL uppercase) so both paths agree.
 */
import type { CiState } from "../model/records";

const PASSING_CONCLUSIONS = new Set(["success", "neutral", "skipped"]);
const FAILING_CONCLUSIONS = new Set(["failure", "timed_out", "cancelled", "action_required", "startup_failure"]);

/** A check run: not completed → pending; `stale` (GitHub gave up waiting) → pending. */
export function checkRunState(status: string, conclusion: string | null | undefined): CiState {
  if (status.toLowerCase() !== "completed" || !conclusion) return "pending";
  const c = conclusion.toLowerCase();
  if (PASSING_CONCLUSIONS.has(c)) return "success";
  if (FAILING_CONCLUSIONS.has(c)) return "failure";
  return "pending";
}

/** A commit status: error counts as failure; GraphQL's `EXPECTED` (not reported yet) as pending. */
export function commitStatusState(state: string): CiState {
  const s = state.toLowerCase();
  if (s === "success") return "success";
  if (s === "failure" || s === "error") return "failure";
  return "pending";
}
