/**
 * Every code → words table of the product, in one place: why a sync starts or waits, why a job
 * failed, why a pull request is not green. The UI and the server both read these, so a code is
 * worded once. Words for users: never a raw error, and no times (the server does not know the
 * user's time zone; the UI formats instants itself).
 *
 * Usage: `syncDecisionMessage(decision)`, `jobErrorMessage(kind)`, `HEALTH_REASON_TEXT[reason]`.
 */
import type { HealthReason } from "./model/health";
import type { TurnReason } from "./model/turn";
import type { SyncDecision } from "./sync/policy";
import type { JobErrorKind } from "./sync/jobState";

const minutes = (ms: number) => `${Math.max(1, Math.ceil(ms / 60_000))} min`;

/** Why "Sync Now" starts, waits or is paused. */
export function syncDecisionMessage(decision: Pick<SyncDecision, "reason" | "metadata">): string {
  const { reason, metadata } = decision;
  switch (reason) {
    case "installation_suspended":
      return "The GitHub App is suspended for this account. Unsuspend it on GitHub to sync again.";
    case "installation_deleted":
      return "The GitHub App was uninstalled from this account.";
    case "no_repositories":
      return "The GitHub App has no repositories to sync. Grant it access to some on GitHub.";
    case "already_syncing":
      return "A sync is already running.";
    case "recover_stalled_job":
      return "Resuming an interrupted sync.";
    case "rate_limit_blocked":
      return "GitHub asked us to pause; the sync resumes by itself when the limit resets.";
    case "manual_cooldown":
      return `Synced moments ago. You can sync again in ${minutes(metadata?.cooldownMs ?? 0)}.`;
    case "recently_synced":
      return "Synced recently; the next scheduled sync will pick up changes.";
    case "rate_limit_low":
      return "GitHub's request budget is nearly used up; syncing resumes when it resets.";
    case "reserved_for_webhooks":
      return "The remaining GitHub budget is kept for live updates; full syncs resume when it resets.";
    case "budget_unknown":
    case "manual_requested":
    case "stale_data_refresh":
    case "scheduled":
    case "webhook_backfill":
    case "maintenance":
      return "Sync started.";
  }
}

const JOB_ERROR_TEXT: Record<JobErrorKind, string> = {
  rate_limited: "GitHub's rate limit was reached.",
  transient: "GitHub is not responding right now. The sync will be retried.",
  not_found: "The installation or repository no longer exists on GitHub, or the app lost access to it.",
  forbidden: "The GitHub App lacks a permission needed to read this data.",
  unauthorized: "GitHub rejected the app's credentials. Check the GitHub App configuration.",
  bad_request: "GitHub rejected a request made by the sync.",
  invalid_response: "GitHub returned data the sync could not read.",
  internal: "The sync failed unexpectedly.",
};
/** Why a job or one repository's sync failed. */
export const jobErrorMessage = (kind: JobErrorKind) => JOB_ERROR_TEXT[kind];
export const APP_NOT_CONFIGURED = "The GitHub App is not configured on the server.";

/** Why a pull request waits, and on whom (`model/turn.ts`'s reasons), in a few words. */
export const WAITING_REASON_TEXT: Record<TurnReason, string> = {
  review_requested: "Review requested",
  checks_failing: "Checks are failing",
  changes_requested: "Changes were requested",
  merge_conflict: "Has a merge conflict",
  draft: "Still a draft",
  ready_to_merge: "Approved and green: ready to merge",
  no_reviewer: "No reviewer requested yet",
  checks_pending: "Checks are still running",
};

/** Why a pull request is yellow or red, as shown beside its health. */
export const HEALTH_REASON_TEXT: Record<HealthReason, string> = {
  checks_failing: "checks failing",
  changes_requested: "changes requested",
  merge_conflict: "merge conflict",
  checks_pending: "checks pending",
  review_required: "review pending",
  draft: "draft",
  mergeability_unknown: "mergeability unknown",
};
