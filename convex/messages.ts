/**
 * Every code → words table of the product, in one place: why a sync starts or waits, why a job
 * failed, why a pull request is not green. The UI and the server both read these, so a code is
 * worded once. Words for users: never a raw error, and no times (the server does not know the
 * user's time zone; the UI formats instants itself).
 *
 * Usage: `syncDecisionMessage(decision)`, `jobErrorMessage(kind)`, `HEALTH_REASON_TEXT[reason]`.
 */
import { ConvexError } from "convex/values";
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
    case "people_listing":
      return "Listing the organisation's members and teams.";
    case "watchlist_refresh":
      return "Reading the watchlist's repositories.";
    case "reserved_for_sync":
      return "The watchlist waits: the remaining GitHub budget is kept for this installation's own sync.";
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

/** "1 member", "2 members", "1,204 open PRs": a count with its noun in the right number. */
export const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

/** Hours in words a reader compares at a glance: minutes under an hour, days from two days on. */
export function formatHours(hours: number | null | undefined): string {
  if (hours === null || hours === undefined) return "—";
  if (hours < 1) return `${Math.max(0, Math.round(hours * 60))} min`;
  if (hours < 48) return `${hours < 10 ? hours.toFixed(1).replace(/\.0$/, "") : Math.round(hours)} h`;
  const days = hours / 24;
  return `${days < 10 ? days.toFixed(1).replace(/\.0$/, "") : Math.round(days)} days`;
}

/**
 * Every error a public function answers with: a code the client can test, and its words. Thrown as
 * `ConvexError({ code, message })` by `fail`; a caller who may not see something is answered with the
 * same "not found" as for something missing.
 */
const ERROR_TEXT = {
  installation_not_found: () => "Installation not found.",
  repository_not_found: () => "Repository not found.",
  delivery_not_found: () => "Delivery not found.",
  destination_not_found: () => "Destination not found.",
  watch_entry_not_found: () => "Watchlist entry not found.",
  push_not_configured: () => "Notifications are not configured on this deployment (no VAPID keys).",
  invalid_push_subscription: () => "The browser's push subscription could not be read.",
  too_many_push_devices: (max: number) => `At most ${max} devices per account receive notifications.`,
  invalid_repository_ref: (why: string) => why,
  report_not_found: () => "Report not found.",
  invalid_report: (why: string) => why,
  too_many_reports: (max: number) => `At most ${max} saved reports per person and account; remove one first.`,
  not_report_author: () => "Only the report's author can change it.",
  not_report_remover: () => "Only the report's author, or an administrator, can remove it.",
  report_destination_of_team: () =>
    "A weekly report goes to a destination for the whole account: a team's destination hears only of its repositories.",
  report_not_shared: () => "Share the report with everyone first: a weekly summary goes to a channel.",
  too_many_watch_entries: (max: number) => `A watchlist follows at most ${max} repositories; remove one first.`,
  invalid_note: (max: number) => `A note is 1 to ${max} characters.`,
  not_entry_owner: () => "Only the person who added this repository, or an administrator, can remove it.",
  not_admin: () => "Only the account's owners and the person who installed the App can do this.",
  invalid_page_size: (max: number, got: number) =>
    `numItems must be a whole number from 1 to ${max}; got ${String(got)}.`,
  invalid_days: (max: number, got: number) => `days must be a whole number from 1 to ${max}; got ${String(got)}.`,
  invalid_day: (name: string, min: number, max: number, got: number) =>
    `${name} must be a UTC day number (whole days since 1970-01-01) from ${min} to ${max}; got ${String(got)}.`,
  invalid_range_order: (from: number, to: number) => `to (${to}) must not be before from (${from}).`,
  invalid_range_length: (max: number, got: number) => `The range must be at most ${max} days; got ${got}.`,
  invalid_hour: () => "`hour` must be a whole number of hours.",
  invalid_agreement: (words: string, max: number) => `${words} from 1 to ${max}.`,
  invalid_stale_threshold: (max: number) => `The stale threshold must be a whole number of days from 1 to ${max}.`,
  invalid_workflow: () => "The workflow must be its name or file name (e.g. deploy.yml), at most 200 characters.",
  invalid_webhook_url: (why: string) => why,
  invalid_label: (max: number) => `Name the destination (e.g. its channel, "#eng-alerts"), at most ${max} characters.`,
  too_many_destinations: (max: number) => `At most ${max} destinations per account; remove one first.`,
  duplicate_destination: () => "This webhook URL is already a destination.",
  unknown_team: (slug: string, account: string) => `There is no team "${slug}" in ${account}.`,
  destination_disabled: () => "This destination is disabled; re-enable it or replace its URL first.",
  demo_disabled: () => "Demo sign-in is not enabled on this deployment (SYNCBOARD_DEMO_USER_GITHUB_ID is not set).",
  demo_misconfigured: () => "Demo sign-in is misconfigured: SYNCBOARD_DEMO_USER_GITHUB_ID must be a GitHub user id.",
} satisfies Record<string, (...params: never[]) => string>;

type ErrorCode = keyof typeof ERROR_TEXT;

/** Throw the error `code` (its words from the table above, with `params`). */
export function fail<C extends ErrorCode>(code: C, ...params: Parameters<(typeof ERROR_TEXT)[C]>): never {
  const words = (ERROR_TEXT[code] as (...p: unknown[]) => string)(...params);
  throw new ConvexError({ code, message: words });
}
