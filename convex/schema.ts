/**
 * The read model. Base tables mirror GitHub (keyed by GitHub ids); derived data (PR health, the
 * per-repo `stats`, `installationCounters` shards and daily buckets) is maintained by the single
 * write path in `convex/model/` in the same transaction as every base write.
 */
import { authTables } from "@convex-dev/auth/server";
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import {
  ciRecord,
  commentRecord,
  commitRecord,
  deploymentRecord,
  issueRecord,
  pullRequestRecord,
  reviewRecord,
} from "./model/records";
import { jobError, jobErrorKind, jobState } from "./sync/jobState";

/**
 * A normalized record's fields as stored: scoped by installation and repository document instead of the
 * repository's GitHub id, so the tables and the write path's input can never drift apart.
 */
function storedFields<F extends { repoGithubId: unknown }>({ fields }: { fields: F }) {
  const { repoGithubId: _scopedBelow, ...rest } = fields;
  return { installationId: v.id("installations"), repositoryId: v.id("repositories"), ...rest };
}

const installationStatus = v.union(v.literal("active"), v.literal("suspended"), v.literal("deleted"));
const syncState = v.union(v.literal("idle"), v.literal("syncing"), v.literal("blocked"), v.literal("error"));
export const repoSyncStatus = v.union(v.literal("processing"), v.literal("ready"), v.literal("failed"));
export const syncTrigger = v.union(
  v.literal("manual"),
  v.literal("cron"),
  v.literal("webhook"),
  v.literal("maintenance"),
  /** The organisation's people alone (a job of kind "people"): hourly, or after a change GitHub sent no webhook for. */
  v.literal("members"),
);
/**
 * The people stage's resume point (convex/sync/people.ts): members, owners, the pruning of
 * memberships the listing did not see, teams, each team's members and repositories, each private
 * repository's direct collaborators, the pruning of teams and grants. `seenAt` stamps what it saw.
 */
export const peopleCursor = v.object({
  seenAt: v.number(),
  step: v.union(
    v.literal("members"),
    v.literal("admins"),
    v.literal("pruneMembers"),
    v.literal("teams"),
    v.literal("teamMembers"),
    v.literal("teamRepositories"),
    v.literal("collaborators"),
    v.literal("prune"),
    v.literal("done"),
  ),
  /** The step's next page (a REST `next` URL). */
  page: v.optional(v.string()),
  team: v.optional(v.object({ githubId: v.number(), slug: v.string() })),
  repository: v.optional(
    v.object({ id: v.id("repositories"), owner: v.string(), name: v.string(), fullName: v.string() }),
  ),
});
/** The sync stage a job is in: open work first, then history; "full" walks each repository to its end at once. */
const syncStage = v.union(v.literal("open_work"), v.literal("history"), v.literal("full"));
/** A repository's sync phases (the plan per stage is in convex/sync/worker.ts). */
const repoSyncPhase = v.union(
  v.literal("probe"),
  v.literal("openPulls"),
  v.literal("openIssues"),
  v.literal("pulls"),
  v.literal("closedPulls"),
  v.literal("issues"),
  v.literal("closedIssues"),
  v.literal("issueComments"),
  v.literal("reviewComments"),
  v.literal("commits"),
  /** DORA: GitHub deployments (GraphQL), then the chosen workflow's runs when the repository chose one. */
  v.literal("deployments"),
  v.literal("workflowRuns"),
  v.literal("done"),
);
const tokenBucket = v.object({ tokens: v.number(), at: v.number() });
/**
 * The job's resume point: the listing, the pruning of unlisted repositories, then the walk —
 * repositories in `fullName` order, at most `WINDOW` in flight, each resuming from its own
 * `repositories.syncProgress`. Nothing here grows with the installation.
 */
