/**
 * The read model: GitHub's data as the dashboard reads it, written only by the write path of
 * `convex/model/` (ingest, webhooks' applications, the sync's commits), each base write with its derived
 * data in one transaction. `installations` and `repositories` also carry the SyncService's state: their
 * fields are joined with `sync/tables.ts`'s in convex/schema.ts.
 *
 * - `installations, repositories` — written by `model/` (their own fields) and `sync/transitions.ts` (their sync fields); read by every room; every public query reads its installation.
 * - `installationSettings, repositorySettings` — written by `model/settings.ts` (administrators); read by `model/`, `settings.ts`, `alerts/`.
 * - `pullRequests, reviewRequests, deployments, activityEvents, reviewerOpenRequests` — written by `model/`; read by `dashboard/`, `alerts/`, `metrics/`.
 * - `reviews, ciResults, issues, commits, comments` — written by `model/`; read by `model/` (derived fields), the metrics backfill.
 * - `installationCounters, publicCounters` — written by `model/` (sharded by repository); read by `dashboard/` (summary), `sync/`.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import {
  ciRecord,
  commentRecord,
  commitRecord,
  deploymentRecord,
  issueRecord,
  pullRequestRecord,
  reviewRecord,
} from "./records";

/**
 * A normalized record's fields as stored: scoped by installation and repository document instead of the
 * repository's GitHub id, so the tables and the write path's input can never drift apart.
 */
function storedFields<F extends { repoGithubId: unknown }>({ fields }: { fields: F }) {
  const { repoGithubId: _scopedBelow, ...rest } = fields;
  return { installationId: v.id("installations"), repositoryId: v.id("repositories"), ...rest };
}

const installationStatus = v.union(v.literal("active"), v.literal("suspended"), v.literal("deleted"));
export const health = v.union(v.literal("green"), v.literal("yellow"), v.literal("red"));
/** What an activity event records (the feed's kinds). */
export const activityType = v.union(
  v.literal("pr_opened"),
  v.literal("pr_merged"),
  v.literal("pr_closed"),
  v.literal("review_submitted"),
  v.literal("commit_pushed"),
  v.literal("issue_opened"),
  v.literal("issue_closed"),
  v.literal("comment_created"),
);
const checksState = v.union(v.literal("passing"), v.literal("failing"), v.literal("pending"), v.literal("none"));
const reviewSummary = v.union(
  v.literal("approved"),
  v.literal("changes_requested"),
  v.literal("review_required"),
  v.literal("none"),
);
/** Open-item counters; the same shape per repository and per installation shard. */
const openCounts = {
  openPrs: v.number(),
  green: v.number(),
  yellow: v.number(),
  red: v.number(),
  openIssues: v.number(),
};
/** One review request answered: by whom, on which day, after how long (ms); `bin` alone: stored before waits were kept. */
const pickupSample = v.object({
  reviewer: v.string(),
  day: v.number(),
  ms: v.optional(v.number()),
  bin: v.optional(v.number()),
});
/**
 * A scope of the visibility groups (model/scopes.ts): "all", "public" (public repositories), or a
 * repository id (that repository alone).
 */
export const scope = v.string();

export const installationFields = {
  githubInstallationId: v.number(),
  accountLogin: v.string(),
  accountId: v.number(),
  accountType: v.union(v.literal("User"), v.literal("Organization")),
  /** The GitHub user who installed the app (`sender` of `installation.created`). */
  installedByGithubUserId: v.optional(v.number()),
  installedByLogin: v.optional(v.string()),
  status: installationStatus,
  statusChangedAt: v.optional(v.number()),
  /**
   * A metrics backfill runs (convex/metrics/backfill.ts): write paths read its gate from `metricState`.
   * Absent otherwise, so a write path reads nothing more than this row for the metrics engine.
   */
  metricsBackfilling: v.optional(v.boolean()),
};

export const repositoryFields = {
  installationId: v.id("installations"),
  githubId: v.number(),
  name: v.string(),
  fullName: v.string(),
  ownerLogin: v.string(),
  private: v.boolean(),
  defaultBranch: v.string(),
  archived: v.boolean(),
  htmlUrl: v.string(),
  githubUpdatedAt: v.optional(v.number()),
  pushedAt: v.optional(v.number()),
  /** Removed from the installation (or deleted on GitHub): hidden and not counted. */
  removed: v.boolean(),
  stats: v.object(openCounts),
};

