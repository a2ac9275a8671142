/**
 * The SyncService's tables and the sync fields it keeps on the read model's `installations` and
 * `repositories` rows (joined with `model/tables.ts`'s fields in convex/schema.ts).
 *
 * - `syncJobs` — written by `sync/transitions.ts` (every arrow of the state machine), `sync/maintenance.ts` (retention); read by `sync/` only.
 * - `installations.sync, repositories' sync fields` — written by `sync/transitions.ts`, `sync/clock.ts`; repositories' through the write path's `recordRepositorySync`; read by `sync/`, `dashboard/` (status, sync health), `access.ts`.
 * - `syncHourly, webhookHourly` — written by `sync/health.ts` (page commits, job ends, applied deliveries); read by `dashboard/` (sync health), `alerts/` (webhook lag).
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { rateLimitSnapshot } from "../github/tables";
import { watchStep } from "../watchlist/tables";
import { jobError, jobErrorKind, jobState } from "./jobState";

const syncState = v.union(v.literal("idle"), v.literal("syncing"), v.literal("blocked"), v.literal("error"));
export const repoSyncStatus = v.union(v.literal("processing"), v.literal("ready"), v.literal("failed"));
export const syncTrigger = v.union(
  v.literal("manual"),
  v.literal("cron"),
  v.literal("webhook"),
  v.literal("maintenance"),
  /** The organisation's people alone (a job of kind "people"): hourly, or after a change GitHub sent no webhook for. */
  v.literal("members"),
  /** The installation's watchlist alone (a job of kind "watchlist"): entries added, retried, refreshed or due. */
  v.literal("watchlist"),
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
    v.literal("watchlist"),
    /** Deprecated (one repository at a time): rewritten by `maintenance:dropDeprecated`, then removed. */
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
  /** The watchlist stage: the entry being processed, its step and the commits' next page (absent: take the next due). */
  watchlist: v.optional(v.object({ entryId: v.id("watchEntries"), step: watchStep, page: v.optional(v.string()) })),
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
  /** Deprecated (one repository at a time): removed by `maintenance:dropDeprecated`, then from here. */
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

/** The SyncService's fields of an `installations` row. */
export const installationSyncFields = {
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
  /** Deprecated (budgets live in `rateLimits`): removed by `maintenance:dropDeprecated`, then from here. */
  rateLimits: v.optional(v.record(v.string(), rateLimitSnapshot)),
  /** Deprecated (the ETag lives on `syncJobs.listingEtag`): removed by `maintenance:dropDeprecated`, then from here. */
  repositoriesEtag: v.optional(v.string()),
};

/** The SyncService's fields of a `repositories` row. */
export const repositorySyncFields = {
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
  /** The sync listing that last saw it (`syncJobs.cursor.listing`); the rest are pruned when a listing completes. */
  listing: v.optional(v.number()),
};

export const syncTables = {
  /**
   * Sync jobs. At most one per installation is active (queued/running/retrying/blocked); see
   * convex/sync/README.md for the state machine. Slices claim the job by `lease.generation`.
   */
  syncJobs: defineTable({
    installationId: v.id("installations"),
    /** What the job does (convex/sync/plan.ts); absent: "installation". */
    kind: v.optional(v.union(v.literal("installation"), v.literal("people"), v.literal("watchlist"))),
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
    /** Deprecated (grew with the installation): removed by `maintenance:dropDeprecated`, then from here. */
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

  /** Webhook deliveries applied per installation and UTC hour, with their lag (log2-ms histogram). Same owner and reader. */
  webhookHourly: defineTable({
    installationId: v.id("installations"),
    hour: v.number(),
    applied: v.number(),
    lagMsSum: v.number(),
    lagMsMax: v.number(),
    lagHist: v.array(v.number()),
  }).index("by_installation_hour", ["installationId", "hour"]),
};