export const syncCursor = v.object({
  phase: v.union(
    v.literal("list"),
    v.literal("prune"),
    v.literal("walk"),
    v.literal("people"),
    /** Deprecated (one repository at a time; a job in one of these resumes as a "full" walk). */
    v.literal("probe"),
    v.literal("pulls"),
    v.literal("issues"),
    v.literal("issueComments"),
    v.literal("reviewComments"),
    v.literal("commits"),
  ),
  /** GraphQL `after` cursor or REST `next` URL of the listing. */
  page: v.optional(v.string()),
  /** The people stage's own cursor. */
  people: v.optional(peopleCursor),
  /** The listing's stamp on every repository it saw (absent when the listing answered 304: walk all). */
  listing: v.optional(v.number()),
  /** Walk: the stage, the last repository admitted (the walk goes on after it), the repositories in flight. */
  stage: v.optional(syncStage),
  after: v.optional(v.string()),
  window: v.optional(v.array(v.id("repositories"))),
  /** GraphQL page size; adapts to cost and response time, halved on 502/504. */
  pageSize: v.number(),
  /** Adaptive concurrency and the request pacing (token buckets per resource), carried across slices. */
  concurrency: v.optional(v.number()),
  /** Below the concurrency at which GitHub last answered with a secondary limit. */
  concurrencyCeiling: v.optional(v.number()),
  pacing: v.optional(v.object({ core: tokenBucket, graphql: tokenBucket })),
  /** Deprecated (one repository at a time); kept so older jobs validate. */
  repositoryId: v.optional(v.id("repositories")),
  repositoryName: v.optional(v.string()),
  repoEtag: v.optional(v.string()),
  repoIndex: v.optional(v.number()),
  listed: v.optional(v.array(v.number())),
});
/** A repository's own resume point within a job (owned by the sync worker, written by `recordRepositorySync`). */
export const repoSyncProgress = v.object({
  jobId: v.id("syncJobs"),
  stage: syncStage,
  phase: repoSyncPhase,
  /** GraphQL `after` cursor or REST `next` URL of the phase. */
  page: v.optional(v.string()),
  /** The change probe's answer and new ETag (stored in `syncCursor` once the repository completes). */
  changed: v.optional(v.boolean()),
  repoEtag: v.optional(v.string()),
  /** Commits fetched so far (capped per repository). */
  fetched: v.optional(v.number()),
  /** Failed permanently in this job: the rest of the job leaves it alone. */
  failed: v.optional(v.boolean()),
});
const deliveryStatus = v.union(
  v.literal("received"),
  v.literal("processed"),
  v.literal("ignored"),
  v.literal("invalid"),
  v.literal("retrying"),
  v.literal("dead"),
);
export const health = v.union(v.literal("green"), v.literal("yellow"), v.literal("red"));
const checksState = v.union(v.literal("passing"), v.literal("failing"), v.literal("pending"), v.literal("none"));
const reviewSummary = v.union(
  v.literal("approved"),
  v.literal("changes_requested"),
  v.literal("review_required"),
  v.literal("none"),
);

/** One rate-limit budget as GitHub last reported it (resetAt in epoch ms). */
export const rateLimitSnapshot = v.object({
  resource: v.string(),
  limit: v.number(),
  remaining: v.number(),
  used: v.number(),
  resetAt: v.number(),
  observedAt: v.number(),
});

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
const scope = v.string();

const alertKind = v.union(
  v.literal("pickup"),
  v.literal("open_too_long"),
  v.literal("size"),
  v.literal("open_requests"),
  v.literal("sync_failures"),
  v.literal("rate_limit"),
  v.literal("webhook_lag"),
);