export const readModelTables = {
  /**
   * What a team agreed on, per installation (absent: the defaults in model/settings.ts). Changed by the
   * account's administrators (access.ts `canAdminister`); every change records who made it and when.
   */
  installationSettings: defineTable({
    installationId: v.id("installations"),
    /** An open PR waiting this many days is stale (inbox, PR list). */
    staleAfterDays: v.number(),
    /** Working agreements (alerts/): absent = the defaults in model/settings.ts. */
    pickupHours: v.optional(v.number()),
    openDays: v.optional(v.number()),
    maxChangedLines: v.optional(v.number()),
    maxOpenRequests: v.optional(v.number()),
    updatedAt: v.number(),
    updatedByLogin: v.string(),
  }).index("by_installation", ["installationId"]),

  pullRequests: defineTable({
    ...storedFields(pullRequestRecord),
    // Stored with every request's time (the record's may lack it: first seen = requested then).
    reviewRequests: v.optional(v.array(v.object({ reviewer: v.string(), requestedAt: v.number() }))),
    /** Lines added plus removed, when GitHub said (derived): the PR list's order by size. */
    changedLines: v.optional(v.number()),
    // Whose turn, derived by the write path (model/turn.ts):
    turn: v.optional(v.union(v.literal("author"), v.literal("reviewers"), v.literal("merge"), v.literal("none"))),
    turnReason: v.optional(v.string()),
    waitingOn: v.optional(v.array(v.string())),
    waitingSince: v.optional(v.number()),
    // Derived by the write path from reviews and CI results:
    checks: checksState,
    failingChecks: v.array(v.string()),
    review: reviewSummary,
    firstReviewAt: v.optional(v.number()),
    health: health,
    healthReasons: v.array(v.string()),
    /** Reviewer load: one sample per answered review request (model/contribution.ts `reviewPickups`). */
    pickups: v.optional(v.array(pickupSample)),
    /** Cycle time (model/cycle.ts): the last approving review, and the first successful deployment after the merge. */
    approvedAt: v.optional(v.number()),
    deployedAt: v.optional(v.number()),
  })
    .index("by_repo_github_id", ["repositoryId", "githubId"])
    .index("by_repo_number", ["repositoryId", "number"])
    .index("by_repo_head_sha", ["repositoryId", "headSha"])
    .index("by_repo_updated", ["repositoryId", "updatedAt"])
    .index("by_repo_state_updated", ["repositoryId", "state", "updatedAt"])
    .index("by_repo_state_health_updated", ["repositoryId", "state", "health", "updatedAt"])
    .index("by_repo_author_updated", ["repositoryId", "authorLogin", "updatedAt"])
    .index("by_repo_author_state_updated", ["repositoryId", "authorLogin", "state", "updatedAt"])
    .index("by_repo_author_state_health_updated", ["repositoryId", "authorLogin", "state", "health", "updatedAt"])
    .index("by_installation_updated", ["installationId", "updatedAt"])
    .index("by_installation_state_updated", ["installationId", "state", "updatedAt"])
    .index("by_installation_state_health_updated", ["installationId", "state", "health", "updatedAt"])
    .index("by_installation_author_updated", ["installationId", "authorLogin", "updatedAt"])
    .index("by_installation_author_state_updated", ["installationId", "authorLogin", "state", "updatedAt"])
    .index("by_installation_author_state_health_updated", [
      "installationId",
      "authorLogin",
      "state",
      "health",
      "updatedAt",
    ])
    .index("by_installation_author_turn_waiting", ["installationId", "authorLogin", "turn", "waitingSince"])
    /** The alert engine's cron: open PRs that became older than the agreement since its last run. */
    .index("by_installation_state_created", ["installationId", "state", "createdAt"])
    /** The PR list's other orders (dashboard/lists.ts): by age, and by how long the PR has waited. */
    .index("by_installation_created", ["installationId", "createdAt"])
    .index("by_repo_created", ["repositoryId", "createdAt"])
    .index("by_repo_state_created", ["repositoryId", "state", "createdAt"])
    .index("by_installation_state_waiting", ["installationId", "state", "waitingSince"])
    .index("by_installation_state_size", ["installationId", "state", "changedLines"])
    .index("by_repo_state_size", ["repositoryId", "state", "changedLines"])
    .index("by_repo_state_waiting", ["repositoryId", "state", "waitingSince"])
    /** Analytics drill-down (merged in a range) and deployment attribution (merged before a deployment). */
    .index("by_installation_merged", ["installationId", "mergedAt"])
    .index("by_installation_author_merged", ["installationId", "authorLogin", "mergedAt"])
    .index("by_repo_merged", ["repositoryId", "mergedAt"])
    .index("by_repo_author_merged", ["repositoryId", "authorLogin", "mergedAt"])
    .index("by_installation_creation", ["installationId"]),

  /** Outstanding review requests of open PRs, one per (PR, reviewer): the inbox's "requested from you". */
  reviewRequests: defineTable({
    installationId: v.id("installations"),
    repositoryId: v.id("repositories"),
    pullRequestId: v.id("pullRequests"),
    /** A login, or `team:<slug>`. */
    reviewer: v.string(),
    requestedAt: v.number(),
  })
    .index("by_repository", ["repositoryId"])
    .index("by_pull_request", ["pullRequestId", "reviewer"])
    .index("by_installation_reviewer", ["installationId", "reviewer", "requestedAt"])
    /** The alert engine's cron: requests whose pickup time crossed the agreement since its last run. */
    .index("by_installation_requested", ["installationId", "requestedAt"]),

  reviews: defineTable(storedFields(reviewRecord))
    .index("by_repo_github_id", ["repositoryId", "githubId"])
    .index("by_repo_pr", ["repositoryId", "prNumber"]),

  ciResults: defineTable({
    ...storedFields(ciRecord),
    /** Failed, then passed on the same commit (a re-run): a flaky check (repository health). Never unset. */
    flaky: v.optional(v.boolean()),
  })
    .index("by_repo_sha_name", ["repositoryId", "sha", "kind", "name"])
    /** In creation order: the metrics backfill's walk (convex/metrics/backfill.ts). */
    .index("by_installation_creation", ["installationId"]),

  /**
   * Deployments (GitHub's, or a chosen workflow's runs), written by the write path (model/deployments.ts).
   * `production`: counted by DORA and the deploy stage (a production environment, or the chosen workflow).
   */
  deployments: defineTable({
    ...storedFields(deploymentRecord),
    production: v.boolean(),
    /** Derived: a success ending a run of failures in its environment: ms from the first failure (DORA time to restore). */
    restoreMs: v.optional(v.number()),
    /** Derived: when a production deployment counts for DORA (its first success, else its first failure). */
    countedAt: v.optional(v.number()),
  })
    .index("by_repo_source_github_id", ["repositoryId", "source", "githubId"])
    /** DORA's drill-down: the production deployments counted in a range, newest first. */
    .index("by_installation_counted", ["installationId", "countedAt"])
    .index("by_repo_counted", ["repositoryId", "countedAt"])
    .index("by_repo_production_created", ["repositoryId", "production", "createdAt"])
    /** Time to restore: the failure run before a success in its environment. */
    .index("by_repo_production_environment_created", ["repositoryId", "production", "environment", "createdAt"])
    .index("by_installation_created", ["installationId", "createdAt"])
    .index("by_installation_creation", ["installationId"]),

  /** A repository's own choices (absent: defaults). Changed by administrators (settings.ts). */
  repositorySettings: defineTable({
    installationId: v.id("installations"),
    repositoryId: v.id("repositories"),
    /** DORA's fallback: count this Actions workflow's completed runs on the default branch as deployments. */
    deploymentWorkflow: v.optional(v.string()),
    updatedAt: v.number(),
    updatedByLogin: v.string(),
  })
    .index("by_repository", ["repositoryId"])
    .index("by_installation", ["installationId"]),

  issues: defineTable({
    ...storedFields(issueRecord),
    /** Tombstone: GitHub deleted it. Kept so a late, older event cannot resurrect it. */
    deleted: v.boolean(),
  })
    .index("by_repo_github_id", ["repositoryId", "githubId"])
    .index("by_repo_state_updated", ["repositoryId", "state", "updatedAt"])
    .index("by_installation_updated", ["installationId", "updatedAt"]),

  commits: defineTable(storedFields(commitRecord))
    .index("by_repo_sha", ["repositoryId", "sha"])
    .index("by_repo_committed", ["repositoryId", "committedAt"]),

  comments: defineTable({
    ...storedFields(commentRecord),
    deleted: v.boolean(),
  })
    .index("by_repo_github_id", ["repositoryId", "githubId"])
    .index("by_repo_issue", ["repositoryId", "issueNumber"]),

  activityEvents: defineTable({
    installationId: v.id("installations"),
    repositoryId: v.id("repositories"),
    /** `<type>:<github id>[:<event time>]` — never built from content, so edits never duplicate. */
    key: v.string(),
    type: activityType,
    actorLogin: v.string(),
    occurredAt: v.number(),
    url: v.string(),
    /** What it is about: a PR's or issue's title, a commit's message; a review's or comment's PR as "<title> (#N)". */
    title: v.optional(v.string()),
    /** A review's verdict. */
    verdict: v.optional(
      v.union(v.literal("approved"), v.literal("changes_requested"), v.literal("commented"), v.literal("dismissed")),
    ),
  })
    .index("by_repo_key", ["repositoryId", "key"])
    .index("by_installation_time", ["installationId", "occurredAt"])
    .index("by_repo_time", ["repositoryId", "occurredAt"])
    .index("by_repo_actor_time", ["repositoryId", "actorLogin", "occurredAt"])
    .index("by_installation_actor_time", ["installationId", "actorLogin", "occurredAt"])
    .index("by_installation_creation", ["installationId"]),

  /** Installation-wide open counts, split in shards (by repository) so writes do not all contend. */
  installationCounters: defineTable({
    installationId: v.id("installations"),
    shard: v.number(),
    repos: v.number(),
    ...openCounts,
  }).index("by_installation_shard", ["installationId", "shard"]),

  /** `installationCounters` of the public, non-removed repositories only (restricted viewers' summary). */
  publicCounters: defineTable({
    installationId: v.id("installations"),
    shard: v.number(),
    repos: v.number(),
    ...openCounts,
  }).index("by_installation_shard", ["installationId", "shard"]),

  /** Outstanding review requests per scope and reviewer (`reviewRequests` rows counted; deleted at 0). */
  reviewerOpenRequests: defineTable({
    installationId: v.id("installations"),
    scope,
    reviewer: v.string(),
    open: v.number(),
  }).index("by_installation_scope_reviewer", ["installationId", "scope", "reviewer"]),
};