export default defineSchema({
  ...authTables,
  /** @convex-dev/auth's users, plus the GitHub identity access is decided by. */
  users: defineTable({
    name: v.optional(v.string()),
    image: v.optional(v.string()),
    email: v.optional(v.string()),
    emailVerificationTime: v.optional(v.number()),
    phone: v.optional(v.string()),
    phoneVerificationTime: v.optional(v.number()),
    isAnonymous: v.optional(v.boolean()),
    githubId: v.optional(v.number()),
    githubLogin: v.optional(v.string()),
    /** Organisations (GitHub account ids) the user is a member of; mirrors `orgMemberships`. */
    orgAccountIds: v.optional(v.array(v.number())),
  })
    .index("email", ["email"])
    .index("phone", ["phone"])
    .index("by_github_id", ["githubId"]),

  /** Organisation memberships we learned of (webhooks `organization`/`member`); grants visibility. */
  orgMemberships: defineTable({
    accountId: v.number(),
    githubUserId: v.number(),
    login: v.string(),
    updatedAt: v.number(),
    /** GitHub's organisation role, from the members listing (owners are `admin`). */
    role: v.optional(v.union(v.literal("admin"), v.literal("member"))),
    /** When a listing or a webhook last confirmed it; a complete listing ends those it did not see. */
    seenAt: v.optional(v.number()),
  })
    .index("by_user_account", ["githubUserId", "accountId"])
    .index("by_account_user", ["accountId", "githubUserId"])
    .index("by_account_seen", ["accountId", "seenAt"]),

  /**
   * An organisation's teams (per GitHub account, shared by its installations), from the sync's team
   * listing and `team` webhooks (people/teams.ts). A child team inherits its parent's repository access.
   */
  teams: defineTable({
    accountId: v.number(),
    githubId: v.number(),
    slug: v.string(),
    name: v.string(),
    parentGithubId: v.optional(v.number()),
    /** When a listing or a webhook last confirmed it; a complete listing ends those it did not see. */
    seenAt: v.number(),
  })
    .index("by_account_github_id", ["accountId", "githubId"])
    .index("by_account_slug", ["accountId", "slug"])
    .index("by_account_seen", ["accountId", "seenAt"]),

  /** Who belongs to which team (sync, `membership` webhooks), per organisation account (people/teams.ts). */
  teamMembers: defineTable({
    accountId: v.number(),
    teamGithubId: v.number(),
    githubUserId: v.number(),
    login: v.string(),
    seenAt: v.number(),
  })
    .index("by_team_user", ["accountId", "teamGithubId", "githubUserId"])
    .index("by_account_user", ["accountId", "githubUserId"])
    .index("by_account_seen", ["accountId", "seenAt"]),

  /**
   * Who may read a repository of an installation besides its owners: a team (`teamGithubId`) or a
   * direct collaborator (`githubUserId`), exactly one of the two (people/grants.ts). Read by access.ts.
   */
  repositoryGrants: defineTable({
    installationId: v.id("installations"),
    repositoryId: v.id("repositories"),
    teamGithubId: v.optional(v.number()),
    githubUserId: v.optional(v.number()),
    /** GitHub's role on the repository (read, triage, write, maintain, admin, or a custom role's name). */
    permission: v.string(),
    seenAt: v.number(),
  })
    .index("by_repository", ["repositoryId", "teamGithubId", "githubUserId"])
    .index("by_installation_team", ["installationId", "teamGithubId", "repositoryId"])
    .index("by_installation_user", ["installationId", "githubUserId", "repositoryId"])
    .index("by_installation_seen", ["installationId", "seenAt"]),

  installations: defineTable({
    githubInstallationId: v.number(),
    accountLogin: v.string(),
    accountId: v.number(),
    accountType: v.union(v.literal("User"), v.literal("Organization")),
    /** The GitHub user who installed the app (`sender` of `installation.created`). */
    installedByGithubUserId: v.optional(v.number()),
    installedByLogin: v.optional(v.string()),
    status: installationStatus,
    statusChangedAt: v.optional(v.number()),
    /** Owned by the SyncService (convex/sync/); nothing else writes these fields. */
    sync: v.object({
      state: syncState,
      activeJobId: v.optional(v.id("syncJobs")),
      lastSyncedAt: v.optional(v.number()),
      lastSyncStartedAt: v.optional(v.number()),
      lastManualSyncAt: v.optional(v.number()),
      lastSyncError: v.optional(v.string()),
      blockedUntil: v.optional(v.number()),
      /** The instant `getStatus` is computed at, stamped by a mutation scheduled for each time boundary (sync/clock.ts). */
      statusAsOf: v.optional(v.number()),
      /** The boundary a status tick is scheduled for. */
      statusTickAt: v.optional(v.number()),
      /**
       * The organisation's people (members, teams, collaborators): when the last listing started, why it
       * was refused if it was (a missing Members permission), and when one was last asked for.
       */
      peopleListedAt: v.optional(v.number()),
      peopleError: v.optional(jobErrorKind),
      peopleRequestedAt: v.optional(v.number()),
    }),
    /** Deprecated: budgets live in `rateLimits` (written on every sync page, read by no dashboard query). */
    rateLimits: v.optional(v.record(v.string(), rateLimitSnapshot)),
    /** Deprecated: the listing ETag lives on `syncJobs.listingEtag`; kept so older documents validate. */
    repositoriesEtag: v.optional(v.string()),
    /**
     * A metrics backfill runs (convex/metrics/backfill.ts): write paths read its gate from `metricState`.
     * Absent otherwise, so a write path reads nothing more than this row for the metrics engine.
     */
    metricsBackfilling: v.optional(v.boolean()),
  })
    .index("by_github_id", ["githubInstallationId"])
    .index("by_status", ["status"])
    .index("by_account", ["accountId"])
    .index("by_installed_by", ["installedByGithubUserId"]),

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

  repositories: defineTable({
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
    syncStatus: repoSyncStatus,
    syncError: v.optional(v.string()),
    syncErrorKind: v.optional(jobErrorKind),
    /** Incremental sync watermarks and ETags; owned by the sync worker. */
    syncCursor: v.optional(
      v.object({
        since: v.optional(v.number()),
        changeProbeEtag: v.optional(v.string()),
        pushedAt: v.optional(v.number()),
      }),
    ),
    /** Where this repository's sync stands in the running job (cleared when it completes). */
    syncProgress: v.optional(repoSyncProgress),
    stats: v.object(openCounts),
    /** The sync listing that last saw it (`syncJobs.cursor.listing`); the rest are pruned when a listing completes. */
    listing: v.optional(v.number()),
  })
    .index("by_installation_github_id", ["installationId", "githubId"])
    .index("by_installation_listing", ["installationId", "removed", "listing"])
    .index("by_installation", ["installationId", "removed", "fullName"])
    .index("by_installation_sync_status", ["installationId", "removed", "syncStatus"]),

  pullRequests: defineTable({
    ...storedFields(pullRequestRecord),
    // Stored with every request's time (the record's may lack it: first seen = requested then).
    reviewRequests: v.optional(v.array(v.object({ reviewer: v.string(), requestedAt: v.number() }))),
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
    type: v.union(
      v.literal("pr_opened"),
      v.literal("pr_merged"),
      v.literal("pr_closed"),
      v.literal("review_submitted"),
      v.literal("commit_pushed"),
      v.literal("issue_opened"),
      v.literal("issue_closed"),
      v.literal("comment_created"),
    ),
    actorLogin: v.string(),
    occurredAt: v.number(),
    url: v.string(),
    title: v.optional(v.string()),
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

  /**
   * A repository's health score per UTC day (metrics/repositoryHealth.ts), recomputed from the buckets by
   * a cron and after syncs: the Repositories page reads one document per row (the latest, with its trend).
   */
  repositoryHealth: defineTable({
    installationId: v.id("installations"),
    repositoryId: v.id("repositories"),
    day: v.number(),
    /** 0–100. */
    score: v.number(),
    grade: health,
    reasons: v.array(v.object({ key: v.string(), text: v.string(), penalty: v.number() })),
    /** The scores of the days before, oldest first (≤ 30), so a row reads one document for its trend. */
    trend: v.array(v.object({ day: v.number(), score: v.number() })),
    computedAt: v.number(),
  })
    .index("by_repository_day", ["repositoryId", "day"])
    .index("by_installation_day", ["installationId", "day"]),

  /**
   * Every day-bucketed figure (convex/metrics/figures.ts declares them; the metrics engine alone writes
   * them): one document per installation, figure (`name@version`), scope ("all", "public", a repository
   * id), key ("" or an author / login) and UTC day, holding entries (one, or one per reviewer) of named
   * counters and sparse duration histograms (bin → count, convex/metrics/histogram.ts). A repository's own
   * documents of a visibility figure carry `inPublic`: whether "public" counts them.
   */
  metricBuckets: defineTable({
    installationId: v.id("installations"),
    figure: v.string(),
    scope,
    key: v.string(),
    day: v.number(),
    entries: v.array(
      v.object({
        k: v.string(),
        n: v.record(v.string(), v.number()),
        h: v.record(v.string(), v.record(v.string(), v.number())),
      }),
    ),
    inPublic: v.optional(v.boolean()),
  })
    .index("by_figure_scope_key_day", ["installationId", "figure", "scope", "key", "day"])
    .index("by_scope_public_day", ["installationId", "scope", "inPublic", "day"]),

  /**
   * Per installation, the metrics engine's own state (convex/metrics/backfill.ts): the figures counted,
   * and a running backfill (which figures, and per source table how far, by creation time, it has counted).
   */
  metricState: defineTable({
    installationId: v.id("installations"),
    figures: v.array(v.string()),
    backfill: v.optional(
      v.object({
        figures: v.array(v.string()),
        phase: v.union(v.literal("clear"), v.literal("count")),
        tables: v.array(v.object({ table: v.string(), through: v.number(), done: v.boolean() })),
      }),
    ),
  }).index("by_installation", ["installationId"]),

  /** Tables the metrics engine replaced: emptied by `metrics/backfill:dropLegacy`, then removed from the schema. */
  dailyActivity: defineTable(v.any()),
  scopedDailyActivity: defineTable(v.any()),
  reviewerDaily: defineTable(v.any()),
  cycleDaily: defineTable(v.any()),
  deploymentDaily: defineTable(v.any()),
  ciDaily: defineTable(v.any()),
  userDailyActivity: defineTable(v.any()),

  /**
   * Every signed webhook delivery, stored before it is processed (GitHub does not retry). The body
   * lives apart (`webhookPayloads`, or file storage when large: a push can reach 25 MB), so sweeps,
   * replays and the status query read small rows.
   */
  webhookDeliveries: defineTable({
    deliveryId: v.string(),
    event: v.string(),
    action: v.optional(v.string()),
    installationGithubId: v.optional(v.number()),
    /** The payload's `repository.id`, when it has one: who may see the delivery in the log. */
    repositoryGithubId: v.optional(v.number()),
    receivedAt: v.number(),
    bytes: v.number(),
    payloadStorageId: v.optional(v.id("_storage")),
    status: deliveryStatus,
    attempts: v.number(),
    nextAttemptAt: v.optional(v.number()),
    processedAt: v.optional(v.number()),
    /** Why it was ignored, failed or dead-lettered (for invalid payloads, the zod path that failed). */
    reason: v.optional(v.string()),
    invalidPath: v.optional(v.string()),
  })
    .index("by_delivery_id", ["deliveryId"])
    .index("by_status", ["status", "receivedAt"])
    .index("by_installation_received", ["installationGithubId", "receivedAt"])
    .index("by_installation_status_received", ["installationGithubId", "status", "receivedAt"]),

  /** The body of a delivery small enough to keep in the database. */
  webhookPayloads: defineTable({
    deliveryId: v.id("webhookDeliveries"),
    body: v.string(),
  }).index("by_delivery", ["deliveryId"]),

  /** Deliveries GitHub reported as failed that we asked it to redeliver (asked once each). */
  redeliveryRequests: defineTable({
    deliveryGuid: v.string(),
    githubDeliveryId: v.number(),
    requestedAt: v.number(),
  }).index("by_guid", ["deliveryGuid"]),

  /**
   * The latest GitHub budget per installation and resource (`core`, `graphql`), written by sync pages
   * (`github/connection.ts`); read by the sync policy and `getStatus`, never by dashboard queries.
   */
  rateLimits: defineTable({
    installationId: v.id("installations"),
    ...rateLimitSnapshot.fields,
  }).index("by_installation_resource", ["installationId", "resource"]),

  /** Installation access tokens, reused until shortly before they expire. Internal only. */
  githubTokens: defineTable({
    installationGithubId: v.number(),
    token: v.string(),
    expiresAt: v.number(),
  }).index("by_installation", ["installationGithubId"]),

  /**
   * Sync jobs. At most one per installation is active (queued/running/retrying/blocked); see
   * convex/sync/README.md for the state machine. Slices claim the job by `lease.generation`.
   */
  syncJobs: defineTable({
    installationId: v.id("installations"),
    /** What the job does (convex/sync/plan.ts); absent: "installation". */
    kind: v.optional(v.union(v.literal("installation"), v.literal("people"))),
    trigger: syncTrigger,
    state: jobState,
    createdAt: v.number(),
    startedAt: v.optional(v.number()),
    finishedAt: v.optional(v.number()),
    /** Each scheduled slice carries the generation it was scheduled with; only that one may run. */
    lease: v.object({ generation: v.number(), claimed: v.boolean(), expiresAt: v.number() }),
    /** When the next slice is due (backoff or rate-limit reset); maintenance uses it to spot lost schedules. */
    nextRunAt: v.optional(v.number()),
    /** Consecutive transient failures of the current step. */
    attempt: v.number(),
    blockedUntil: v.optional(v.number()),
    /** Where to resume: the repository list phase, then one repository after another. */
    cursor: syncCursor,
    /** ETag of this job's first GET /installation/repositories page; the next job lists conditionally on it. */
    listingEtag: v.optional(v.string()),
    /** Deprecated (grew with the installation); kept so older jobs validate. */
    repositoryIds: v.optional(v.array(v.id("repositories"))),
    progress: v.object({
      current: v.number(),
      total: v.number(),
      itemsFetched: v.number(),
      currentRepository: v.optional(v.string()),
    }),
    stats: v.object({
      requests: v.number(),
      notModified: v.number(),
      primaryBudgetUsed: v.number(),
      itemsWritten: v.number(),
      mutations: v.number(),
      /** Repositories this job finished, and those it failed (a job that synced none of them failed). */
      repositoriesSynced: v.optional(v.number()),
      repositoriesFailed: v.optional(v.number()),
    }),
    /** Normalized for users; `detail` keeps the raw text for operators. */
    error: v.optional(jobError),
    /** The people stage ended: the listing's stamp, and why GitHub refused it if it did (nothing was pruned). */
    people: v.optional(v.object({ listedAt: v.number(), error: v.optional(jobErrorKind) })),
  })
    .index("by_installation_state", ["installationId", "state"])
    .index("by_installation_created", ["installationId", "createdAt"])
    .index("by_state", ["state"]),

  /**
   * The sync's figures per installation and UTC hour (`hour` = hours since the epoch), owned by
   * convex/sync/health.ts: requests and points added by each page commit, jobs and their durations
   * (log2-seconds histogram) added as they end. Read only by the sync health page.
   */
  syncHourly: defineTable({
    installationId: v.id("installations"),
    hour: v.number(),
    requests: v.number(),
    notModified: v.number(),
    points: v.number(),
    jobsSucceeded: v.number(),
    jobsFailed: v.number(),
    jobsCancelled: v.number(),
    durationMsSum: v.number(),
    durationHist: v.array(v.number()),
  }).index("by_installation_hour", ["installationId", "hour"]),

  /**
   * Alerts (convex/alerts/): one document per breach of a working agreement or of seed 000's sync health
   * conditions, opened once (`subject` names the breach) and resolved when the condition clears.
   */
  alerts: defineTable({
    installationId: v.id("installations"),
    /** Absent: about the installation (sync health, a person's open requests). */
    repositoryId: v.optional(v.id("repositories")),
    pullRequestId: v.optional(v.id("pullRequests")),
    /**
     * A person's open requests are counted per visibility group: "all" (every repository, for those who
     * read them all; also when absent) or "public" (public repositories, for every other member).
     */
    scope: v.optional(v.union(v.literal("all"), v.literal("public"))),
    kind: alertKind,
    /** The breach, e.g. `pickup:<pullRequestId>:<reviewer>`; at most one open alert per subject. */
    subject: v.string(),
    openedAt: v.number(),
    resolvedAt: v.optional(v.number()),
    message: v.string(),
    url: v.optional(v.string()),
  })
    .index("by_installation_opened", ["installationId", "openedAt"])
    .index("by_installation_subject_resolved", ["installationId", "subject", "resolvedAt"])
    .index("by_pull_request_resolved", ["pullRequestId", "resolvedAt"])
    .index("by_installation_kind_resolved", ["installationId", "kind", "resolvedAt"]),

  /** Per user and installation: alerts opened at or before `readUpTo` are read (the bell's watermark). */
  alertReads: defineTable({
    userId: v.id("users"),
    installationId: v.id("installations"),
    readUpTo: v.number(),
  })
    .index("by_user_installation", ["userId", "installationId"])
    .index("by_installation", ["installationId"]),

  /**
   * The alert engine's own state per installation: how far its cron has evaluated the time-based
   * boundaries (request + pickup time, creation + open days), so each run reads only what crossed since.
   */
  alertClocks: defineTable({
    installationId: v.id("installations"),
    pickupScannedTo: v.number(),
    openScannedTo: v.number(),
  }).index("by_installation", ["installationId"]),

  /** PRs the write path changed in an alert-relevant way, waiting for the engine (drained in batches). */
  alertQueue: defineTable({
    installationId: v.id("installations"),
    pullRequestId: v.id("pullRequests"),
    /** Reviewers whose outstanding requests changed (their per-person count is re-checked). */
    reviewers: v.array(v.string()),
  }).index("by_installation", ["installationId"]),

  /** What each evaluated PR added to `agreementDaily` (its creation day and size), so a change moves it. */
  alertPullRequests: defineTable({
    installationId: v.id("installations"),
    pullRequestId: v.id("pullRequests"),
    day: v.number(),
    changedLines: v.number(),
  })
    .index("by_pull_request", ["pullRequestId"])
    .index("by_installation", ["installationId"]),

  /**
   * The agreements' buckets the read model does not keep, per installation and UTC day: the changed
   * lines of PRs opened that day (sorted), and each reviewer's peak of open requests that day.
   */
  agreementDaily: defineTable({
    installationId: v.id("installations"),
    day: v.number(),
    sizes: v.array(v.number()),
    requestPeaks: v.array(v.object({ reviewer: v.string(), peak: v.number() })),
  }).index("by_installation_day", ["installationId", "day"]),

  /** Webhook deliveries applied per installation and UTC hour, with their lag (log2-ms histogram). Same owner and reader. */
  webhookHourly: defineTable({
    installationId: v.id("installations"),
    hour: v.number(),
    applied: v.number(),
    lagMsSum: v.number(),
    lagMsMax: v.number(),
    lagHist: v.array(v.number()),
  }).index("by_installation_hour", ["installationId", "hour"]),

  /**
   * Where alerts are sent besides the app: a Slack incoming webhook per installation, or per team
   * (alerts about the repositories granted to that team). `url` is a secret: only convex/notify/send.ts
   * reads it to send; no public function returns it (`hint` is what the settings show). Owned by
   * convex/notify/.
   */
  notificationDestinations: defineTable({
    installationId: v.id("installations"),
    kind: v.literal("slack"),
    url: v.string(),
    /** "hooks.slack.com/…/abcd": the host and at most the URL's last 4 characters. */
    hint: v.string(),
    label: v.string(),
    teamSlug: v.optional(v.string()),
    enabled: v.boolean(),
    disabledReason: v.optional(v.string()),
    createdBy: v.string(),
    createdAt: v.number(),
    updatedBy: v.string(),
    updatedAt: v.number(),
  }).index("by_installation", ["installationId"]),

  /** The destinations' audit log: who added, replaced, removed, re-enabled, or what disabled one, and when. */
  destinationChanges: defineTable({
    installationId: v.id("installations"),
    destinationId: v.id("notificationDestinations"),
    action: v.union(
      v.literal("added"),
      v.literal("replaced"),
      v.literal("removed"),
      v.literal("disabled"),
      v.literal("enabled"),
    ),
    label: v.string(),
    hint: v.string(),
    /** The administrator's login, or "Syncboard" when a delivery disabled the destination. */
    by: v.string(),
    at: v.number(),
    reason: v.optional(v.string()),
  }).index("by_installation_at", ["installationId", "at"]),

  /** One message to one destination: the Slack delivery log (retries with backoff, dead when revoked). */
  notificationDeliveries: defineTable({
    installationId: v.id("installations"),
    destinationId: v.id("notificationDestinations"),
    destinationLabel: v.string(),
    alertId: v.optional(v.string()),
    event: v.union(v.literal("opened"), v.literal("resolved"), v.literal("test")),
    /** The message (Slack's `text`, the notification's fallback) and the alert's page, linked in a block. */
    text: v.string(),
    link: v.optional(v.string()),
    status: v.union(
      v.literal("queued"),
      v.literal("sent"),
      v.literal("retrying"),
      v.literal("failed"),
      v.literal("dead"),
    ),
    attempts: v.number(),
    nextAttemptAt: v.optional(v.number()),
    lastError: v.optional(v.string()),
    createdAt: v.number(),
    sentAt: v.optional(v.number()),
  })
    .index("by_installation_created", ["installationId", "createdAt"])
    .index("by_status_next", ["status", "nextAttemptAt"])
    .index("by_destination", ["destinationId"])
    /** Retention (notify/purge.ts): the delivery log keeps 30 days. */
    .index("by_created", ["createdAt"]),
});
